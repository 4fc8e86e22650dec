using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using DeepSharp.Bench.Harness;
using DeepSharp.Bench.Models;
using DeepSharp.Serving;

namespace DeepSharp.Bench.Workloads;

/// <summary>
/// Load test of <c>deepsharp serve</c> (docs/serving.md): the seed CNN behind <see cref="ModelServer"/> on
/// loopback, 1, 8 and 64 concurrent clients each sending one 28×28 image per request (JSON, or raw float32
/// with <c>application/octet-stream</c> both ways) as fast as answers come, with dynamic batching off (every request is a batch of 1, run on its own thread) and on
/// (batches of up to 64, 2 ms window). Bounded: each point runs for <c>--seconds</c> (default 3) after a
/// 0.5 s warm-up, or until <c>--max-requests</c> answers. Prints requests/s, p50, p99 and the mean batch.
/// <c>--model convnet</c> serves Keras's mnist_convnet instead (about 2.5× the seed CNN's multiply-adds, most in
/// a 64-channel convolution, where batching is what costs). <c>--model spam-lstm</c> and <c>spam-transformer</c>
/// serve <c>deepsharp train spam</c>'s two text models (200 token ids per request: a bidirectional LSTM, whose
/// 200 steps cost far more than HTTP at batch 1 and batch well, and one encoder block).
/// <c>--model wide-mlp</c> (Flatten → Dense 4096 → Dense 4096 → Dense 10 on MNIST images, 20 M weights, 80 MB: more than the
/// caches hold) is a model whose batch-1 Predict reads every weight from memory for one input, which batching shares.
/// Run: <c>dotnet run -c Release --project bench/DeepSharp.Bench -- serving [--seconds S] [--threads N] [--formats json,binary] [--model seed|convnet|spam-lstm|spam-transformer|wide-mlp] [--instances N]</c>.
/// </summary>
internal static class ServingLoadWorkload
{
    public const string Usage = """
        DeepSharp.Bench serving: load test of deepsharp serve (seed CNN, loopback, JSON requests of one image).
          --seconds S        measured seconds per point (default 3), after 0.5 s of warm-up
          --max-requests N   stop a point after N answers (default 200000)
          --threads N        kernel threads (default 2)
          --clients A,B,...  concurrent clients (default 1,8,64)
          --formats F,...    request bodies: json, binary (raw float32; answers raw too) (default json,binary)
          --instances N      also measure dynamic batching with N batching loops (ServingOptions.Instances)
          --model M          seed (the seed CNN, default), convnet (Keras's mnist_convnet), spam-lstm or
                             spam-transformer (train spam's text models: 200 token ids per request), or
                             wide-mlp (Dense 4096 → 4096 on MNIST images: 20 M weights, 80 MB)
        """;

    private sealed record Point(string Format, string Mode, int Clients, double RequestsPerSecond, double P50Ms, double P99Ms, double MeanBatch, long Requests, long Errors, double CpuMicrosPerRequest);

    public static int Run(string[] args)
    {
        double seconds = 3;
        long maxRequests = 200_000;
        int threads = 2;
        int[] clientCounts = [1, 8, 64];
        string[] formats = ["json", "binary"];
        string modelName = "seed";
        int instances = 1;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--seconds": seconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--max-requests": maxRequests = long.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--threads": threads = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--clients": clientCounts = [.. Next().Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture))]; break;
                case "--formats": formats = Next().Split(','); break;
                case "--model": modelName = Next(); break;
                case "--instances": instances = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"Unknown option '{args[i]}'.\n{Usage}");
                    return 2;
            }
        }
        DeepSharp.Threads.Count = threads;
        if (formats.Any(f => f is not ("json" or "binary")) || modelName is not ("seed" or "convnet" or "wide-mlp" or "spam-lstm" or "spam-transformer"))
        {
            Console.Error.WriteLine($"Unknown format or model.\n{Usage}");
            return 2;
        }
        Console.WriteLine($"Serving load test: {modelName} model, {threads} kernel threads, {seconds} s per point; {Load()}");
        var model = modelName switch
        {
            "seed" => DeepSharpSide.BuildSeedModel(42),
            "convnet" => Convnet(42),
            "wide-mlp" => WideMlp(42),
            _ => SpamModel(modelName, 42),
        };
        var served = new ServedModel(model, name: modelName);
        var sample = served.ImageChannels > 0 ? ImageValues(42) : TokenValues(42, served.InputSize);
        var (cpu1, cpu64) = ModelCost(model, served.InputShape, sample);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"The model alone (Predict, process CPU time per input): {cpu1:F1} µs at batch 1, {cpu64:F1} µs at batch 64 ({cpu1 / cpu64:F2}x)."));
        var modes = new List<(string Mode, ServingOptions Options)>
        {
            ("batch 1 (no batching)", new ServingOptions { Port = 0, MaxBatchSize = 1 }),
            ("dynamic batching (64, 2 ms)", new ServingOptions { Port = 0, MaxBatchSize = 64, MaxWait = TimeSpan.FromMilliseconds(2) }),
        };
        if (instances > 1)
            modes.Add(($"batching (64, 2 ms) x{instances}", new ServingOptions { Port = 0, MaxBatchSize = 64, MaxWait = TimeSpan.FromMilliseconds(2), Instances = instances }));
        // A warm-up round, not reported: every format and mode for a second at 8 clients, so that no point
        // is measured while the server's code still runs unoptimized (the JIT's first tiers) and the first points are not penalized.
        foreach (string format in formats)
            foreach (var (mode, options) in modes)
                Measure(served, options, format, mode, 8, format == "json" ? Body(sample) : BinaryBody(sample), 0.5, maxRequests).GetAwaiter().GetResult();
        var points = new List<Point>();
        foreach (string format in formats)
        {
            byte[] body = format == "json" ? Body(sample) : BinaryBody(sample);
            foreach (var (mode, options) in modes)
            {
                foreach (int clients in clientCounts)
                {
                    var point = Measure(served, options, format, mode, clients, body, seconds, maxRequests).GetAwaiter().GetResult();
                    points.Add(point);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {point.Format,-6} {point.Mode,-28} {point.Clients,3} clients: {point.RequestsPerSecond,8:F0} req/s  p50 {point.P50Ms,6:F2} ms  p99 {point.P99Ms,6:F2} ms  mean batch {point.MeanBatch,5:F1}  CPU {point.CpuMicrosPerRequest,6:F1} µs/request  ({point.Requests} requests, {point.Errors} errors)"));
                }
            }
        }
        Console.WriteLine();
        Console.WriteLine("| body | serving | clients | requests/s | p50 (ms) | p99 (ms) | mean batch | CPU µs/request |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var p in points)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {p.Format} | {p.Mode} | {p.Clients} | {p.RequestsPerSecond:F0} | {p.P50Ms:F2} | {p.P99Ms:F2} | {p.MeanBatch:F1} | {p.CpuMicrosPerRequest:F1} |"));
        foreach (string format in formats)
        {
            var batched64 = points.FirstOrDefault(p => p.Format == format && p.Mode.StartsWith("dynamic", StringComparison.Ordinal) && p.Clients == 64);
            var single64 = points.FirstOrDefault(p => p.Format == format && p.Mode.StartsWith("batch 1", StringComparison.Ordinal) && p.Clients == 64);
            var single1 = points.FirstOrDefault(p => p.Format == format && p.Mode.StartsWith("batch 1", StringComparison.Ordinal) && p.Clients == 1);
            if (batched64 is not null && single64 is not null && single1 is not null)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"\n{format}: 64 clients with dynamic batching: {batched64.RequestsPerSecond / single64.RequestsPerSecond:F2}x the requests/s of batch-1 serving at 64 clients, {batched64.RequestsPerSecond / single1.RequestsPerSecond:F2}x batch-1 serving's single client; p99 {batched64.P99Ms:F1} ms (goal: 5x, p99 < 50 ms)."));
        }
        if (instances > 1)
            foreach (string format in formats)
            {
                var one = points.FirstOrDefault(p => p.Format == format && p.Mode.StartsWith("dynamic", StringComparison.Ordinal) && p.Clients == 64);
                var several = points.FirstOrDefault(p => p.Format == format && p.Mode.StartsWith("batching", StringComparison.Ordinal) && p.Clients == 64);
                var single64 = points.FirstOrDefault(p => p.Format == format && p.Mode.StartsWith("batch 1", StringComparison.Ordinal) && p.Clients == 64);
                if (one is not null && several is not null && single64 is not null)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{format}: 64 clients, {instances} batching loops: {several.RequestsPerSecond / one.RequestsPerSecond:F2}x the requests/s of one loop, {several.RequestsPerSecond / single64.RequestsPerSecond:F2}x batch-1 serving's; CPU {several.CpuMicrosPerRequest:F1} vs {one.CpuMicrosPerRequest:F1} µs/request."));
            }
        Console.WriteLine($"Load after: {Load()}");
        return 0;
    }

    /// <summary>One point: a fresh server, <paramref name="clients"/> loops of request → answer, latencies of the measured window.</summary>
    private static async Task<Point> Measure(ServedModel served, ServingOptions options, string format, string mode, int clients, byte[] body, double seconds, long maxRequests)
    {
        await using var server = new ModelServer(served, options);
        await server.StartAsync();
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients, UseProxy = false, AutomaticDecompression = DecompressionMethods.None };
        using var http = new HttpClient(handler) { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(30) };
        var latencies = new List<double>[clients];
        long errors = 0, answered = 0;
        long warmEnd = Stopwatch.GetTimestamp() + (long)(0.5 * Stopwatch.Frequency);
        long end = warmEnd + (long)(seconds * Stopwatch.Frequency);
        long batchesAtStart = -1, inputsAtStart = 0;
        var tasks = new Task[clients];
        for (int c = 0; c < clients; c++)
        {
            var mine = latencies[c] = new List<double>(4096);
            tasks[c] = Task.Run(async () =>
            {
                while (true)
                {
                    long start = Stopwatch.GetTimestamp();
                    if (start >= end || Interlocked.Read(ref answered) >= maxRequests) return;
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/predict") { Content = new ByteArrayContent(body) };
                    request.Content.Headers.ContentType = new(format == "json" ? "application/json" : "application/octet-stream");
                    if (format == "binary") request.Headers.Accept.Add(new("application/octet-stream"));
                    using var response = await http.SendAsync(request);
                    await response.Content.ReadAsByteArrayAsync();
                    long stop = Stopwatch.GetTimestamp();
                    if (!response.IsSuccessStatusCode) Interlocked.Increment(ref errors);
                    if (start >= warmEnd && stop <= end)
                    {
                        mine.Add((stop - start) * 1000.0 / Stopwatch.Frequency);
                        Interlocked.Increment(ref answered);
                    }
                }
            });
        }
        // The server's batch counters at the start of the measured window, for the mean batch size.
        await Task.Delay(TimeSpan.FromSeconds(0.5));
        (batchesAtStart, inputsAtStart) = Counters(server);
        long windowStart = Stopwatch.GetTimestamp();
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        long answeredStart = Interlocked.Read(ref answered);
        await Task.WhenAll(tasks);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuStart;
        long answeredInWindow = Interlocked.Read(ref answered) - answeredStart;
        double elapsed = Math.Min(seconds, (Stopwatch.GetTimestamp() - windowStart) / (double)Stopwatch.Frequency);
        var (batches, inputs) = Counters(server);
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new Point(format, mode, clients, all.Length / elapsed, Quantile(all, 0.5), Quantile(all, 0.99),
            (inputs - inputsAtStart) / (double)Math.Max(1, batches - batchesAtStart), all.Length, errors,
            cpu.TotalMicroseconds / Math.Max(1, answeredInWindow));
    }

    private static (long Batches, long Inputs) Counters(ModelServer server)
    {
        string text = server.Metrics.ToPrometheusText();
        return ((long)Sample(text, "deepsharp_batch_size_count"), (long)Sample(text, "deepsharp_inputs_total"));
    }

    private static double Sample(string text, string name)
    {
        foreach (string line in text.Split('\n'))
            if (line.StartsWith(name + " ", StringComparison.Ordinal)) return double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
        return 0;
    }

    private static double Quantile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    /// <summary>An MNIST-like image: 784 values, 80 % zeros and the rest random in [0, 1] (three decimals).</summary>
    private static float[] ImageValues(int seed)
    {
        var random = new Random(seed);
        var values = new float[784];
        for (int i = 0; i < values.Length; i++) values[i] = random.NextDouble() < 0.8 ? 0 : (float)Math.Round(random.NextDouble(), 3);
        return values;
    }

    /// <summary>An e-mail's token ids: 120 random ids of the 20,000-word vocabulary, then padding (0) to <paramref name="length"/>.</summary>
    private static float[] TokenValues(int seed, int length)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < Math.Min(120, length); i++) values[i] = random.Next(1, SpamVocabulary);
        return values;
    }

    /// <summary>One request of one input as JSON: <c>{"inputs": [[v0, v1, ...]]}</c>.</summary>
    private static byte[] Body(float[] values)
    {
        var text = new StringBuilder("{\"inputs\":[[");
        for (int i = 0; i < values.Length; i++)
        {
            if (i > 0) text.Append(',');
            text.Append(values[i].ToString(CultureInfo.InvariantCulture));
        }
        return Encoding.UTF8.GetBytes(text.Append("]]}").ToString());
    }

    /// <summary>
    /// Process CPU time per input of Predict alone at batch 1 and at batch 64 (copies of the request's input, after a warm-up,
    /// about 1 s each): the most dynamic batching can save per request, whatever HTTP costs.
    /// </summary>
    private static (double Batch1, double Batch64) ModelCost(DeepSharp.Training.Model model, DeepSharp.Tensors.Shape input, float[] sample)
    {
        DeepSharp.Tensors.Tensor Batch(int batch) => DeepSharp.Tensors.Tensor.Wrap([.. Enumerable.Range(0, batch).SelectMany(_ => sample)], input.WithBatch(batch));
        // Warm-up of both sizes first, at least 1 s and 60 calls each: until the JIT's optimized code runs
        // (a model whose Predict takes milliseconds is otherwise measured in its first, unoptimized code).
        foreach (int size in new[] { 1, 64 })
        {
            var warmX = Batch(size);
            int calls = 0;
            for (var warm = Stopwatch.StartNew(); warm.Elapsed.TotalSeconds < 1 || calls < 60; calls++) model.Predict(warmX, batchSize: size);
        }
        double PerInput(int batch)
        {
            var x = Batch(batch);
            var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
            long inputs = 0;
            for (var clock = Stopwatch.StartNew(); clock.Elapsed.TotalSeconds < 1;) { model.Predict(x, batchSize: batch); inputs += batch; }
            return (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalMicroseconds / inputs;
        }
        return (PerInput(1), PerInput(64));
    }

    /// <summary>One input's values as raw float32, little-endian (3,136 bytes for an image).</summary>
    private static byte[] BinaryBody(float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }

    private const int SpamVocabulary = 20_000, SpamLength = 200;

    /// <summary>
    /// <c>deepsharp train spam</c>'s models (src/DeepSharp.Cli/Commands/SpamPresets.cs), untrained: Embedding 32 →
    /// Bidirectional LSTM 32 → Dense 1 (sigmoid), or Embedding 32 + positions → one encoder block (2 heads, 64) → Dense 1.
    /// </summary>
    private static DeepSharp.Training.Model SpamModel(string name, int seed)
    {
        DeepSharp.Tensors.RandomGenerator.SetGlobalSeed(seed);
        if (name == "spam-lstm")
        {
            return new DeepSharp.Training.Sequential(
            [
                new DeepSharp.Nn.Layers.Embedding(SpamVocabulary, 32, inputShape: [SpamLength], maskZero: true),
                new DeepSharp.Nn.Layers.Bidirectional(new DeepSharp.Nn.Layers.Lstm(32)),
                new DeepSharp.Nn.Layers.Dense(1, DeepSharp.Nn.Activation.Sigmoid),
            ], name: "spam_lstm");
        }
        var tokens = DeepSharp.Training.Model.Input([SpamLength], name: "tokens", dtype: DeepSharp.Tensors.DType.Int32);
        var x = new DeepSharp.Nn.Layers.Embedding(SpamVocabulary, 32).Call(tokens);
        x = new DeepSharp.Nn.Layers.Add().Call(x, new DeepSharp.Nn.Layers.PositionEmbedding(SpamLength).Call(x));
        x = new DeepSharp.Nn.Layers.TransformerEncoderBlock(numHeads: 2, intermediateDim: 64, dropout: 0.1f).Call(x);
        x = new DeepSharp.Nn.Layers.Flatten().Call(x);
        x = new DeepSharp.Nn.Layers.Dropout(0.3f).Call(x);
        return new DeepSharp.Training.Functional(tokens, new DeepSharp.Nn.Layers.Dense(1, DeepSharp.Nn.Activation.Sigmoid).Call(x), name: "spam_transformer");
    }

    /// <summary>A wide MLP on MNIST images: Flatten → Dense 4096 (ReLU) → Dense 4096 (ReLU) → Dense 10 (softmax); 20.0 M parameters.</summary>
    private static DeepSharp.Training.Sequential WideMlp(int seed)
    {
        DeepSharp.Tensors.RandomGenerator.SetGlobalSeed(seed);
        var model = new DeepSharp.Training.Sequential(
            new DeepSharp.Nn.Layers.Flatten(inputShape: [28, 28, 1]),
            new DeepSharp.Nn.Layers.Dense(4096, DeepSharp.Nn.Activation.Relu),
            new DeepSharp.Nn.Layers.Dense(4096, DeepSharp.Nn.Activation.Relu),
            new DeepSharp.Nn.Layers.Dense(10, DeepSharp.Nn.Activation.Softmax));
        model.Build(new DeepSharp.Tensors.Shape(28, 28, 1));
        return model;
    }

    /// <summary>Keras's mnist_convnet: Conv2D 32 → MaxPool → Conv2D 64 → MaxPool → Flatten → Dropout 0.5 → Dense 10 (softmax).</summary>
    private static DeepSharp.Training.Sequential Convnet(int seed)
    {
        DeepSharp.Tensors.RandomGenerator.SetGlobalSeed(seed);
        var model = new DeepSharp.Training.Sequential(
            new DeepSharp.Nn.Layers.Conv2D(32, (3, 3), activation: DeepSharp.Nn.Activation.Relu, inputShape: [28, 28, 1]),
            new DeepSharp.Nn.Layers.MaxPooling2D((2, 2)),
            new DeepSharp.Nn.Layers.Conv2D(64, (3, 3), activation: DeepSharp.Nn.Activation.Relu),
            new DeepSharp.Nn.Layers.MaxPooling2D((2, 2)),
            new DeepSharp.Nn.Layers.Flatten(),
            new DeepSharp.Nn.Layers.Dropout(0.5f),
            new DeepSharp.Nn.Layers.Dense(10, DeepSharp.Nn.Activation.Softmax));
        model.Build(new DeepSharp.Tensors.Shape(28, 28, 1));
        return model;
    }

    private static string Load() => File.Exists("/proc/loadavg") ? "load average " + string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]) : "load unknown";
}
