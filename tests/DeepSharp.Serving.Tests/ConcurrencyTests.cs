using DeepSharp.Tensors;

namespace DeepSharp.Serving.Tests;

/// <summary>
/// Many clients at once: every answer is the model's output for that client's own input (batching
/// never mixes rows up), and the dynamic batcher joins concurrent requests into batches.
/// </summary>
public class ConcurrencyTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task SixtyFourClientsEachGetTheirOwnRowsAndRequestsAreBatched()
    {
        const int clients = 64, requestsPerClient = 4;
        long batchesBefore = fixture.Server.Metrics.Batches;
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
        long batches = fixture.Server.Metrics.Batches - batchesBefore;
        Assert.True(batches < clients * requestsPerClient, $"{clients * requestsPerClient} requests ran as {batches} batches: the batcher joined none");
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
