using DeepSharp.Nn;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Optimizers;

/// <summary>
/// Adam and AdamW update their parameters in slices over the worker pool (Optimizer.Slices.cs): the
/// same bits as one parameter after another on one thread, for sizes around the slice length, and
/// the Keras formula written out in double.
/// </summary>
public class OptimizerSliceTests
{
    private static readonly int[] Sizes = [1, 17, 16384, 16385, 40003, 5];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SlicedStepsGiveTheSerialBitsOnEveryThreadCount(bool decoupled)
    {
        int saved = DeepSharp.Threads.Count;
        try
        {
            DeepSharp.Threads.Count = 1;
            var serial = Train(decoupled);
            foreach (int threads in new[] { 2, 3 })
            {
                DeepSharp.Threads.Count = threads;
                var sliced = Train(decoupled);
                for (int i = 0; i < serial.Length; i++) Assert.Equal(serial[i], sliced[i]);
            }
        }
        finally
        {
            DeepSharp.Threads.Count = saved;
        }
    }

    [Fact]
    public void SlicedAdamWMatchesKerasFormula()
    {
        int saved = DeepSharp.Threads.Count;
        try
        {
            DeepSharp.Threads.Count = 2;
            var trained = Train(decoupled: true);
            for (int j = 0; j < Sizes.Length; j++)
            {
                var w = Array.ConvertAll(Initial(j), x => (double)x);
                double[] m = new double[w.Length], v = new double[w.Length];
                for (int t = 1; t <= Steps; t++)
                {
                    var g = Gradient(j, t);
                    double lrT = Lr * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t));
                    for (int i = 0; i < w.Length; i++)
                    {
                        w[i] -= w[i] * Decay * Lr;
                        m[i] += (g[i] - m[i]) * 0.1;
                        v[i] += (g[i] * (double)g[i] - v[i]) * 0.001;
                        w[i] -= lrT * m[i] / (Math.Sqrt(v[i]) + 1e-7);
                    }
                }
                for (int i = 0; i < w.Length; i++) Assert.Equal(w[i], trained[j][i], 1e-5);
            }
        }
        finally
        {
            DeepSharp.Threads.Count = saved;
        }
    }

    private const int Steps = 3;
    private const float Lr = 0.01f, Decay = 0.05f;

    /// <summary>Each parameter's weights after <see cref="Steps"/> steps of AdamW (or Adam), one array per parameter.</summary>
    private static float[][] Train(bool decoupled)
    {
        var parameters = new Parameter[Sizes.Length];
        for (int j = 0; j < Sizes.Length; j++) parameters[j] = OptimizerTests.OneWeight(Initial(j));
        Optimizer optimizer = decoupled ? new AdamW(Lr, weightDecay: Decay) : new Adam(Lr);
        for (int t = 1; t <= Steps; t++)
        {
            for (int j = 0; j < Sizes.Length; j++) parameters[j].Value.Grad = Tensor.FromArray(Gradient(j, t), 1, Sizes[j]);
            optimizer.Apply(parameters);
        }
        return Array.ConvertAll(parameters, p => p.Value.ToArray());
    }

    private static float[] Initial(int j) => Values(j, 0, 1f);

    private static float[] Gradient(int j, int t) => Values(j, t, 0.5f);

    private static float[] Values(int j, int t, float scale)
    {
        var rng = new Random(1000 * j + t);
        var values = new float[Sizes[j]];
        for (int i = 0; i < values.Length; i++) values[i] = scale * (float)(rng.NextDouble() * 2 - 1);
        return values;
    }
}
