using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace DeepSharp.Serving;

/// <summary>
/// The server's counters in Prometheus's text format (GET /metrics): requests by route and status,
/// request latency per route, the batch sizes the model ran and the time each batch took, the
/// requests waiting in the batcher and those in flight. Safe from many threads.
/// </summary>
public sealed class ServingMetrics
{
    private static readonly double[] LatencyBounds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] BatchBounds = [1, 2, 4, 8, 16, 32, 64, 128, 256];

    private readonly ConcurrentDictionary<(string Route, int Status), StrongBox<long>> _requests = new();
    private readonly ConcurrentDictionary<string, Histogram> _latency = new();
    private readonly Histogram _batchSize = new(BatchBounds);
    private readonly Histogram _inference = new(LatencyBounds);
    private long _inputs, _inFlight, _queued;

    /// <summary>Counts one finished request to <paramref name="route"/> with its status and latency.</summary>
    public void RecordRequest(string route, int status, double seconds)
    {
        Interlocked.Increment(ref _requests.GetOrAdd((route, status), _ => new StrongBox<long>()).Value);
        _latency.GetOrAdd(route, _ => new Histogram(LatencyBounds)).Observe(seconds);
    }

    /// <summary>Counts one batch the model ran: its inputs (rows) and how long Predict took.</summary>
    public void RecordBatch(int size, double seconds)
    {
        _batchSize.Observe(size);
        _inference.Observe(seconds);
        Interlocked.Add(ref _inputs, size);
    }

    /// <summary>Batches the model has run so far.</summary>
    public long Batches => _batchSize.Count;

    /// <summary>Requests counted so far with <paramref name="status"/> on <paramref name="route"/>.</summary>
    public long Requests(string route, int status) =>
        _requests.TryGetValue((route, status), out var box) ? Interlocked.Read(ref box.Value) : 0;

    /// <summary>Requests waiting in the dynamic batcher now (queued, not yet taken into a batch).</summary>
    public long Queued => Interlocked.Read(ref _queued);

    internal void AddInFlight(int delta) => Interlocked.Add(ref _inFlight, delta);

    internal void AddQueued(int delta) => Interlocked.Add(ref _queued, delta);

    /// <summary>Every metric in Prometheus's text exposition format (version 0.0.4).</summary>
    public string ToPrometheusText()
    {
        var text = new StringBuilder();
        text.Append("# HELP deepsharp_http_requests_total HTTP requests by route and status code.\n# TYPE deepsharp_http_requests_total counter\n");
        foreach (var ((route, status), box) in _requests.OrderBy(p => p.Key.Route, StringComparer.Ordinal).ThenBy(p => p.Key.Status))
            text.Append(CultureInfo.InvariantCulture, $"deepsharp_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {Interlocked.Read(ref box.Value)}\n");
        text.Append("# HELP deepsharp_http_request_duration_seconds Time from a request's arrival to its response, by route.\n# TYPE deepsharp_http_request_duration_seconds histogram\n");
        foreach (var (route, histogram) in _latency.OrderBy(p => p.Key, StringComparer.Ordinal))
            histogram.Write(text, "deepsharp_http_request_duration_seconds", $"route=\"{route}\"");
        text.Append("# HELP deepsharp_batch_size Inputs per batch the model ran (dynamic batching joins requests).\n# TYPE deepsharp_batch_size histogram\n");
        _batchSize.Write(text, "deepsharp_batch_size", "");
        text.Append("# HELP deepsharp_inference_duration_seconds Time of one batch's Predict.\n# TYPE deepsharp_inference_duration_seconds histogram\n");
        _inference.Write(text, "deepsharp_inference_duration_seconds", "");
        text.Append("# HELP deepsharp_inputs_total Inputs (samples) predicted.\n# TYPE deepsharp_inputs_total counter\n");
        text.Append(CultureInfo.InvariantCulture, $"deepsharp_inputs_total {Interlocked.Read(ref _inputs)}\n");
        text.Append("# HELP deepsharp_requests_in_flight Requests being handled now.\n# TYPE deepsharp_requests_in_flight gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"deepsharp_requests_in_flight {Interlocked.Read(ref _inFlight)}\n");
        text.Append("# HELP deepsharp_batcher_queued_requests Requests waiting in the dynamic batcher.\n# TYPE deepsharp_batcher_queued_requests gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"deepsharp_batcher_queued_requests {Interlocked.Read(ref _queued)}\n");
        return text.ToString();
    }
}
