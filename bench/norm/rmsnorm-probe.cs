// RMS norm probe: the fused op (Ops.RmsNorm, what RMSNormalization runs over its last axis) against the
// composed ops the layer ran before (square, mean, add ε, square root, divide, multiply by the scale), on one
// (ROWS, COLS) input, alternating blocks of calls of both in this one process. Run from this folder (a .NET 10
// file-based app), in Release, e.g. under `chrt -r 1` on a shared machine:
//   dotnet run -c Release rmsnorm-probe.cs -- [THREADS] [SECONDS] [ROWS] [COLS]
// Prints, for forward (no gradient) and forward + backward (x and scale requiring grad, loss = Σy), each
// variant's calls, median and 10th-percentile wall time per call and process CPU time per call (all threads),
// after a 3 s warm-up for tiered compilation, and the largest difference between the two outputs; before
// them, the fused kernels alone (RmsNormKernel.Forward, and Backward into dx and dscale, no autograd).
#:project ../../src/DeepSharp/DeepSharp.csproj
#:property AssemblyName=DeepSharp.Bench
#:property PublishAot=false
using System.Diagnostics;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

int threads = args.Length > 0 ? int.Parse(args[0]) : 2;
double seconds = args.Length > 1 ? double.Parse(args[1]) : 4;
int rows = args.Length > 2 ? int.Parse(args[2]) : 4096, cols = args.Length > 3 ? int.Parse(args[3]) : 512;
const float Epsilon = 1e-6f;
DeepSharp.Threads.Count = threads;
var x = Tensor.RandomUniform(new Shape(rows, cols), -2f, 2f, new RandomGenerator(1));
var scale = Tensor.RandomUniform(new Shape(cols), 0.5f, 1.5f, new RandomGenerator(2));

Tensor Composed(Tensor t) =>
    Ops.Multiply(Ops.Divide(t, Ops.Sqrt(Ops.Add(Ops.Mean(Ops.Square(t), [1], keepDims: true), Epsilon))), scale);
Tensor Fused(Tensor t) => Ops.RmsNorm(t, scale, Epsilon);

using (Tensor.Scope())
{
    float[] a = Composed(x).ToArray(), b = Fused(x).ToArray();
    double most = 0;
    for (int i = 0; i < a.Length; i++) most = Math.Max(most, Math.Abs(a[i] - b[i]));
    Console.WriteLine($"({rows}, {cols}), {threads} threads: largest |composed − fused| = {most:E2}");
}

// The kernels alone (no autograd, no temporaries): forward, and backward into dx and dscale.
{
    var y = new float[rows * cols]; var rstd = new float[rows]; var dy = new float[rows * cols]; var dx = new float[rows * cols]; var ds = new float[cols];
    Array.Fill(dy, 1f);
    foreach (bool backward in new[] { false, true })
    {
        void Kernel()
        {
            if (backward) DeepSharp.Kernels.Cpu.RmsNormKernel.Backward(x.Span, rstd, scale.Span, dy, dx, ds, rows, cols, accumulateDx: false);
            else DeepSharp.Kernels.Cpu.RmsNormKernel.Forward(x.Span, scale.Span, Epsilon, y, rstd, rows, cols);
        }
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < 1) Kernel();
        var w = new List<double>();
        var cpu0 = Environment.CpuUsage.TotalTime;
        clock.Restart();
        while (clock.Elapsed.TotalSeconds < 1.5)
        {
            long t0 = Stopwatch.GetTimestamp();
            Kernel();
            w.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        double cpu = (Environment.CpuUsage.TotalTime - cpu0).TotalMilliseconds / w.Count;
        w.Sort();
        Console.WriteLine($"kernel {(backward ? "backward" : "forward ")}: calls {w.Count}, median {w[w.Count / 2]:F3} ms, cpu/call {cpu:F3} ms");
    }
}

foreach (bool backward in new[] { false, true })
{
    x.RequiresGrad = scale.RequiresGrad = backward;
    Func<Tensor, Tensor>[] variants = [Composed, Fused];
    void Call(int v)
    {
        using var scope = Tensor.Scope();
        if (!backward)
        {
            using (NoGrad.Scope()) variants[v](x);
            return;
        }
        x.Grad?.Span.Clear();
        scale.Grad?.Span.Clear();
        Backprop.Backward(Ops.Sum(variants[v](x)));
    }
    var clock = Stopwatch.StartNew();
    while (clock.Elapsed.TotalSeconds < 3) { Call(0); Call(1); }
    var walls = new[] { new List<double>(), new List<double>() };
    var cpuTotal = new double[2];
    clock.Restart();
    for (int block = 0; clock.Elapsed.TotalSeconds < seconds; block++)
    {
        int v = block % 2;
        var cpu0 = Environment.CpuUsage.TotalTime;
        for (int i = 0; i < 5; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            Call(v);
            walls[v].Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        cpuTotal[v] += (Environment.CpuUsage.TotalTime - cpu0).TotalMilliseconds;
    }
    for (int v = 0; v < 2; v++)
    {
        var w = walls[v];
        double cpu = cpuTotal[v] / w.Count;
        w.Sort();
        Console.WriteLine($"{(backward ? "fwd+bwd" : "fwd    ")} {(v == 0 ? "composed" : "fused   ")}: calls {w.Count}, median {w[w.Count / 2]:F3} ms, " +
            $"p10 {w[w.Count / 10]:F3} ms, cpu/call {cpu:F3} ms; load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
    }
}
