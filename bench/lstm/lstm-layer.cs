// LSTM layer probe: the whole layer of bench (h) (batch 32, 64 steps, 128 → 256 units, forward +
// backward through the public API, as bench (h) calls it), alone in its process, so that two builds
// can be compared call for call in alternating processes. Run from this folder (a .NET 10
// file-based app), in Release:
//   dotnet run -c Release lstm-layer.cs -- [THREADS] [SECONDS] [WARMUP_SECONDS]
// Prints the calls timed, the median and 10th-percentile wall time per call and the process CPU
// time per call (all threads, spinning included). The warm-up (5 s by default) lets tiered
// compilation settle first (docs/benchmarks.md, lstm5: it takes ~4 s). To compare two checkouts,
// build this file in each (the #:project path is relative) and alternate the two programs, e.g.
// under `chrt -r 1` on a shared machine.
#:project ../../src/DeepSharp/DeepSharp.csproj
#:property AssemblyName=DeepSharp.Bench
#:property PublishAot=false
using System.Diagnostics;
using DeepSharp.Nn.Layers;
using DsTensor = DeepSharp.Tensors.Tensor;

int threads = args.Length > 0 ? int.Parse(args[0]) : 2;
double seconds = args.Length > 1 ? double.Parse(args[1]) : 3;
double warmup = args.Length > 2 ? double.Parse(args[2]) : 5;
DeepSharp.Threads.Count = threads;
var x = DsTensor.RandomUniform(new DeepSharp.Tensors.Shape(32, 64, 128), -1f, 1f, new DeepSharp.Tensors.RandomGenerator(1));
var layer = new Lstm(256, returnSequences: true);
x.RequiresGrad = true;

var clock = Stopwatch.StartNew();
while (clock.Elapsed.TotalSeconds < warmup) Call();
var walls = new List<double>();
var cpu0 = Environment.CpuUsage.TotalTime;
clock.Restart();
while (clock.Elapsed.TotalSeconds < seconds)
{
    long t0 = Stopwatch.GetTimestamp();
    Call();
    walls.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
}
double cpu = (Environment.CpuUsage.TotalTime - cpu0).TotalMilliseconds / walls.Count;
walls.Sort();
Console.WriteLine($"threads {threads}: calls {walls.Count}, median {walls[walls.Count / 2]:F3} ms, p10 {walls[walls.Count / 10]:F3} ms, cpu/call {cpu:F3} ms; load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");

void Call()
{
    using var scope = DsTensor.Scope();
    foreach (var p in layer.Parameters) p.Value.Grad?.Span.Clear();
    x.Grad?.Span.Clear();
    var loss = DeepSharp.Autograd.Ops.Sum(layer.Call(x, training: true));
    DeepSharp.Autograd.Backprop.Backward(loss);
}
