using DeepSharp.Data;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Training;

/// <summary>
/// Same seed → same bits, for the seed CNN (whose convolution and GEMM kernels run on the worker
/// pool). The kernels split work by fixed tile sizes, so the thread count does not change the bits either.
/// </summary>
public class DeterminismTests
{
    private static float[][] TrainSeedCnn(int threads)
    {
        int saved = DeepSharp.Threads.Count;
        try
        {
            DeepSharp.Threads.Count = threads;
            RandomGenerator.SetGlobalSeed(99);
            var x = Tensor.RandomUniform(new Shape(300, 28, 28, 1), 0f, 1f, new RandomGenerator(1));
            var labels = new int[300];
            var g = new RandomGenerator(2);
            for (int i = 0; i < labels.Length; i++) labels[i] = g.NextInt(10);
            var y = DataUtils.ToCategorical(Tensor.FromArray(labels, 300), 10);
            var model = SeedModel.Create();
            model.Fit(x, y, batchSize: 64, epochs: 1, verbose: 0);
            return model.Parameters.Select(p => p.Value.ToArray()).ToArray();
        }
        finally
        {
            DeepSharp.Threads.Count = saved;
        }
    }

    [Fact]
    public void SeedCnnIsBitIdenticalAcrossRunsAndThreadCounts()
    {
        var first = TrainSeedCnn(2);
        var second = TrainSeedCnn(2);
        var single = TrainSeedCnn(1);
        var three = TrainSeedCnn(3);
        for (int i = 0; i < first.Length; i++)
        {
            Assert.Equal(first[i], second[i]);
            Assert.Equal(first[i], single[i]);
            Assert.Equal(first[i], three[i]);
        }
    }
}
