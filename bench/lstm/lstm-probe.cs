// LSTM probe: where the LSTM layer's forward + backward spends its time, phase by phase, in one process.
// Run from this folder (a .NET 10 file-based app), in Release:
//   dotnet run -c Release lstm-probe.cs -- [THREADS] [ROUNDS]
// The bench (h) shape: batch 32, 64 steps, 128 → 256 units. Each phase is timed in process CPU time
// (all threads; with 2 threads it includes spinning) and wall time, median over ROUNDS rounds, with
// the GFLOP/s that phase reaches per CPU second. The assembly is named DeepSharp.Bench to see the
// internal kernels (InternalsVisibleTo).
#:project ../../src/DeepSharp/DeepSharp.csproj
#:property AssemblyName=DeepSharp.Bench
#:property AllowUnsafeBlocks=true
#:property PublishAot=false
using System.Diagnostics;
using DeepSharp.Kernels.Cpu;

int threads = args.Length > 0 ? int.Parse(args[0]) : 1;
int rounds = args.Length > 1 ? int.Parse(args[1]) : 15;
const int B = 32, T = 64, F = 128, U = 256, G = 4 * U;
WorkerPool.Shared.ThreadCount = threads;
var rng = new Random(1);
float[] Rand(long n, float scale) { var a = new float[n]; for (long i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1) * scale; return a; }
var inputs = Rand((long)T * B * F, 1f);
var w = Rand((long)F * G, 0.1f);
var u = Rand((long)U * G, 0.06f);
var gatesPre = Rand((long)T * B * G, 0.5f);
var bias = Rand(G, 0.1f);
var gates = new float[T * B * G];
var h = new float[(T + 1) * B * U];
var c = new float[(T + 1) * B * U];
var dy = Rand((long)B * T * U, 1f);
var dGates = new float[T * B * G];
var dh = new float[B * U];
var dc = new float[B * U];
var both = new float[T * B * (F + U)];
var bothT = new float[T * B * (F + U)];
var sum = new float[(F + U) * G];
var dInputs = new float[T * B * F];
var cellH = new float[T * B * U];
var dzRandom = Rand((long)T * B * G, 0.01f);
using var packedU = GemmPackedB.Pack(false, U, G, u, G);
using var packedUt = GemmPackedB.Pack(true, G, U, u, G);
GemmPackedB? packedDz = null;
var act = CellActivation.Tanh;
var ract = CellActivation.Sigmoid;

var phases = new (string Name, double Flop, Action Run)[]
{
    ("fwd x·W (2048×128·128×1024)", 2.0 * T * B * F * G, () => Gemm.Multiply(false, false, T * B, G, F, inputs, F, w, G, gatesPre, G, accumulate: false)),
    ("fwd pack U", 0, () => { using var s = new LstmSteps(u, B, U, act, ract, threads, backward: false); }),
    ("fwd 64 steps (h·U + cell) + gates copy", 2.0 * T * B * U * G, () =>
    {
        gatesPre.CopyTo(gates, 0);
        using var s = new LstmSteps(u, B, U, act, ract, threads, backward: false);
        var gs = gates.AsSpan(); var hs = h.AsSpan(); var cs = c.AsSpan();
        for (int t = 0; t < T; t++)
            s.Forward(hs.Slice(t * B * U, B * U), cs.Slice(t * B * U, B * U), gs.Slice(t * B * G, B * G), cs.Slice((t + 1) * B * U, B * U), hs.Slice((t + 1) * B * U, B * U));
    }),
    ("fwd 64 steps, ForwardSequence (bias inside)", 2.0 * T * B * U * G, () =>
    {
        gatesPre.CopyTo(gates, 0);
        using var s = new LstmSteps(u, B, U, act, ract, threads, backward: false);
        s.ForwardSequence(T, bias, gates, c, h, zeroStart: false);
    }),
    ("fwd 64 steps split by units (StepTeam)", 2.0 * T * B * U * G, () =>
    {
        gatesPre.CopyTo(gates, 0);
        LstmSteps.RowSplitEnabled = false;
        try
        {
            using var s = new LstmSteps(u, B, U, act, ract, threads, backward: false);
            s.ForwardSequence(T, bias, gates, c, h, zeroStart: false);
        }
        finally { LstmSteps.RowSplitEnabled = true; }
    }),
    ("  fwd products only (64 × h·U, packed U)", 2.0 * T * B * U * G, () =>
    {
        for (int t = 0; t < T; t++)
            Gemm.Multiply(false, B, h.AsSpan(t * B * U, B * U), U, packedU, gatesPre.AsSpan(t * B * G, B * G), G, accumulate: false);
    }),
    ("  fwd cells only (64 × LstmCell.Forward)", 0, () =>
    {
        for (int t = 0; t < T; t++)
            LstmCell.Forward(gates.AsSpan(t * B * G, B * G), c.AsSpan(t * B * U, B * U), c.AsSpan((t + 1) * B * U, B * U), cellH.AsSpan(t * B * U, B * U), B, U, act, ract);
    }),
    ("  fwd cells, TensorPrimitives passes (former cell)", 0, () =>
    {
        for (int t = 0; t < T; t++)
            for (int r = 0; r < B; r++)
            {
                var row = gates.AsSpan(t * B * G + r * G, G);
                System.Numerics.Tensors.TensorPrimitives.Sigmoid(row[..(2 * U)], row[..(2 * U)]);
                System.Numerics.Tensors.TensorPrimitives.Tanh(row.Slice(2 * U, U), row.Slice(2 * U, U));
                System.Numerics.Tensors.TensorPrimitives.Sigmoid(row.Slice(3 * U, U), row.Slice(3 * U, U));
                var cr = c.AsSpan((t + 1) * B * U + r * U, U);
                var hr = cellH.AsSpan(t * B * U + r * U, U);
                System.Numerics.Tensors.TensorPrimitives.Multiply(row.Slice(U, U), c.AsSpan(t * B * U + r * U, U), cr);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(row[..U], row.Slice(2 * U, U), cr, cr);
                System.Numerics.Tensors.TensorPrimitives.Tanh(cr, hr);
                System.Numerics.Tensors.TensorPrimitives.Multiply(hr, row.Slice(3 * U, U), hr);
            }
    }),
    ("  bwd products only (64 × dz·Uᵀ, packed Uᵀ)", 2.0 * T * B * U * G, () =>
    {
        for (int t = 0; t < T; t++)
            Gemm.Multiply(false, B, dGates.AsSpan(t * B * G, B * G), G, packedUt, dh, U, accumulate: false);
    }),
    ("  bwd cells only (64 × LstmCell.Backward)", 0, () =>
    {
        for (int t = T - 1; t >= 0; t--)
            LstmCell.Backward(gates.AsSpan(t * B * G, B * G), c.AsSpan(t * B * U, B * U), c.AsSpan((t + 1) * B * U, B * U), dh, dc, dc,
                dGates.AsSpan(t * B * G, B * G), B, U, act, ract);
    }),
    ("  (copy of gates, not in the layer)", 0, () => gatesPre.CopyTo(gates, 0)),
    ("bwd pack Uᵀ", 0, () => { using var s = new LstmSteps(u, B, U, act, ract, threads, backward: true); }),
    ("bwd 64 steps (dz·Uᵀ + cell bwd)", 2.0 * (T - 1) * B * U * G, () =>
    {
        Array.Clear(dh); Array.Clear(dc);
        using var s = new LstmSteps(u, B, U, act, ract, threads, backward: true);
        var gs = gates.AsSpan(); var cs = c.AsSpan(); var dgs = dGates.AsSpan();
        for (int t = T - 1; t >= 0; t--)
        {
            var next = t == T - 1 ? default : dgs.Slice((t + 1) * B * G, B * G);
            s.Backward(next, dy.AsSpan(t * U), T * U, gs.Slice(t * B * G, B * G), cs.Slice(t * B * U, B * U), cs.Slice((t + 1) * B * U, B * U), dh, dc, dgs.Slice(t * B * G, B * G));
        }
    }),
    ("bwd 64 steps, BackwardSequence", 2.0 * (T - 1) * B * U * G, () =>
    {
        Array.Clear(dh); Array.Clear(dc);
        using var s = new LstmSteps(u, B, U, act, ract, threads, backward: true);
        s.BackwardSequence(T, gates, c, dy, T * U, 0, dh, dc, dGates);
    }),
    ("bwd 64 steps split by units (StepTeam)", 2.0 * (T - 1) * B * U * G, () =>
    {
        Array.Clear(dh); Array.Clear(dc);
        LstmSteps.RowSplitEnabled = false;
        try
        {
            using var s = new LstmSteps(u, B, U, act, ract, threads, backward: true);
            s.BackwardSequence(T, gates, c, dy, T * U, 0, dh, dc, dGates);
        }
        finally { LstmSteps.RowSplitEnabled = true; }
    }),
    ("bwd side-by-side copy", 0, () =>
    {
        int width = F + U;
        for (int r = 0; r < T * B; r++)
        {
            inputs.AsSpan(r * F, F).CopyTo(both.AsSpan(r * width, F));
            h.AsSpan(r * U, U).CopyTo(both.AsSpan(r * width + F, U));
        }
    }),
    ("bwd dW|dU GEMM (384×2048ᵀ·2048×1024)", 2.0 * T * B * (F + U) * G, () => Gemm.Multiply(true, false, F + U, G, T * B, both, F + U, dGates, G, sum, G, accumulate: false)),
    ("  dW|dU, op(A) packed once from inputs and h (RecurrentWeightGradient)", 2.0 * T * B * (F + U) * G,
        () => RecurrentWeightGradient.Multiply(inputs, F, h, U, dGates, G, T * B, sum)),
    ("  dW|dU GEMM on a random dz (no subnormals)", 2.0 * T * B * (F + U) * G, () => Gemm.Multiply(true, false, F + U, G, T * B, both, F + U, dzRandom, G, sum, G, accumulate: false)),
    ("  dW|dU packed once on a random dz", 2.0 * T * B * (F + U) * G,
        () => RecurrentWeightGradient.Multiply(inputs, F, h, U, dzRandom, G, T * B, sum)),
    ("  [inputs | h]ᵀ laid out transposed (384×2048)", 0, () =>
    {
        int width = F + U, rows = T * B;
        for (int r0 = 0; r0 < rows; r0 += 16)
            for (int j = 0; j < width; j++)
                for (int r = r0; r < r0 + 16; r++)
                    bothT[j * rows + r] = j < F ? inputs[r * F + j] : h[r * U + j - F];
    }),
    ("  dW|dU GEMM, A not transposed (384×2048·2048×1024)", 2.0 * T * B * (F + U) * G, () => Gemm.Multiply(false, false, F + U, G, T * B, bothT, T * B, dGates, G, sum, G, accumulate: false)),
    ("  pack dZ as B (2048×1024)", 0, () => { packedDz?.Dispose(); packedDz = GemmPackedB.Pack(false, T * B, G, dGates, G); }),
    ("  dW|dU GEMM on prepacked dZ", 2.0 * T * B * (F + U) * G, () => Gemm.Multiply(true, F + U, both, F + U, packedDz!, sum, G, accumulate: false)),
    ("bwd dx GEMM (2048×1024·(128×1024)ᵀ)", 2.0 * T * B * F * G, () => Gemm.Multiply(false, true, T * B, F, G, dGates, G, w, G, dInputs, F, accumulate: false)),
    ("bwd bias SumRows", 0, () => Reductions.SumRows(dGates, new float[G], T * B, G)),
};

double peak = PeakGflops();
Console.WriteLine($"one-thread 512-bit FMA loop: {peak:F0} GFLOP/s per CPU second");
Console.WriteLine($"threads {threads}, {rounds} rounds; load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
var cpu = new double[phases.Length][];
var wall = new double[phases.Length][];
for (int p = 0; p < phases.Length; p++) { cpu[p] = new double[rounds]; wall[p] = new double[rounds]; }
for (int r = -2; r < rounds; r++)
    for (int p = 0; p < phases.Length; p++)
    {
        var c0 = Environment.CpuUsage.TotalTime;
        long t0 = Stopwatch.GetTimestamp();
        phases[p].Run();
        double wt = Stopwatch.GetElapsedTime(t0).TotalMilliseconds, ct = (Environment.CpuUsage.TotalTime - c0).TotalMilliseconds;
        if (r >= 0) { cpu[p][r] = ct; wall[p][r] = wt; }
    }
int subnormal = 0, zero = 0;
foreach (float v in dGates) { if (v == 0) zero++; else if (float.IsSubnormal(v)) subnormal++; }
foreach (float v in h) { if (float.IsSubnormal(v)) subnormal++; }
Console.WriteLine($"dGates: {zero} zeros, {subnormal} subnormals (with h) of {dGates.Length}");
double Median(double[] a) { var s = (double[])a.Clone(); Array.Sort(s); return s[s.Length / 2]; }
double total = 0;
for (int p = 0; p < phases.Length; p++)
{
    double cm = Median(cpu[p]), wm = Median(wall[p]);
    if (!phases[p].Name.StartsWith("  ") && !phases[p].Name.Contains("pack U") && !phases[p].Name.Contains("Sequence") && !phases[p].Name.Contains("split by units")) total += cm;
    string gf = phases[p].Flop > 0 ? $"{phases[p].Flop / cm / 1e6,7:F0} GFLOP/s/CPU-s" : "";
    Console.WriteLine($"{phases[p].Name,-42} cpu {cm,7:F3} ms  wall {wm,7:F3} ms  {gf}");
}
Console.WriteLine($"sum of layer phases (cpu; the steps include their packing, the forward steps the gates copy): {total:F2} ms");

static double PeakGflops()
{
    double best = 0;
    for (int r = 0; r < 5; r++)
    {
        var c0 = Environment.CpuUsage.TotalTime;
        var acc = FmaLoop(5_000_000);
        double s = (Environment.CpuUsage.TotalTime - c0).TotalSeconds;
        if (System.Runtime.Intrinsics.Vector512.ToScalar(acc) == 1.2345f) Console.Write("");
        best = Math.Max(best, 5_000_000.0 * 12 * 32 / s / 1e9);
    }
    return best;
}

static System.Runtime.Intrinsics.Vector512<float> FmaLoop(int n)
{
    var a0 = System.Runtime.Intrinsics.Vector512.Create(1f); var a1 = a0; var a2 = a0; var a3 = a0; var a4 = a0; var a5 = a0;
    var a6 = a0; var a7 = a0; var a8 = a0; var a9 = a0; var a10 = a0; var a11 = a0;
    var x = System.Runtime.Intrinsics.Vector512.Create(0.999f); var y = System.Runtime.Intrinsics.Vector512.Create(0.0001f);
    for (int i = 0; i < n; i++)
    {
        a0 = System.Runtime.Intrinsics.X86.Avx512F.FusedMultiplyAdd(a0, x, y); a1 = System.Runtime.Intrinsics.X86.Avx512F.FusedMultiplyAdd(a1, x, y);
        a2 = System.Runtime.Intrinsics.X86.Avx512F.FusedMultiplyAdd(a2, x, y); a3 = System.Runtime.Intrinsics.X86.Avx512F.FusedMultiplyAdd(a3, x, y);
        a4 = System.Runtime.Intrinsics.X86.Avx512F.FusedMultiplyAdd(a4, x, y); a5 = System.Runtime.Intrinsics.X86.Avx512F.FusedMultiplyAdd(a5, x, y);
        a6 = System.Runtime.Intrinsics.X86.Avx512F.FusedMultiplyAdd(a6, x, y); a7 = System.Runtime.Intrinsics.X86.Avx512F.FusedMultiplyAdd(a7, x, y);
        a8 = System.Runtime.Intrinsics.X86.Avx512F.FusedMultiplyAdd(a8, x, y); a9 = System.Runtime.Intrinsics.X86.Avx512F.FusedMultiplyAdd(a9, x, y);
        a10 = System.Runtime.Intrinsics.X86.Avx512F.FusedMultiplyAdd(a10, x, y); a11 = System.Runtime.Intrinsics.X86.Avx512F.FusedMultiplyAdd(a11, x, y);
    }
    return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
}
