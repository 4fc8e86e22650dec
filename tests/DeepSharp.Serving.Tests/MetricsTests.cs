using System.Globalization;
using System.Text.RegularExpressions;

namespace DeepSharp.Serving.Tests;

/// <summary>/metrics in Prometheus's text format: requests by route and status, latency and batch-size histograms.</summary>
public partial class MetricsTests
{
    [GeneratedRegex(@"^(?<name>[a-z_]+)(\{(?<labels>[^}]*)\})? (?<value>[0-9.eE+-]+|\+Inf)$")]
    private static partial Regex SampleLine();

    /// <summary>Every sample of the text, by "name{labels}".</summary>
    private static Dictionary<string, double> Parse(string text)
    {
        var samples = new Dictionary<string, double>();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                Assert.Matches(@"^# (HELP [a-z_]+ .+|TYPE [a-z_]+ (counter|gauge|histogram))$", line);
                continue;
            }
            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"not a Prometheus sample line: {line}");
            string key = match.Groups["name"].Value + (match.Groups["labels"].Success ? "{" + match.Groups["labels"].Value + "}" : "");
            samples[key] = double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return samples;
    }

    [Fact]
    public async Task CountsRequestsByStatusAndHistogramsLatencyAndBatchSizes()
    {
        await using var server = new ModelServer(new ServedModel(TrainedMnist.Model), new ServingOptions { Port = 0, MaxBatchSize = 8 });
        await server.StartAsync();
        using var client = new HttpClient { BaseAddress = server.Address };
        for (int i = 0; i < 3; i++)
            await Requests.Read(await client.PostAsync("/v1/predict", Requests.Json(TrainedMnist.Image(i), TrainedMnist.Image(i + 1))), 200);
        await Requests.Error(await client.PostAsync("/v1/predict", Requests.Json("{}")), 400, "inputs");
        await Requests.Error(await client.GetAsync("/nowhere"), 404, "no such endpoint");

        // A request is counted when its handler returns, just after its response went out: wait for the last one.
        for (int wait = 0; wait < 200 && server.Metrics.Requests("other", 404) == 0; wait++) await Task.Delay(10);
        var response = await client.GetAsync("/metrics");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var samples = Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(3, samples["deepsharp_http_requests_total{route=\"/v1/predict\",status=\"200\"}"]);
        Assert.Equal(1, samples["deepsharp_http_requests_total{route=\"/v1/predict\",status=\"400\"}"]);
        Assert.Equal(1, samples["deepsharp_http_requests_total{route=\"other\",status=\"404\"}"]);
        Assert.Equal(4, samples["deepsharp_http_request_duration_seconds_count{route=\"/v1/predict\"}"]);
        Assert.Equal(4, samples["deepsharp_http_request_duration_seconds_bucket{route=\"/v1/predict\",le=\"+Inf\"}"]);
        Assert.True(samples["deepsharp_http_request_duration_seconds_sum{route=\"/v1/predict\"}"] > 0);
        // Buckets are cumulative.
        var buckets = samples.Where(s => s.Key.StartsWith("deepsharp_http_request_duration_seconds_bucket{route=\"/v1/predict\"", StringComparison.Ordinal)).Select(s => s.Value).ToArray();
        Assert.Equal(buckets.Order(), buckets);
        // Three sequential requests of two inputs each: three batches of size 2.
        Assert.Equal(3, samples["deepsharp_batch_size_count"]);
        Assert.Equal(6, samples["deepsharp_batch_size_sum"]);
        Assert.Equal(0, samples["deepsharp_batch_size_bucket{le=\"1\"}"]);
        Assert.Equal(3, samples["deepsharp_batch_size_bucket{le=\"2\"}"]);
        Assert.Equal(6, samples["deepsharp_inputs_total"]);
        Assert.Equal(3, samples["deepsharp_inference_duration_seconds_count"]);
        Assert.Equal(1, samples["deepsharp_requests_in_flight"]); // this /metrics request
        Assert.Equal(0, samples["deepsharp_batcher_queued_requests"]);
    }
}
