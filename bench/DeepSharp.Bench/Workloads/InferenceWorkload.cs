using DeepSharp.Bench.Harness;
using DeepSharp.Bench.Models;
using TorchSharp;

namespace DeepSharp.Bench.Workloads;

/// <summary>
/// (d) Inference throughput of the trained seed CNN over the 10,000 test images in batches of 1000,
/// softmax included. DeepSharp: Model.Predict (which gathers the outputs into one tensor);
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

        // ONNX Runtime on DeepSharp's exported model, measured in the DeepSharp worker right after it.
        var ort = Stats.Of(replies[0].Skip(1).Select(r => r.Get("onnxRuntimeImagesPerSecond")).ToList());
        bench.Log($"ONNX Runtime (DeepSharp's model exported) {ort.Median:F0} img/s");
        bench.Table.Add(new ResultRow("(d) inference", "ONNX Runtime 1.31.1, exported seed model (in the DeepSharp column)", "images/s",
            HigherIsBetter: true, [ort], NoRatio: true, Verdict: $"DS/ORT {rate[0].Median / ort.Median:F2}x"));
    }

    public static Reply DeepSharp(DeepSharpSide side, Args a)
    {
        double seconds = Timing.SecondsPerCall(() => side.Model.Predict(side.XTest, BatchSize), a.Double("min", 0.3));
        side.OnnxRuntime.InferAll(BatchSize); // warm-up
        double ortSeconds = Timing.SecondsPerCall(() => side.OnnxRuntime.InferAll(BatchSize), a.Double("min", 0.3));
        return new Reply
        {
            ["seconds"] = seconds,
            ["imagesPerSecond"] = side.XTest.Shape[0] / seconds,
            ["onnxRuntimeImagesPerSecond"] = side.XTest.Shape[0] / ortSeconds,
        };
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
