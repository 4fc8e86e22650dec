using System.CommandLine;
using DeepSharp.Serving;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// <c>deepsharp serve MODEL [--port 8080] [--host 127.0.0.1] [--max-batch N] [--max-wait-ms M] [--instances N] [--labels FILE]</c>:
/// the model behind HTTP (docs/serving.md) until SIGTERM or Ctrl-C, which let requests in flight finish.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var model = ModelArguments.Model();
        var port = new Option<int>("--port") { Description = "TCP port to listen on (0: any free port).", DefaultValueFactory = _ => 8080 };
        port.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 0 or > 65535) r.AddError("--port must be in [0, 65535]."); });
        var host = new Option<string>("--host") { Description = "Address to listen on; 0.0.0.0 serves other machines too.", DefaultValueFactory = _ => "127.0.0.1" };
        var maxBatch = CommonOptions.Positive("--max-batch", "Largest batch the dynamic batcher runs (1: no batching, each request on its own).", 64);
        var maxWait = new Option<double>("--max-wait-ms") { Description = "How long the first request of a batch waits for others, in ms.", DefaultValueFactory = _ => 2.0 };
        maxWait.Validators.Add(r => { if (r.GetValueOrDefault<double>() is var w && !(w >= 0 && w <= 10_000)) r.AddError("--max-wait-ms must be in [0, 10000]."); });
        var instances = CommonOptions.Positive("--instances", "Batches that may run at once, each a batching loop of its own (Triton's instance count).", 1);
        var maxBody = new Option<long>("--max-body-bytes") { Description = "Largest request body accepted (413 beyond).", DefaultValueFactory = _ => 4L << 20 };
        maxBody.Validators.Add(r => { if (r.GetValueOrDefault<long>() < 1024) r.AddError("--max-body-bytes must be at least 1024."); });
        var labels = new Option<FileInfo?>("--labels") { Description = "A text file with one class name per line, in class order." };
        var threads = CommonOptions.Threads();
        var command = new Command("serve", "Serve a model over HTTP: POST /v1/predict, GET /v1/model, /healthz, /metrics and a page at / to try it.")
        {
            model, port, host, maxBatch, maxWait, instances, maxBody, labels, threads,
        };
        command.SetAction(result =>
        {
            DeepSharp.Threads.Count = result.GetValue(threads);
            var options = new ServingOptions
            {
                Port = result.GetValue(port),
                Host = result.GetValue(host)!,
                MaxBatchSize = result.GetValue(maxBatch),
                MaxWait = TimeSpan.FromMilliseconds(result.GetValue(maxWait)),
                Instances = result.GetValue(instances),
                MaxBodyBytes = result.GetValue(maxBody),
                Labels = ReadLabels(result.GetValue(labels)),
            };
            return Run(result.GetValue(model)!, options);
        });
        return command;
    }

    private static int Run(FileInfo file, ServingOptions options)
    {
        var served = new ServedModel(ModelArguments.Load(file), options.Labels, Path.GetFileName(file.FullName));
        var server = new ModelServer(served, options);
        try
        {
            server.StartAsync().GetAwaiter().GetResult();
            Console.WriteLine($"Serving {served.Name} (inputs {served.InputShape.ToBatchString()}, outputs {served.OutputShape.ToBatchString()}) at {server.Address}");
            Console.WriteLine(options.MaxBatchSize > 1
                ? $"Dynamic batching: up to {options.MaxBatchSize} inputs, waiting at most {options.MaxWait.TotalMilliseconds} ms{(options.Instances > 1 ? $", {options.Instances} batches at once" : "")}. Ctrl-C or SIGTERM stops (requests in flight finish)."
                : "No batching: each request runs on its own. Ctrl-C or SIGTERM stops (requests in flight finish).");
            server.WaitForShutdownAsync().GetAwaiter().GetResult();
        }
        finally
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        Console.WriteLine("Stopped.");
        return 0;
    }

    /// <summary>The largest labels file read (16 MiB: a label per line for a million classes).</summary>
    private const long MaxLabelsBytes = 16L << 20;

    private static IReadOnlyList<string>? ReadLabels(FileInfo? file)
    {
        if (file is null) return null;
        if (!file.Exists) throw new FileAccessException(file.FullName, $"Labels file '{file.FullName}' does not exist.");
        var lines = BoundedFile.ReadAllText(file.FullName, MaxLabelsBytes, "Labels file").Split(["\r\n", "\r", "\n"], StringSplitOptions.None);
        int count = lines.Length;
        while (count > 0 && string.IsNullOrWhiteSpace(lines[count - 1])) count--; // a trailing newline is not a class
        return lines[..count].Select(l => l.Trim()).ToArray();
    }
}
