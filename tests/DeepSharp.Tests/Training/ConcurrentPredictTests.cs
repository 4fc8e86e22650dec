using System.Collections.Concurrent;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Training;

/// <summary>
/// The promise of docs/training.md: Predict from many threads at once on one model (as a server calls
/// it) gives, for every call, the bits a single-threaded run gives; the first calls on an unbuilt model
/// build its layers once.
/// </summary>
public class ConcurrentPredictTests
{
    private const int Threads = 16, CallsPerThread = 6;

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

    /// <summary>A CNN whose Predict takes every inference path: BatchNorm folding, conv+pool chunking, plain layers.</summary>
    private static Sequential Cnn(int[]? inputShape) => new(
        new Conv2D(8, (3, 3), inputShape: inputShape),
        new BatchNormalization(),
        new ActivationLayer(Activation.Relu),
        new Conv2D(8, (3, 3), activation: Activation.Relu),
        new MaxPooling2D((2, 2)),
        new Flatten(),
        new Dense(16, Activation.Relu),
        new Dense(5, Activation.Softmax));

    private static Model Functional()
    {
        var input = Model.Input([6]);
        var a = new Dense(8, Activation.Tanh).Call(input);
        var b = new Dense(8, Activation.Relu).Call(input);
        var output = new Dense(3).Call(new Add().Call([a, b]));
        return new Model(input, output);
    }

    /// <summary>Batches of different sizes (1 to 300 rows, so conv+pool chunking runs at the large ones).</summary>
    private static Tensor[] Inputs(int[] sampleShape)
    {
        var random = new Random(11);
        int[] sizes = [1, 3, 7, 32, 300];
        var inputs = new Tensor[sizes.Length];
        for (int i = 0; i < sizes.Length; i++)
        {
            var shape = new Shape([sizes[i], .. sampleShape]);
            var data = new float[shape.Size];
            for (int k = 0; k < data.Length; k++) data[k] = (float)random.NextDouble();
            inputs[i] = Tensor.FromArray(data, shape);
        }
        return inputs;
    }

    [Fact]
    public void BuiltSequentialCnnGivesSingleThreadedBitsFromManyThreads()
    {
        var model = Cnn([12, 12, 1]);
        var inputs = Inputs([12, 12, 1]);
        var expected = inputs.Select(x => model.Predict(x, batchSize: 512).ToArray()).ToArray();
        var results = PredictConcurrently(model, inputs);
        AssertAllEqual(expected, results);
    }

    [Fact]
    public void FunctionalModelGivesSingleThreadedBitsFromManyThreads()
    {
        var model = Functional();
        var inputs = Inputs([6]);
        var expected = inputs.Select(x => model.Predict(x, batchSize: 512).ToArray()).ToArray();
        AssertAllEqual(expected, PredictConcurrently(model, inputs));
    }

    /// <summary>
    /// The first Predict calls on a model without an input shape build its layers: from 16 threads at once
    /// they build them once (one set of weights), fail nowhere, and agree with a single-threaded run after.
    /// </summary>
    [Fact]
    public void UnbuiltModelIsBuiltOnceByConcurrentFirstCalls()
    {
        var model = Cnn(null);
        Assert.False(model.IsBuilt);
        var inputs = Inputs([12, 12, 1]);
        var results = PredictConcurrently(model, inputs);
        Assert.True(model.IsBuilt);
        Assert.Equal(Cnn([12, 12, 1]).Parameters.Count(), model.Parameters.Count());
        var expected = inputs.Select(x => model.Predict(x, batchSize: 512).ToArray()).ToArray();
        AssertAllEqual(expected, results);
    }

    /// <summary>
    /// Every thread (released together by a barrier) predicts every input, each in its own order;
    /// returns, per (thread, input), the outputs or the exception's message.
    /// </summary>
    private static ConcurrentBag<(int Thread, int Input, float[]? Output, string? Error)> PredictConcurrently(Model model, Tensor[] inputs)
    {
        using var barrier = new Barrier(Threads);
        var results = new ConcurrentBag<(int, int, float[]?, string?)>();
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int id = t;
            threads[t] = new Thread(() =>
            {
                barrier.SignalAndWait();
                for (int call = 0; call < CallsPerThread; call++)
                {
                    int i = (id + call) % inputs.Length;
                    try
                    {
                        results.Add((id, i, model.Predict(inputs[i], batchSize: 512).ToArray(), null));
                    }
                    catch (Exception e)
                    {
                        results.Add((id, i, null, $"{e.GetType().Name}: {e.Message}"));
                    }
                }
            });
            threads[t].Start();
        }
        foreach (var thread in threads) thread.Join();
        return results;
    }

    private static void AssertAllEqual(float[][] expected, ConcurrentBag<(int Thread, int Input, float[]? Output, string? Error)> results)
    {
        Assert.Equal(Threads * CallsPerThread, results.Count);
        foreach (var (thread, input, output, error) in results)
        {
            Assert.True(error is null, $"thread {thread}, input {input}: {error}");
            Assert.True(output!.AsSpan().SequenceEqual(expected[input]), $"thread {thread}, input {input}: outputs differ from a single-threaded run");
        }
    }
}
