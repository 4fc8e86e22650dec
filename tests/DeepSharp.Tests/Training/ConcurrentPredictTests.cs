using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Training;

/// <summary>The promise of docs/training.md: Predict on one built model is safe from several threads at once.</summary>
public class ConcurrentPredictTests
{
    [Fact(Timeout = 120_000)]
    public async Task PredictFromManyThreadsGivesTheSameBitsAsOneThread() => await Task.Run(() =>
    {
        RandomGenerator.SetGlobalSeed(21);
        var model = new Sequential(
            new Conv2D(4, (3, 3), activation: Activation.Relu, inputShape: [10, 10, 1]), new MaxPooling2D((2, 2)),
            new Flatten(), new Dense(16, Activation.Relu), new Dropout(0.5f), new Dense(3, Activation.Softmax));
        var inputs = Enumerable.Range(0, 8).Select(i => Tensor.RandomUniform(new Shape(5 + i, 10, 10, 1), 0f, 1f, new RandomGenerator(i))).ToArray();
        var expected = inputs.Select(x => model.Predict(x, batchSize: 4).ToArray()).ToArray();

        int differences = 0, calls = 0;
        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 8 }, call =>
        {
            int i = call % inputs.Length;
            var actual = model.Predict(inputs[i], batchSize: 4).ToArray();
            if (!actual.SequenceEqual(expected[i])) Interlocked.Increment(ref differences);
            Interlocked.Increment(ref calls);
        });
        Assert.Equal(400, calls);
        Assert.Equal(0, differences);
    });
}
