// LSTM layer probe: the whole layer of bench (h) (batch 32, 64 steps, 128 → 256 units, forward +
// backward through the public API, as bench (h) calls it), alone in its process, so that two builds
// can be compared call for call in alternating processes. Run from this folder (a .NET 10
// file-based app), in Release:
//   dotnet run -c Release lstm-layer.cs -- [THREADS] [SECONDS] [WARMUP_SECONDS] [A/B SWITCH]
// Prints the calls timed, the median and 10th-percentile wall time per call and the process CPU
// time per call (all threads, spinning included). The warm-up (5 s by default) lets tiered
// compilation settle first (docs/benchmarks.md, lstm5: it takes ~4 s). To compare two checkouts,
// build this file in each (the #:project path is relative) and alternate the two programs, e.g.
// under `chrt -r 1` on a shared machine. With an A/B switch (`weights`: RecurrentWeightGradient
// against the side-by-side copy + Gemm.Multiply; `inputs`: x·W and dz·Wᵀ inside the
// row groups' steps, LstmSteps.InputProductsInSteps, against one GEMM before / after) both variants run in this one process, in
// alternating blocks of calls, and each gets its own line (B = the switch off).
#:project ../../src/DeepSharp/DeepSharp.csproj
#:property AssemblyName=DeepSharp.Bench
#:property PublishAot=false
using System.Diagnostics;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Nn.Layers;
using DsTensor = DeepSharp.Tensors.Tensor;

int threads = args.Length > 0 ? int.Parse(args[0]) : 2;
double seconds = args.Length > 1 ? double.Parse(args[1]) : 3;
double warmup = args.Length > 2 ? double.Parse(args[2]) : 5;
DeepSharp.Threads.Count = threads;
var x = DsTensor.RandomUniform(new DeepSharp.Tensors.Shape(32, 64, 128), -1f, 1f, new DeepSharp.Tensors.RandomGenerator(1));
var layer = new Lstm(256, returnSequences: true);
x.RequiresGrad = true;

string? ab = args.Length > 3 ? args[3] : null;
Action<bool> set = ab switch
{
    null => _ => { },
    "weights" => on => RecurrentWeightGradient.Enabled = on,
    "inputs" => on => LstmSteps.InputProductsInSteps = on,
    _ => throw new ArgumentException($"unknown A/B switch {ab}; known: weights, inputs"),
};
var clock = Stopwatch.StartNew();
while (clock.Elapsed.TotalSeconds < warmup) { set(clock.Elapsed.Ticks % 2 == 0); Call(); }
var walls = new[] { new List<double>(), new List<double>() };
var cpuTotal = new double[2];
clock.Restart();
for (int block = 0; clock.Elapsed.TotalSeconds < seconds; block++)
{
    int v = ab is null ? 0 : block % 2;
    set(v == 0);
    var cpu0 = Environment.CpuUsage.TotalTime;
    for (int i = 0; i < 5; i++)
    {
        long t0 = Stopwatch.GetTimestamp();
        Call();
        walls[v].Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
    }
    cpuTotal[v] += (Environment.CpuUsage.TotalTime - cpu0).TotalMilliseconds;
}
for (int v = 0; v < (ab is null ? 1 : 2); v++)
{
    var w = walls[v];
    double cpu = cpuTotal[v] / w.Count;
    w.Sort();
    string name = ab is null ? "" : v == 0 ? $" {ab} on (A)" : $" {ab} off (B)";
    Console.WriteLine($"threads {threads}{name}: calls {w.Count}, median {w[w.Count / 2]:F3} ms, p10 {w[w.Count / 10]:F3} ms, cpu/call {cpu:F3} ms; load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
}

void Call()
{
    using var scope = DsTensor.Scope();
    foreach (var p in layer.Parameters) p.Value.Grad?.Span.Clear();
    x.Grad?.Span.Clear();
    var loss = DeepSharp.Autograd.Ops.Sum(layer.Call(x, training: true));
    DeepSharp.Autograd.Backprop.Backward(loss);
}
