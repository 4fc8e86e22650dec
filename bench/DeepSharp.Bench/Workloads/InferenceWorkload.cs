using DeepSharp.Bench.Harness;
using DeepSharp.Bench.Models;
using DeepSharp.Training;
using TorchSharp;

namespace DeepSharp.Bench.Workloads;

/// <summary>
/// (d) Inference throughput of the trained seed CNN over the 10,000 test images in batches of 1000,
/// softmax included, and one call at batch 1 and at batch 256 against ONNX Runtime, for the seed CNN and for Keras's
/// mnist_convnet. DeepSharp: Model.Predict (which gathers the outputs into one tensor);
/// libtorch: eval mode under no_grad, forward + softmax per batch.
/// </summary>
internal static class InferenceWorkload
{
    public const int BatchSize = 1000;

    public static void Run(BenchContext bench)
    {
        var o = bench.Options;
        bench.Section($"(d) inference on 10k test images, batch {BatchSize}: {o.Reps} timed rounds after 1 warm-up");
        var replies = bench.Runner.Alternate(_ => $"infer min={o.MinSeconds}", o.Reps + 1);
        var rate = bench.PerWorker(replies, r => r.Get("imagesPerSecond"), skipFirst: true);
        bench.Log(string.Join("  ", bench.Runner.Workers.Select((w, i) => $"{w.Label} {rate[i].Median:F0} img/s")));
        bench.Table.Add(new ResultRow("(d) inference", "10k test images, batch 1000", "images/s", HigherIsBetter: true, rate,
            Target: ">= 1.5x", Check: ratio => ratio >= 1.5));
        bench.Roofline.AddRate($"(d) seed CNN inference, batch {BatchSize}", ModelFlops.SeedForwardPerImage, rate);

        // ONNX Runtime on DeepSharp's exported model, measured in the DeepSharp worker right after it.
        var ort = Stats.Of(replies[0].Skip(1).Select(r => r.Get("onnxRuntimeImagesPerSecond")).ToList());
        bench.Log($"ONNX Runtime (DeepSharp's model exported) {ort.Median:F0} img/s");
        bench.Table.Add(new ResultRow("(d) inference", "ONNX Runtime 1.31.1, exported seed model (in the DeepSharp column)", "images/s",
            HigherIsBetter: true, [ort], NoRatio: true, Verdict: $"DS/ORT {rate[0].Median / ort.Median:F2}x"));
        foreach (string model in Models)
            foreach (int batch in SmallBatches)
            {
                string key = $"{model}{batch}";
                var ds = Stats.Of(replies[0].Skip(1).Select(r => r.Get($"seconds{key}") * 1e6).ToList());
                var onnx = Stats.Of(replies[0].Skip(1).Select(r => r.Get($"onnxRuntimeSeconds{key}") * 1e6).ToList());
                bench.Log($"{model} batch {batch}: DeepSharp {ds.Median:F1} µs, ONNX Runtime {onnx.Median:F1} µs per call");
                bench.Table.Add(new ResultRow("(d) inference", $"{model} batch {batch}: one Predict call", "µs/call",
                    HigherIsBetter: false, [ds], NoRatio: true, Verdict: $"ORT/DS {onnx.Median / ds.Median:F2}x (>= 1.0 must, >= 1.3 goal)"));
                bench.Table.Add(new ResultRow("(d) inference", $"{model} batch {batch}: ONNX Runtime, one session run (in the DeepSharp column)", "µs/call",
                    HigherIsBetter: false, [onnx], NoRatio: true));
                // Process CPU time (all threads) per call: what load disturbs least; with --threads 1 the work itself.
                var dsCpu = Stats.Of(replies[0].Skip(1).Select(r => r.Get($"cpuSeconds{key}") * 1e6).ToList());
                var onnxCpu = Stats.Of(replies[0].Skip(1).Select(r => r.Get($"onnxRuntimeCpuSeconds{key}") * 1e6).ToList());
                bench.Log($"{model} batch {batch} CPU time: DeepSharp {dsCpu.Median:F1} µs, ONNX Runtime {onnxCpu.Median:F1} µs per call");
                bench.Table.Add(new ResultRow("(d) inference", $"{model} batch {batch}: one Predict call, process CPU time", "CPU µs/call",
                    HigherIsBetter: false, [dsCpu], NoRatio: true, Verdict: $"ORT/DS {onnxCpu.Median / dsCpu.Median:F2}x CPU time"));
                bench.Table.Add(new ResultRow("(d) inference", $"{model} batch {batch}: ONNX Runtime, process CPU time (in the DeepSharp column)", "CPU µs/call",
                    HigherIsBetter: false, [onnxCpu], NoRatio: true));
            }
    }

    /// <summary>The models timed one call at a time: the seed CNN (trained, when (a) ran) and Keras's mnist_convnet (untrained weights: the time does not depend on them).</summary>
    public static readonly string[] Models = ["seed", "convnet"];

    public static Reply DeepSharp(DeepSharpSide side, Args a)
    {
        double min = a.Double("min", 0.3);
        double seconds = Timing.SecondsPerCall(() => side.Model.Predict(side.XTest, BatchSize), min);
        side.OnnxRuntime.InferAll(BatchSize); // warm-up
        double ortSeconds = Timing.SecondsPerCall(() => side.OnnxRuntime.InferAll(BatchSize), min);
        var reply = new Reply
        {
            ["seconds"] = seconds,
            ["imagesPerSecond"] = side.XTest.Shape[0] / seconds,
            ["onnxRuntimeImagesPerSecond"] = side.XTest.Shape[0] / ortSeconds,
        };
        // Batch 1 (latency) and batch 256 (throughput) of one Predict call / one session run each;
        // each side warmed up and given a pause first, so ONNX Runtime's spinning threads are idle.
        var convnet = ConvnetAccuracyWorkload.BuildDeepSharp(a.Int("seed", 42));
        convnet.Build(side.XTest.Shape.WithoutBatch());
        using var convnetOrt = new OnnxRuntimeSide(convnet, side.XTest.SliceRows(0, SmallBatches.Max()), Threads.Count);
        foreach (var (name, model, ort) in new[] { ("seed", (Model)side.Model, side.OnnxRuntime), ("convnet", convnet, convnetOrt) })
            foreach (int batch in SmallBatches)
            {
                var x = side.XTest.SliceRows(0, batch);
                (reply[$"seconds{name}{batch}"], reply[$"cpuSeconds{name}{batch}"]) = Measure(() => model.Predict(x, batch), min);
                (reply[$"onnxRuntimeSeconds{name}{batch}"], reply[$"onnxRuntimeCpuSeconds{name}{batch}"]) = Measure(() => ort.InferFirst(batch), min);
            }
        return reply;
    }

    /// <summary>The batch sizes measured one call at a time besides the batches of 1000.</summary>
    public static readonly int[] SmallBatches = [1, 256];

    /// <summary>Wall and process CPU seconds per call.</summary>
    private static (double Wall, double Cpu) Measure(Action call, double min)
    {
        for (int i = 0; i < 3; i++) call();
        Thread.Sleep(50);
        return CpuTiming.PerCall(call, min);
    }

    public static Reply Torch(TorchSide side, Args a)
    {
        side.Model.eval();
        int n = (int)side.XTest.shape[0];
        double seconds = Timing.SecondsPerCall(() =>
        {
            using var noGrad = torch.no_grad();
            for (int start = 0; start < n; start += BatchSize)
            {
                using var scope = torch.NewDisposeScope();
                torch.nn.functional.softmax(side.Model.forward(side.XTest.narrow(0, start, Math.Min(BatchSize, n - start))), 1);
            }
        }, a.Double("min", 0.3));
        return new Reply { ["seconds"] = seconds, ["imagesPerSecond"] = n / seconds };
    }
}
