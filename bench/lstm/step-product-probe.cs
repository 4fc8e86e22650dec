// Step-product probe: the LSTM's forward and backward sequences (bench (h) shape: batch 32, 64 steps,
// 128 -> 256) with the per-step products through the GEMM driver's 8×32 tiles or RecurrentStepProduct's
// 8×48 tiles, interleaved in one process. Run from this folder in Release:
//   dotnet run -c Release step-product-probe.cs -- [THREADS] [ROUNDS]
// Prints the median wall and CPU milliseconds of each phase per path.
#:project ../../src/DeepSharp/DeepSharp.csproj
#:property AssemblyName=DeepSharp.Bench
#:property AllowUnsafeBlocks=true
#:property PublishAot=false
using System.Diagnostics;
using DeepSharp.Kernels.Cpu;

int threads = args.Length > 0 ? int.Parse(args[0]) : 2;
int rounds = args.Length > 1 ? int.Parse(args[1]) : 21;
const int B = 32, T = 64, F = 128, U = 256, G = 4 * U;
WorkerPool.Shared.ThreadCount = threads;
var rng = new Random(1);
float[] Rand(long n, float scale) { var a = new float[n]; for (long i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1) * scale; return a; }
var inputs = Rand((long)T * B * F, 1f);
var w = Rand((long)F * G, 0.1f);
var u = Rand((long)U * G, 0.06f);
var bias = Rand(G, 0.1f);
var gates = new float[T * B * G];
var h = new float[(T + 1) * B * U];
var c = new float[(T + 1) * B * U];
var dy = Rand((long)B * T * U, 1f);
var dGates = new float[T * B * G];
var dInputs = new float[T * B * F];
var dBias = new float[G];
var dh = new float[B * U];
var dc = new float[B * U];
var act = CellActivation.Tanh;
var ract = CellActivation.Sigmoid;
var phases = new (string Name, Action Run)[]
{
    ("forward sequence (x·W inside)", () =>
    {
        using var s = new LstmSteps(u, B, U, act, ract, threads, backward: false);
        s.ForwardSequence(T, inputs, w, F, bias, gates, c, h, zeroStart: true);
    }),
    ("backward sequence (dx inside)", () =>
    {
        Array.Clear(dh); Array.Clear(dc);
        using var s = new LstmSteps(u, B, U, act, ract, threads, backward: true);
        s.BackwardSequence(T, gates, c, dy, T * U, 0, dh, dc, dGates, dBias, w, F, dInputs);
    }),
};
bool[] paths = [false, true];
var wall = new List<double>[phases.Length, 2];
var cpu = new List<double>[phases.Length, 2];
for (int p = 0; p < phases.Length; p++) for (int k = 0; k < 2; k++) { wall[p, k] = []; cpu[p, k] = []; }
float[]? reference = null;
for (int r = -3; r < rounds; r++)
    for (int k = 0; k < 2; k++)
    {
        RecurrentStepProduct.Preferred = paths[k];
        for (int p = 0; p < phases.Length; p++)
        {
            var c0 = Environment.CpuUsage.TotalTime;
            long t0 = Stopwatch.GetTimestamp();
            phases[p].Run();
            double wt = Stopwatch.GetElapsedTime(t0).TotalMilliseconds, ct = (Environment.CpuUsage.TotalTime - c0).TotalMilliseconds;
            if (r >= 0) { wall[p, k].Add(wt); cpu[p, k].Add(ct); }
        }
        if (r == -1)
        {
            var now = h.Concat(dGates).Concat(dInputs).ToArray();
            if (reference is null) reference = now;
            else if (!reference.AsSpan().SequenceEqual(now)) Console.WriteLine("BITS DIFFER between the paths");
        }
    }
double Median(List<double> a) { var s = a.ToArray(); Array.Sort(s); return s[s.Length / 2]; }
Console.WriteLine($"threads {threads}, {rounds} rounds, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}, {CpuIdentity.Description}");
for (int p = 0; p < phases.Length; p++)
    Console.WriteLine($"{phases[p].Name,-32} driver 8x32: wall {Median(wall[p, 0]),7:F3} cpu {Median(cpu[p, 0]),7:F3} ms | step 8x48: wall {Median(wall[p, 1]),7:F3} cpu {Median(cpu[p, 1]),7:F3} ms | ratio wall {Median(wall[p, 1]) / Median(wall[p, 0]):F3}");
