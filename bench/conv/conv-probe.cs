// Convolution probe: process CPU time per call of each pass of one Conv2D layer (forward, input
// gradient, kernel gradient with the bias sum), on one thread, best of 7 rounds of >= 0.2 s, for the
// paths the kernels can be forced onto. Run from this folder (a .NET 10 file-based app), in Release:
//   dotnet run -c Release conv-probe.cs -- 128 28 16 16 3 1 same      batch side cin cout kernel stride padding
// Paths: auto (what Conv2DKernel picks), direct (Winograd off), winograd (forced on), general
// (Winograd forced on, the 16-filter path off), previous (a strided input gradient by col2im instead of
// by phases, the kernel gradient without padded image groups, a 1×1 input gradient as a forward convolution instead of a GEMM; auto and previous run twice, alternating, for an A/B). The assembly is named DeepSharp.Bench to see the
// kernels, which are internal (InternalsVisibleTo).
#:project ../../src/DeepSharp/DeepSharp.csproj
#:property AssemblyName=DeepSharp.Bench
#:property AllowUnsafeBlocks=true
#:property PublishAot=false
using System.Diagnostics;
using DeepSharp;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Conv;

int[] v = args.Length >= 6 ? [.. args.Take(6).Select(int.Parse)] : [128, 28, 16, 16, 3, 1];
bool same = args.Length < 7 || args[6] == "same";
Threads.Count = 1;
var g = Conv2DGeometry.Create(v[0], v[1], v[1], v[2], v[3], v[4], v[4], v[5], v[5], same);
Console.WriteLine($"{g}; load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}; CPU ms per call, one thread, best of 7");
var rng = new Random(1);
float[] Fill(int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = rng.NextSingle() - 0.5f; return a; }
var x = Fill(g.InputLength); var w = Fill(g.KernelLength); var b = Fill(g.OutC);
var y = new float[g.OutputLength]; var dy = Fill(g.OutputLength);
var dx = new float[g.InputLength]; var dw = new float[g.KernelLength]; var db = new float[g.OutC];
// `... same kernel` (or forward, input): that pass alone on the auto path for 5 s, for a profiler.
if (args.Length >= 8)
{
    Action pass = args[7] switch
    {
        "forward" => () => Conv2DKernel.Forward(x, w, b, y, g),
        "input" => () => Conv2DKernel.BackwardInput(dy, w, dx, g),
        _ => () => Conv2DKernel.BackwardKernelFused(x, dy, [], dw, db, g),
    };
    var clock = Stopwatch.StartNew();
    while (clock.Elapsed.TotalSeconds < 5) pass();
    return 0;
}
foreach (var path in new[] { "auto", "direct", "winograd", "general", "previous", "auto", "previous" })
{
    ConvBackwardInputPhases.Disabled = ConvBackwardKernel.PaddedGroupsDisabled = ConvBackwardInput.PointwiseGemmDisabled = path == "previous";
    WinogradF23.Mode = path switch { "direct" => WinogradF23.Choice.Never, "winograd" or "general" => WinogradF23.Choice.Always, _ => WinogradF23.Choice.Auto };
    WinogradF23Narrow512.Disabled = path == "general";
    double f = Time(() => Conv2DKernel.Forward(x, w, b, y, g));
    double i = Time(() => Conv2DKernel.BackwardInput(dy, w, dx, g));
    double k = Time(() => Conv2DKernel.BackwardKernelFused(x, dy, [], dw, db, g));
    Console.WriteLine($"{path,-9} forward {f:F3}  input gradient {i:F3}  kernel gradient {k:F3}  total {f + i + k:F3}");
}
return 0;

static double Time(Action op)
{
    op();
    double best = double.MaxValue;
    for (int round = 0; round < 7; round++)
    {
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        int calls = 0;
        var sw = Stopwatch.StartNew();
        do { op(); calls++; } while (sw.Elapsed.TotalSeconds < 0.2);
        best = Math.Min(best, (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds / calls);
    }
    return best;
}
