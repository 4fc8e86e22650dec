using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Training;

/// <summary>Predict folds BatchNormalization into the Conv2D/Dense before it; the result stays the unfolded one up to float32 rounding.</summary>
public class BatchNormFoldingTests
{
    [Fact]
    public void ConvThenBatchNormPredictsAsUnfolded()
    {
        RandomGenerator.SetGlobalSeed(5);
        var conv = new Conv2D(6, (3, 3), padding: Padding.Same, inputShape: [7, 9, 3]);
        var bn = new BatchNormalization();
        var model = new Sequential(conv, bn, new Relu(), new Flatten(), new Dense(4));
        var x = Tensor.RandomUniform(new Shape(5, 7, 9, 3), -1f, 1f, new RandomGenerator(1));
        model.Predict(x);
        SetStatistics(bn, 6, seed: 2);
        Assert.NotNull(FoldedOutput(conv, bn, x)); // the fold applies here, so Predict below runs it

        AssertClose(Unfolded(model, x), model.Predict(x, batchSize: 3));
    }

    [Fact]
    public void DenseThenBatchNormWithoutScaleOrCenterPredictsAsUnfolded()
    {
        RandomGenerator.SetGlobalSeed(6);
        var dense = new Dense(5, useBias: false, inputShape: [3]);
        var bn = new BatchNormalization(center: false, scale: false, epsilon: 1e-2f);
        var model = new Sequential(dense, bn, new Dense(2, Activation.Softmax));
        var x = Tensor.RandomUniform(new Shape(16, 3), -2f, 2f, new RandomGenerator(3));
        model.Predict(x);
        SetStatistics(bn, 5, seed: 4);
        Assert.NotNull(FoldedOutput(dense, bn, x));

        AssertClose(Unfolded(model, x), model.Predict(x, batchSize: 16));
    }

    [Fact]
    public void NewStatisticsAndWeightsTakeEffectAtOnce()
    {
        RandomGenerator.SetGlobalSeed(7);
        var conv = new Conv2D(4, (3, 3), inputShape: [6, 6, 2]);
        var bn = new BatchNormalization();
        var model = new Sequential(conv, bn, new Flatten());
        var x = Tensor.RandomUniform(new Shape(4, 6, 6, 2), -1f, 1f, new RandomGenerator(8));
        var before = model.Predict(x).ToArray();
        SetStatistics(bn, 4, seed: 9);
        var afterStatistics = model.Predict(x).ToArray();
        Assert.NotEqual(before, afterStatistics);
        AssertClose(Unfolded(model, x), Tensor.FromArray(afterStatistics, x.Shape[0], afterStatistics.Length / x.Shape[0]));

        var weights = conv.GetWeights();
        weights[0].Span.Fill(0.25f);
        conv.SetWeights(weights);
        AssertClose(Unfolded(model, x), model.Predict(x));
    }

    [Fact]
    public void NoFoldAcrossAnActivationOrWhenTheKernelOutweighsTheOutput()
    {
        RandomGenerator.SetGlobalSeed(8);
        var relu = new Conv2D(3, (3, 3), activation: Activation.Relu, inputShape: [5, 5, 1]);
        var bn = new BatchNormalization();
        _ = new Sequential(relu, bn);
        Assert.Null(FoldedOutput(relu, bn, Tensor.Zeros(new Shape(2, 5, 5, 1))));

        var wide = new Dense(8, inputShape: [64]);
        var bn2 = new BatchNormalization();
        _ = new Sequential(wide, bn2);
        Assert.Null(FoldedOutput(wide, bn2, Tensor.Zeros(new Shape(1, 64)))); // 8 outputs against 512 weights
    }

    private static Tensor? FoldedOutput(Layer producer, Layer norm, Tensor x)
    {
        using (NoGrad.Scope()) return BatchNormFolding.TryFolded(producer, norm, x);
    }

    private static Tensor Unfolded(Sequential model, Tensor x)
    {
        using (NoGrad.Scope()) return model.Call(x);
    }

    /// <summary>γ, β, moving mean and a moving variance far from 1, so a wrong fold shows.</summary>
    private static void SetStatistics(BatchNormalization bn, int channels, int seed)
    {
        var g = new RandomGenerator(seed);
        var weights = bn.GetWeights();
        for (int i = 0; i < weights.Count; i++)
        {
            var values = Tensor.RandomUniform(new Shape(channels), i == weights.Count - 1 ? 0.05f : -1.5f, 3f, g);
            values.Span.CopyTo(weights[i].Span);
        }
        bn.SetWeights(weights);
    }

    private static void AssertClose(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.ToArray();
        var a = actual.ToArray();
        float scale = e.Max(MathF.Abs);
        for (int i = 0; i < e.Length; i++)
            Assert.True(MathF.Abs(e[i] - a[i]) <= 1e-5f * scale + 1e-5f * MathF.Abs(e[i]), $"element {i}: unfolded {e[i]}, folded {a[i]}");
    }
}
