using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Serving.Tests;

/// <summary>
/// <see cref="ServingOptions.Instances"/>: with two batching loops a request is answered while another
/// batch is still inside the model; many clients at once each still get their own rows.
/// </summary>
public class InstancesTests
{
    private static float[] Row(Random random) => [.. Enumerable.Range(0, 7).Select(_ => (float)(random.NextDouble() * 2 - 1))];

    [Fact]
    public async Task ASecondInstanceAnswersWhileTheFirstBatchIsHeld()
    {
        RandomGenerator.SetGlobalSeed(21);
        var gate = new GatedIdentity([7]);
        var model = new Sequential(gate, new Dense(5, Activation.Tanh), new Dense(3));
        await using var server = new ModelServer(new ServedModel(model), new ServingOptions { Port = 0, MaxBatchSize = 16, Instances = 2 });
        await server.StartAsync();
        using var client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };
        var random = new Random(22);
        float[] a = Row(random), b = Row(random);

        gate.Hold();
        var held = client.PostAsync("/v1/predict", Requests.Json(a));
        await gate.WaitUntilHeldAsync();
        var json = await Requests.Read(await client.PostAsync("/v1/predict", Requests.Json(b)), 200); // the other loop's batch
        Assert.False(held.IsCompleted, "the held batch finished before the gate opened");
        var expected = model.Predict(Tensor.FromArray(b, 1, 7)).ToArray();
        Assert.Equal(expected, Requests.Floats(json["outputs"]![0]!));
        gate.Open();
        json = await Requests.Read(await held, 200);
        Assert.Equal(model.Predict(Tensor.FromArray(a, 1, 7)).ToArray(), Requests.Floats(json["outputs"]![0]!));
        Assert.Equal(2, server.Metrics.Batches);
    }

    [Fact]
    public async Task ManyClientsOnThreeInstancesEachGetTheirOwnRows()
    {
        RandomGenerator.SetGlobalSeed(23);
        var model = new Sequential(new Dense(9, Activation.Relu, inputShape: [7]), new Dense(3));
        await using var server = new ModelServer(new ServedModel(model), new ServingOptions { Port = 0, MaxBatchSize = 8, Instances = 3, MaxInputsPerRequest = 4 });
        await server.StartAsync();
        using var client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };
        var random = new Random(24);
        var requests = Enumerable.Range(0, 96).Select(i => Enumerable.Range(0, 1 + i % 3).Select(_ => Row(random)).ToArray()).ToArray();
        var answers = await Task.WhenAll(requests.Select(async rows => await Requests.Read(await client.PostAsync("/v1/predict", Requests.Json(rows)), 200)));
        for (int r = 0; r < requests.Length; r++)
        {
            var expected = model.Predict(Tensor.FromArray([.. requests[r].SelectMany(x => x)], requests[r].Length, 7)).ToArray();
            var got = answers[r]["outputs"]!.AsArray().SelectMany(o => Requests.Floats(o!)).ToArray();
            Assert.Equal(expected.Length, got.Length);
            for (int k = 0; k < expected.Length; k++) Assert.True(Math.Abs(expected[k] - got[k]) < 1e-5f, $"request {r}, value {k}: {got[k]} vs Predict {expected[k]}");
        }
    }

    [Fact]
    public void InstancesOutOfRangeAreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => new ServingOptions { Instances = 0 }.Validate());
        Assert.Contains("Instances must be between 1 and 64, got 0", e.Message);
    }
}
