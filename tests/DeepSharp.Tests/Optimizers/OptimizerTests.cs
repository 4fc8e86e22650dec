using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Optimizers;

/// <summary>Three steps on a small tensor against the published update formulas, written out.</summary>
public partial class OptimizerTests
{
    internal static Parameter OneWeight(float[] values)
    {
        var layer = new Dense(values.Length, useBias: false, kernelInitializer: Initializer.Zeros);
        layer.Build(new Shape(1));
        values.CopyTo(layer.Parameters[0].Value.Span);
        return layer.Parameters[0];
    }

    internal static readonly float[][] Gradients = [[0.5f, -1f, 1e-4f], [0.25f, 2f, -1e-4f], [-0.5f, 0.1f, 3f]];

    [Fact]
    public void AdamMatchesKerasFormula()
    {
        var p = OneWeight([1f, -2f, 0.5f]);
        var adam = new Adam();
        double[] w = [1, -2, 0.5], m = new double[3], v = new double[3];
        for (int t = 1; t <= 3; t++)
        {
            p.Value.Grad = Tensor.FromArray((float[])Gradients[t - 1].Clone(), 1, 3);
            adam.Apply([p]);
            // Keras: lr_t = lr·√(1−β2^t)/(1−β1^t); m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; w −= lr_t·m/(√v + ε)
            double lrT = 1e-3 * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t));
            for (int i = 0; i < 3; i++)
            {
                double g = Gradients[t - 1][i];
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                w[i] -= lrT * m[i] / (Math.Sqrt(v[i]) + 1e-7);
            }
            for (int i = 0; i < 3; i++) Assert.Equal(w[i], p.Value.Span[i], 6);
        }
        // After one step every weight moves by about lr regardless of the gradient's size (Adam's hallmark).
        Assert.Equal(0.5 - 3 * 1e-3, p.Value.Span[2], 2);
    }

    [Theory]
    [InlineData(0f, false)]
    [InlineData(0.9f, false)]
    [InlineData(0.9f, true)]
    public void SgdMatchesKeras3Formula(float momentum, bool nesterov)
    {
        var p = OneWeight([1f, -2f, 0.5f]);
        var sgd = new Sgd(0.1f, momentum, nesterov);
        double[] w = [1, -2, 0.5], velocity = new double[3];
        for (int t = 0; t < 3; t++)
        {
            p.Value.Grad = Tensor.FromArray((float[])Gradients[t].Clone(), 1, 3);
            sgd.Apply([p]);
            for (int i = 0; i < 3; i++)
            {
                double g = Gradients[t][i];
                if (momentum == 0) { w[i] -= 0.1 * g; continue; }
                velocity[i] = momentum * velocity[i] - 0.1 * g;            // v = μ·v − lr·g
                w[i] += nesterov ? momentum * velocity[i] - 0.1 * g : velocity[i]; // w += μ·v − lr·g  |  w += v
            }
            for (int i = 0; i < 3; i++) Assert.Equal(w[i], p.Value.Span[i], 5);
        }
    }

    [Fact]
    public void InvalidHyperparametersAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(-1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(beta1: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(float.NaN));
    }
}
