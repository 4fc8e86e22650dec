using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Serving.Tests;

/// <summary>
/// Many clients at once: every answer is the model's output for that client's own input (batching
/// never mixes rows up), and the dynamic batcher joins queued requests into batches.
/// </summary>
public class ConcurrencyTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task SixtyFourClientsEachGetTheirOwnRows()
    {
        const int clients = 64, requestsPerClient = 4;
        var x = TrainedMnist.TestImages;
        var expected = TrainedMnist.Model.Predict(x).ToArray();
        using var start = new SemaphoreSlim(0);
        var tasks = Enumerable.Range(0, clients).Select(async client =>
        {
            await start.WaitAsync();
            for (int r = 0; r < requestsPerClient; r++)
            {
                // Each request carries 1 to 3 images, so batches mix requests of different sizes.
                int first = (client * requestsPerClient + r) % 190, count = 1 + (client + r) % 3;
                var inputs = Enumerable.Range(first, count).Select(TrainedMnist.Image).ToArray();
                var json = await Requests.Read(await fixture.Client.PostAsync("/v1/predict", Requests.Json(inputs)), 200);
                var outputs = json["outputs"]!.AsArray();
                Assert.Equal(count, outputs.Count);
                for (int i = 0; i < count; i++)
                {
                    var row = Requests.Floats(outputs[i]!);
                    for (int c = 0; c < 10; c++)
                        Assert.True(Math.Abs(row[c] - expected[(first + i) * 10 + c]) < 1e-5f, $"client {client}, request {r}, image {first + i}, class {c}: {row[c]} vs {expected[(first + i) * 10 + c]}");
                }
            }
        }).ToArray();
        start.Release(clients);
        await Task.WhenAll(tasks);
    }

    /// <summary>
    /// How many requests arrive together depends on the machine's load, so the batching check does not
    /// race: one request holds the batcher inside the model (a gate) while 40 requests of 1 to 3 inputs
    /// queue behind it; opened, the batcher joins them into batches of at most 16 inputs.
    /// </summary>
    [Fact]
    public async Task RequestsQueuedBehindARunningBatchAreJoined()
    {
        RandomGenerator.SetGlobalSeed(5);
        var gate = new GatedIdentity([7]);
        var model = new Sequential(gate, new Dense(5, Activation.Tanh), new Dense(3));
        await using var server = new ModelServer(new ServedModel(model), new ServingOptions { Port = 0, MaxBatchSize = 16, MaxWait = TimeSpan.FromMilliseconds(5), MaxInputsPerRequest = 4 });
        await server.StartAsync();
        using var client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };
        var random = new Random(6);
        const int queued = 40;
        var inputs = Enumerable.Range(0, queued + 1).Select(i => Enumerable.Range(0, 1 + i % 3).Select(_ => Enumerable.Range(0, 7).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray()).ToArray();
        async Task<float[][]> Send(int i)
        {
            var json = await Requests.Read(await client.PostAsync("/v1/predict", Requests.Json(inputs[i])), 200);
            return [.. json["outputs"]!.AsArray().Select(row => Requests.Floats(row!))];
        }

        gate.Hold();
        var first = Send(0);
        await gate.WaitUntilHeldAsync();
        var rest = Enumerable.Range(1, queued).Select(Send).ToArray();
        await Waiting.Until(() => server.Metrics.Queued == queued, $"{queued} requests queued behind the held batch");
        gate.Open();
        float[][][] results = [await first, .. await Task.WhenAll(rest)];

        for (int i = 0; i <= queued; i++)
        {
            var expected = model.Predict(Tensor.FromArray([.. inputs[i].SelectMany(v => v)], inputs[i].Length, 7)).ToArray();
            Assert.Equal(inputs[i].Length, results[i].Length);
            for (int r = 0; r < inputs[i].Length; r++)
                for (int c = 0; c < 3; c++)
                    Assert.True(Math.Abs(results[i][r][c] - expected[r * 3 + c]) < 1e-5f, $"request {i}, row {r}, class {c}: {results[i][r][c]} vs Predict {expected[r * 3 + c]}");
        }
        // 80 queued inputs in batches of at most 16: at least 5 batches, and far fewer than one per request
        // (a batch closes only when the next request would overflow it, so each holds at least 14).
        long batches = server.Metrics.Batches - 1;
        Assert.InRange(batches, 5, 6);
    }

    /// <summary>Without batching (max batch 1) requests run Predict on their own threads, concurrently; answers are still each client's own.</summary>
    [Fact]
    public async Task UnbatchedServerAnswersConcurrentClientsCorrectly()
    {
        await using var server = new ModelServer(fixture.Served, new ServingOptions { Port = 0, MaxBatchSize = 1 });
        await server.StartAsync();
        using var client = new HttpClient { BaseAddress = server.Address };
        var expected = TrainedMnist.Model.Predict(TrainedMnist.TestImages).ToArray();
        await Task.WhenAll(Enumerable.Range(0, 32).Select(async i =>
        {
            var json = await Requests.Read(await client.PostAsync("/v1/predict", Requests.Json(TrainedMnist.Image(i))), 200);
            var row = Requests.Floats(json["outputs"]![0]!);
            for (int c = 0; c < 10; c++) Assert.True(Math.Abs(row[c] - expected[i * 10 + c]) < 1e-5f);
        }));
        Assert.Equal(32, server.Metrics.Batches);
    }
}
