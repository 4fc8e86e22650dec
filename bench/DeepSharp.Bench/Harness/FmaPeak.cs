using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Bench.Harness;

// Implementation notes
// --------------------
// Peak = fused multiply-adds with no loads or stores: each thread updates 12 independent vector
// accumulators (acc = acc·m + c), enough to cover the FMA latency (4 cycles on Zen 4) times the two
// FMA pipes. Each FMA counts 2 FLOP per lane. m < 1 keeps the values bounded and normal. The
// widest available width is measured (512 and 256 bits both, where AVX-512 exists: Zen 4 splits a
// 512-bit FMA into two 256-bit halves, so both should agree). One thread per bench thread; the
// best of several short runs is taken, since a peak is a maximum and the machine may be shared.

/// <summary>Measures the machine's single-precision FMA throughput.</summary>
internal static class FmaPeak
{
    public static (double Gflops, string How) Measure(int threads, int tries = 7, double seconds = 0.15)
    {
        if (!Fma.IsSupported || !Vector256.IsHardwareAccelerated) return (double.NaN, "no FMA: fractions of peak not reported");
        double best256 = Best(threads, tries, seconds, wide: false);
        double best512 = Avx512F.IsSupported ? Best(threads, tries, seconds, wide: true) : 0;
        string how = $"FMA loop, {threads} threads, best of {tries}: 256-bit {best256:F0} GFLOP/s" +
                     (best512 > 0 ? $", 512-bit {best512:F0} GFLOP/s" : "");
        return (Math.Max(best256, best512), how);
    }

    private static double Best(int threads, int tries, double seconds, bool wide)
    {
        long iterations = 1_000_000;
        double flopsPerIteration = 12 * 2 * (wide ? 16 : 8);
        double rate = Run(threads, iterations, wide);   // warm-up and calibration
        iterations = Math.Clamp((long)(seconds * rate / flopsPerIteration / threads * 1e9), 1_000_000, 1_000_000_000);
        double best = 0;
        for (int t = 0; t < tries; t++) best = Math.Max(best, Run(threads, iterations, wide));
        return best;
    }

    /// <summary>GFLOP/s of <paramref name="threads"/> threads each doing <paramref name="iterations"/> iterations.</summary>
    /// <remarks>Each thread times its own loop and the slowest one sets the rate: a clock read by the
    /// calling thread after the barrier could start late (that thread descheduled while the workers
    /// already ran), read a tiny time, and turn the calibration into a loop of hours.</remarks>
    private static double Run(int threads, long iterations, bool wide)
    {
        using var barrier = new Barrier(threads);
        var sinks = new float[threads];
        var seconds = new double[threads];
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int id = t;
            workers[t] = new Thread(() =>
            {
                barrier.SignalAndWait();
                long start = Stopwatch.GetTimestamp();
                sinks[id] = wide ? Loop512(iterations) : Loop256(iterations);
                seconds[id] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            })
            { IsBackground = true };
            workers[t].Start();
        }
        foreach (var w in workers) w.Join();
        double flops = (double)threads * iterations * 12 * 2 * (wide ? 16 : 8);
        return flops / seconds.Max() / 1e9;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Loop256(long iterations)
    {
        var m = Vector256.Create(0.9999f);
        var c = Vector256.Create(1e-4f);
        Vector256<float> a0 = Vector256.Create(0.1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
            a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Fma.MultiplyAdd(a0, m, c); a1 = Fma.MultiplyAdd(a1, m, c); a2 = Fma.MultiplyAdd(a2, m, c);
            a3 = Fma.MultiplyAdd(a3, m, c); a4 = Fma.MultiplyAdd(a4, m, c); a5 = Fma.MultiplyAdd(a5, m, c);
            a6 = Fma.MultiplyAdd(a6, m, c); a7 = Fma.MultiplyAdd(a7, m, c); a8 = Fma.MultiplyAdd(a8, m, c);
            a9 = Fma.MultiplyAdd(a9, m, c); a10 = Fma.MultiplyAdd(a10, m, c); a11 = Fma.MultiplyAdd(a11, m, c);
        }
        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Loop512(long iterations)
    {
        var m = Vector512.Create(0.9999f);
        var c = Vector512.Create(1e-4f);
        Vector512<float> a0 = Vector512.Create(0.1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
            a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, m, c); a1 = Avx512F.FusedMultiplyAdd(a1, m, c); a2 = Avx512F.FusedMultiplyAdd(a2, m, c);
            a3 = Avx512F.FusedMultiplyAdd(a3, m, c); a4 = Avx512F.FusedMultiplyAdd(a4, m, c); a5 = Avx512F.FusedMultiplyAdd(a5, m, c);
            a6 = Avx512F.FusedMultiplyAdd(a6, m, c); a7 = Avx512F.FusedMultiplyAdd(a7, m, c); a8 = Avx512F.FusedMultiplyAdd(a8, m, c);
            a9 = Avx512F.FusedMultiplyAdd(a9, m, c); a10 = Avx512F.FusedMultiplyAdd(a10, m, c); a11 = Avx512F.FusedMultiplyAdd(a11, m, c);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}
