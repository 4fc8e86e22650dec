using System.Diagnostics;
using System.Numerics.Tensors;
using DeepSharp.Bench.Harness;

namespace DeepSharp.Bench.Workloads;

/// <summary>
/// (m) The scaling model of docs/distributed.md, from this machine's measured α (latency, s) and β
/// (s per byte) and the measured one-thread step times: per step and rank,
/// ring all-reduce (fast mode, Horovod, DDP) 2(W−1)α + 2(W−1)/W·nβ + (W−1)/W·Pγ;
/// the deterministic all-gather of node sums (W−1)α + (W−1)·nβ + (W−1)·Pγ;
/// the fixed-order reduce-scatter of slices (all-to-all of slices in tree order, then an all-gather)
/// 2(W−1)α + 2(W−1)/W·nβ + (W−1)/W·Pγ — n = 4P bytes, γ the time of one float addition (measured
/// here). Weak scaling: each rank keeps its batch (seed CNN 128 images, char-GPT 32 sequences), so
/// the compute per step stays T_c; the exchange backward can hide is at most h·T_c (h = the share of
/// backward still to run when the first bucket is final: about 0.05 for the seed CNN, whose big Dense
/// kernel is final last, about 0.5 for the char-GPT, whose blocks finish one by one).
/// Steps per second 1/(T_c + max(0, T_comm − h·T_c)); efficiency T_c over that step.
/// </summary>
internal static class ScalingModel
{
    private sealed record Workload(string Name, long Values, double StepSeconds, double Hideable);

    public static void Print(IReadOnlyList<(string Name, double Alpha, double Beta)> fits, double seedStep, double gptStep)
    {
        double gamma = AdditionSeconds();
        Workload[] workloads =
        [
            new("seed CNN (P = 693,962; 128 images per rank)", 693_962, seedStep, 0.05),
            // Embedding 65×128, positions 64×128, 4 blocks × (2 LayerNorms, QKV and output projections, 128→512→128 MLP), LayerNorm, Dense 128→65.
            new("char-GPT (P = 818,241; 32 sequences per rank)", 818_241, gptStep, 0.5),
        ];
        Console.WriteLine($"== Scaling model (weak scaling; gamma {gamma * 1e9:F2} ns per float addition, measured here)");
        foreach (var (name, alpha, beta) in fits)
            foreach (var w in workloads)
            {
                if (double.IsNaN(w.StepSeconds)) continue;
                Console.WriteLine($"  {name} (alpha {alpha * 1e6:F2} us, beta {beta * 1e9:F3} ns/B), {w.Name}, T_c {w.StepSeconds * 1000:F1} ms:");
                Console.WriteLine($"    {"ranks",6} {"ring all-reduce",28} {"deterministic all-gather",28} {"fixed-order reduce-scatter",28}");
                foreach (int ranks in new[] { 2, 8, 64, 512 })
                {
                    double n = 4.0 * w.Values, wm1 = ranks - 1;
                    double ring = 2 * wm1 * alpha + 2 * wm1 / ranks * n * beta + wm1 / ranks * w.Values * gamma;
                    double gather = wm1 * alpha + wm1 * n * beta + wm1 * w.Values * gamma;
                    string Cell(double comm)
                    {
                        double step = w.StepSeconds + Math.Max(0, comm - w.Hideable * w.StepSeconds);
                        return $"{1 / step,8:F2} steps/s {100 * w.StepSeconds / step,5:F1} %";
                    }
                    Console.WriteLine($"    {ranks,6} {Cell(ring),28} {Cell(gather),28} {Cell(ring),28}");
                }
            }
    }

    /// <summary>Seconds per float of a large TensorPrimitives.Add (the tree's additions), the minimum of 20.</summary>
    private static double AdditionSeconds()
    {
        var a = new float[1 << 20];
        var b = new float[1 << 20];
        var best = double.MaxValue;
        for (int i = 0; i < 20; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            TensorPrimitives.Add(a, b, a);
            best = Math.Min(best, (double)(Stopwatch.GetTimestamp() - t0) / Stopwatch.Frequency);
        }
        return best / a.Length;
    }
}
