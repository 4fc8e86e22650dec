using DeepSharp.Bench.Harness;
using DeepSharp.Nn.Layers;
using TorchSharp;
using static TorchSharp.torch;
using DsTensor = DeepSharp.Tensors.Tensor;
using TorchTensor = TorchSharp.torch.Tensor;

namespace DeepSharp.Bench.Workloads;

/// <summary>
/// (h) One LSTM layer, forward + backward: batch 32, 64 time steps, 128 input features, 256 units,
/// the whole output sequence; the gradient of the sum of the outputs with respect to the weights
/// and the input. DeepSharp: the Lstm layer (fused op: x·W for all steps in one GEMM, then per step
/// h·U and the cell fused per slice of units over the threads, hand-written BPTT, dW and dU in one
/// GEMM); libtorch: nn.LSTM(batch_first) with autograd. Milliseconds per call, wall
/// and process CPU time (the latter is what a shared machine disturbs least, with --threads 1).
/// </summary>
internal static class LstmWorkload
{
    private const int Batch = 32, Steps = 64, Features = 128, Units = 256;

    // Each timed round repeats the call for at least this long (about 30 calls at 15 ms), so that one
    // disturbed call moves a round's mean by a few per cent, not by half.
    private const double RoundSeconds = 0.5;
    // Warm-up rounds (each RoundSeconds) at most: until tiered compilation has settled on that worker.
    private const int MaxWarmRounds = 16;

    public static void Run(BenchContext bench)
    {
        var o = bench.Options;
        double seconds = Math.Max(o.MinSeconds, RoundSeconds);
        bench.Section($"(h) LSTM layer forward + backward, batch {Batch}, {Steps} steps, {Features} → {Units}: " +
                      $"warm-up until compilation settles, then {o.Reps} timed rounds of ≥ {seconds} s each");
        void Print(int round, WorkerProcess w, Reply r, string what) => bench.Log($"{what} {round} {w.Label,-16} {CallProfile.Describe(r)}{(r.Note is null ? "" : " | " + r.Note)}");
        var warm = bench.Runner.WarmUntilCompiled($"lstm min={seconds}", MaxWarmRounds, (round, w, r) => Print(round, w, r, "warm-up"));
        bench.Log("warm-up rounds: " + string.Join(", ", bench.Runner.Workers.Select((w, i) => $"{w.Label} {warm[i]}")));
        // After each worker's round: the core-to-core round trip (where the VM's two vCPUs sit on the
        // host; on the Zen 5 VM 77–98 ns on one core complex, 354–409 ns across two, and DeepSharp's
        // layer 13 against 18.5 ms). After each round of all workers: the FMA loop, memory and L2
        // rates, which tell a machine-wide change of speed from a change in one framework.
        var replies = bench.Runner.Alternate(_ => $"lstm min={seconds}", o.Reps, (round, w, r) =>
        {
            r[RoundTrip] = RoundTripNanoseconds();
            Print(round, w, r, "round");
            if (w == bench.Runner.Workers[^1])
                bench.Log($"round {round} machine now: {FmaPeak.Measure(o.Threads, tries: 3, seconds: 0.05).How}; copying 32 MB {CopyGigabytesPerSecond():F1} GB/s; " +
                         $"reading 512 KB per thread (L2) {L2GigabytesPerSecond(o.Threads):F0} GB/s");
        });
        LogByPlacement(bench, replies);
        var ms = bench.PerWorker(replies, r => r.Get("seconds") * 1e3);
        bench.Log(string.Join("  ", bench.Runner.Workers.Select((w, i) => $"{w.Label} {ms[i].Median:F2} ms")));
        bench.Table.Add(new ResultRow("(h) LSTM", "layer forward + backward", "ms/call", HigherIsBetter: false, ms,
            Target: "<= 0.7x"));
        bench.Table.Add(new ResultRow("(h) LSTM", "layer forward + backward, median call of each round", "ms/call", HigherIsBetter: false,
            bench.PerWorker(replies, r => r.Get("call_med") * 1e3), Target: "<= 0.7x"));
        var cpuMs = bench.PerWorker(replies, r => r.Get("cpu") * 1e3);
        bench.Table.Add(new ResultRow("(h) LSTM", "layer forward + backward, process CPU time", "ms/call", HigherIsBetter: false, cpuMs,
            Target: "<= 0.7x", Check: ratio => ratio <= 0.7));
        bench.Roofline.AddSeconds("(h) LSTM layer forward + backward", FlopCount.Training(FlopCount.LstmForward(Batch, Steps, Features, Units)),
            bench.PerWorker(replies, r => r.Get("seconds")));
    }

    private const string RoundTrip = "c2c_ns";

    /// <summary>
    /// When the core-to-core round trip changed between rounds by more than 2× (the VM's vCPUs moved
    /// between one core complex and two), each worker's median per placement: compare frameworks
    /// only within one placement.
    /// </summary>
    private static void LogByPlacement(BenchContext bench, List<Reply>[] replies)
    {
        var trips = replies.SelectMany(rs => rs.Select(r => r[RoundTrip])).ToList();
        double lo = trips.Min(), hi = trips.Max();
        if (hi > 5_000)
        {
            bench.Log($"core-to-core round trip {lo:F0}–{hi:F0} ns: up to {hi / 1e3:F0} µs means the scheduler ran something else in between (a busy machine); these rounds say nothing about the placement");
            return;
        }
        if (hi < 2 * lo)
        {
            bench.Log($"core-to-core round trip {lo:F0}–{hi:F0} ns in every round: one placement of the vCPUs throughout");
            return;
        }
        double split = Math.Sqrt(lo * hi);
        foreach (var (name, near) in new[] { ("near", true), ("far", false) })
            bench.Log($"rounds with the cores {name} (round trip {(near ? "<" : "≥")} {split:F0} ns): " + string.Join(", ", bench.Runner.Workers.Select((w, i) =>
            {
                var ms = replies[i].Where(r => r[RoundTrip] < split == near).Select(r => r.Get("call_med") * 1e3).ToList();
                return ms.Count == 0 ? $"{w.Label} none" : $"{w.Label} {Stats.Of(ms).Median:F2} ms median call (n={ms.Count})";
            })));
    }

    private static float[]? s_copyFrom, s_copyTo;

    /// <summary>One thread copying 32 MB (beyond the caches) five times, best rate: tells a machine whose memory got slower (a neighbour) from a slower framework.</summary>
    private static double CopyGigabytesPerSecond()
    {
        var from = s_copyFrom ??= Enumerable.Repeat(1f, 8 << 20).ToArray();
        var to = s_copyTo ??= new float[8 << 20];
        double best = 0;
        for (int i = 0; i < 5; i++)
        {
            long t = System.Diagnostics.Stopwatch.GetTimestamp();
            from.AsSpan().CopyTo(to);
            best = Math.Max(best, 2.0 * from.Length * sizeof(float) / System.Diagnostics.Stopwatch.GetElapsedTime(t).TotalSeconds / 1e9);
        }
        return best;
    }

    /// <summary>
    /// Each thread sums its own 512 KB (L2-resident, as the LSTM's slice of packed U) 200 times with
    /// 512-bit loads; best of 3, GB/s over all threads. Tells a core whose caches got slower (a
    /// neighbour on its other hardware thread) where the FMA loop, all in registers, does not.
    /// </summary>
    private static double L2GigabytesPerSecond(int threads)
    {
        const int Floats = 128 * 1024, Passes = 200;
        double best = 0;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var seconds = new double[threads];
            var sinks = new float[threads];
            using var start = new Barrier(threads);
            var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                var data = Enumerable.Repeat(1e-3f, Floats).ToArray();
                sinks[t] = SumPasses(data, 2);
                start.SignalAndWait();
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                sinks[t] += SumPasses(data, Passes);
                seconds[t] = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds;
            })
            { IsBackground = true }).ToList();
            workers.ForEach(w => w.Start());
            workers.ForEach(w => w.Join());
            best = Math.Max(best, (double)threads * Floats * sizeof(float) * Passes / seconds.Max() / 1e9);
        }
        return best;
    }

    private static long s_pingPong;
    private static volatile bool s_pingPongStop;

    /// <summary>
    /// Two threads hand a counter back and forth (each waits, spinning, for the other's increment)
    /// for up to 100,000 round trips or 50 ms, whichever comes first (a busy machine that deschedules
    /// one of them cannot stall the bench): median over 3 tries of the time per round trip. This is
    /// what every barrier of the LSTM's thread team costs, and it depends on where the VM's two vCPUs
    /// sit on the host (one core complex or two), which neither the FMA loop nor the memory probes see.
    /// </summary>
    private static double RoundTripNanoseconds()
    {
        const long Trips = 100_000;
        long limit = System.Diagnostics.Stopwatch.Frequency / 20;
        var tries = new List<double>();
        for (int attempt = 0; attempt < 3; attempt++)
        {
            Volatile.Write(ref s_pingPong, 0);
            s_pingPongStop = false;
            var partner = new Thread(() =>
            {
                for (long v = 1; !s_pingPongStop; v += 2)
                {
                    while (Volatile.Read(ref s_pingPong) != v)
                    {
                        if (s_pingPongStop) return;
                        Thread.SpinWait(1);
                    }
                    Volatile.Write(ref s_pingPong, v + 1);
                }
            })
            { IsBackground = true };
            partner.Start();
            while (Volatile.Read(ref s_pingPong) == 0 && partner.IsAlive)   // the partner is running
            {
                Volatile.Write(ref s_pingPong, 1);
                while (Volatile.Read(ref s_pingPong) == 1) Thread.SpinWait(1);
            }
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp(), trips = 0;
            for (long v = 2; trips < Trips; v += 2, trips++)
            {
                Volatile.Write(ref s_pingPong, v + 1);
                while (Volatile.Read(ref s_pingPong) != v + 2) Thread.SpinWait(1);
                if ((trips & 63) == 0 && System.Diagnostics.Stopwatch.GetTimestamp() - t0 > limit) break;
            }
            tries.Add(System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds / Math.Max(1, trips) * 1e9);
            s_pingPongStop = true;
            partner.Join();
        }
        return tries.Order().ElementAt(1);
    }

    private static float SumPasses(float[] data, int passes)
    {
        var a = System.Runtime.Intrinsics.Vector512<float>.Zero;
        var b = a;
        var c = a;
        var d = a;
        for (int p = 0; p < passes; p++)
            for (int i = 0; i + 64 <= data.Length; i += 64)
            {
                a += System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref data[i]);
                b += System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref data[i + 16]);
                c += System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref data[i + 32]);
                d += System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref data[i + 48]);
            }
        return System.Runtime.Intrinsics.Vector512.Sum(a + b + c + d);
    }

    private static Lstm? s_layer;
    private static DsTensor? s_x;

    public static Reply DeepSharp(Args a)
    {
        var x = s_x ??= DsTensor.RandomUniform(new DeepSharp.Tensors.Shape(Batch, Steps, Features), -1f, 1f, new DeepSharp.Tensors.RandomGenerator(1));
        var layer = s_layer ??= new Lstm(Units, returnSequences: true);
        x.RequiresGrad = true;
        return CpuTiming.Profile(() =>
        {
            using var scope = DsTensor.Scope();
            foreach (var p in layer.Parameters) p.Value.Grad?.Span.Clear();
            x.Grad?.Span.Clear();
            var loss = global::DeepSharp.Autograd.Ops.Sum(layer.Call(x, training: true));
            global::DeepSharp.Autograd.Backprop.Backward(loss);
        }, a.Double("min", 0.3)).AddTo(new Reply());
    }

    private static TorchSharp.Modules.LSTM? s_torchLayer;
    private static TorchTensor? s_torchX;

    public static Reply Torch(Args a)
    {
        var layer = s_torchLayer ??= nn.LSTM(Features, Units, batchFirst: true);
        var x = s_torchX ??= (rand(Batch, Steps, Features) * 2 - 1).requires_grad_(true);
        return CpuTiming.Profile(() =>
        {
            using var scope = NewDisposeScope();
            layer.zero_grad();
            x.grad?.zero_();
            var (y, _, _) = layer.forward(x);
            y.sum().backward();
        }, a.Double("min", 0.3)).AddTo(new Reply());
    }
}
