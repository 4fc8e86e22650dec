using DeepSharp.Bench.Harness;
using DeepSharp.Kernels.Cpu;
using TorchSharp;

namespace DeepSharp.Bench.Workloads;

/// <summary>
/// (b) fp32 matrix multiply C = op(A)·op(B), row-major, in GFLOP/s (2·m·n·k per call) and as a
/// fraction of the measured FMA peak: squares 256–2048, the seed's Dense(128) shapes, and an MLP's
/// Dense(784 → 128) and Dense(128 → 10) at batch 128 (forward, weight gradient, input gradient).
/// DeepSharp: Gemm.Multiply on plain arrays. libtorch: c.addmm_(a, b, beta 0) into a preallocated
/// output (the same ATen path as mm, without allocating), transposes as strided views.
/// </summary>
internal static class SgemmWorkload
{
    private sealed record Shape(string Name, int M, int N, int K, bool TransA, bool TransB, bool Targeted);

    private static readonly Shape[] Shapes =
    [
        new("256^3", 256, 256, 256, false, false, false),
        new("384^3", 384, 384, 384, false, false, false),
        new("512^3", 512, 512, 512, false, false, true),
        new("1024^3", 1024, 1024, 1024, false, false, true),
        new("2048^3", 2048, 2048, 2048, false, false, true),
        new("seed fwd 128x5408 . 5408x128", 128, 128, 5408, false, false, false),
        new("seed dW (128x5408)^T . 128x128", 5408, 128, 128, true, false, false),
        new("seed dX 128x128 . (5408x128)^T", 128, 5408, 128, false, true, false),
        new("dense fwd 128x784 . 784x128", 128, 128, 784, false, false, false),
        new("dense dW (128x784)^T . 128x128", 784, 128, 128, true, false, false),
        new("dense dX 128x128 . (784x128)^T", 128, 784, 128, false, true, false),
        new("dense10 fwd 128x128 . 128x10", 128, 10, 128, false, false, false),
        new("dense10 dW (128x128)^T . 128x10", 128, 10, 128, true, false, false),
        new("dense10 dX 128x10 . (128x10)^T", 128, 128, 10, false, true, false),
    ];

    public static void Run(BenchContext bench)
    {
        var o = bench.Options;
        bench.Section($"(b) SGEMM: {o.Reps} timed rounds after 1 warm-up, each >= {o.MinSeconds} s of calls");
        bench.RemeasurePeak();
        bench.Log($"parallel calls' grid over C: {GemmRowBands.Description}");
        var results = new List<(Shape Shape, Stats[] Gflops)>();
        var cpuResults = new List<(Shape Shape, Stats[] Gflops)>();
        foreach (var s in Shapes)
        {
            string command = $"gemm m={s.M} n={s.N} k={s.K} ta={(s.TransA ? 1 : 0)} tb={(s.TransB ? 1 : 0)} min={o.MinSeconds}";
            var replies = bench.Runner.Alternate(_ => command, o.Reps + 1);
            var gflops = bench.PerWorker(replies, r => r.Get("gflops"), skipFirst: true);
            cpuResults.Add((s, bench.PerWorker(replies, r => r.Get("cpuGflops"), skipFirst: true)));
            bench.Log($"{s.Name,-32} " + string.Join("  ", bench.Runner.Workers.Select((w, i) => $"{w.Label} {gflops[i].Median:F1} GFLOP/s")));
            results.Add((s, gflops));
            bench.Roofline.AddGflops("(b) sgemm " + s.Name, gflops);
        }
        bench.RemeasurePeak();
        bench.Log($"peak used for the fractions: {bench.PeakGflops:F0} GFLOP/s (the best of all FMA measurements)");
        foreach (var (s, gflops) in results)
        {
            bench.Table.Add(new ResultRow("(b) sgemm", s.Name, "GFLOP/s", HigherIsBetter: true, gflops,
                Target: s.Targeted ? ">= 0.9x" : "", Check: s.Targeted ? ratio => ratio >= 0.9 : null));
            var fraction = gflops.Select(g => Stats.Single(100 * g.Median / bench.PeakGflops)).ToArray();
            bench.Table.Add(new ResultRow("(b) sgemm", $"{s.Name}: median / {bench.PeakGflops:F0} peak", "% of peak", HigherIsBetter: true, fraction, NoRatio: true));
        }
        // Per CPU second of the process (all threads): what a shared machine disturbs least (--threads 1).
        foreach (var (s, gflops) in cpuResults)
            bench.Table.Add(new ResultRow("(b) sgemm", $"{s.Name}, per process CPU second", "GFLOP/s", HigherIsBetter: true, gflops));
    }

    public static Reply DeepSharp(Args a)
    {
        var (m, n, k, ta, tb, min) = Read(a);
        var rng = new Random(1);
        var x = Filled(m * k, rng);
        var y = Filled(k * n, rng);
        var c = new float[m * n];
        int lda = ta ? m : k, ldb = tb ? k : n;
        var (seconds, cpu) = CpuTiming.PerCall(() => Gemm.Multiply(ta, tb, m, n, k, x, lda, y, ldb, c, n, accumulate: false), min);
        return Result(m, n, k, seconds, cpu);
    }

    public static Reply Torch(Args a)
    {
        var (m, n, k, ta, tb, min) = Read(a);
        using var scope = torch.NewDisposeScope();
        var x = ta ? torch.rand(k, m).t() : torch.rand(m, k);
        var y = tb ? torch.rand(n, k).t() : torch.rand(k, n);
        var c = torch.empty(m, n);
        var (seconds, cpu) = CpuTiming.PerCall(() => c.addmm_(x, y, beta: 0, alpha: 1), min);
        return Result(m, n, k, seconds, cpu);
    }

    private static (int M, int N, int K, bool TransA, bool TransB, double Min) Read(Args a) =>
        (a.Int("m"), a.Int("n"), a.Int("k"), a.Bool("ta"), a.Bool("tb"), a.Double("min", 0.3));

    private static Reply Result(int m, int n, int k, double seconds, double cpu) =>
        new() { ["seconds"] = seconds, ["gflops"] = 2.0 * m * n * k / seconds / 1e9, ["cpuGflops"] = 2.0 * m * n * k / cpu / 1e9 };

    private static float[] Filled(int length, Random rng)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = rng.NextSingle() - 0.5f;
        return values;
    }
}
