// Batch-1 inference probe: where one Predict of the seed CNN spends its time, phase by phase.
// Run from this folder (a .NET 10 file-based app), in Release:
//   dotnet run -c Release batch1-probe.cs -- phases [THREADS]   prefixes of the layer chain, in one process
//   dotnet run -c Release batch1-probe.cs -- dense [THREADS]    DenseRows 1×5408 → 128 alone
// Each figure: microseconds per call, wall and process CPU, the median over 31 rounds of 2,000 calls,
// the configurations interleaved within each round (a shared machine's drift hits them alike).
// The seed CNN: Conv2D(32, 3×3, relu) → MaxPooling2D(2) → Flatten → Dense(128, relu) → Dense(10, softmax).
#:project ../../src/DeepSharp/DeepSharp.csproj
#:property AssemblyName=DeepSharp.Bench
#:property AllowUnsafeBlocks=true
#:property PublishAot=false
using System.Diagnostics;
using DeepSharp;
using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu.Inference;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

string mode = args.Length > 0 ? args[0] : "phases";
DeepSharp.Threads.Count = args.Length > 1 ? int.Parse(args[1]) : 2;
Console.WriteLine($"threads {DeepSharp.Threads.Count}; load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");

var model = new Sequential(
    new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]),
    new MaxPooling2D((2, 2)),
    new Flatten(),
    new Dense(128, Activation.Relu),
    new Dense(10, Activation.Softmax));
model.Build(new Shape(28, 28, 1));
var rng = new Random(3);
var image = Tensor.Empty(new Shape(1, 28, 28, 1));
for (int i = 0; i < image.Size; i++) image.Span[i] = rng.NextSingle();
var layers = model.Layers;

var cases = new List<(string Name, Action Call)>();
if (mode == "phases")
{
    for (int n = 2; n <= layers.Count; n++)
    {
        var prefix = layers.Take(n).ToList();
        cases.Add(($"layers 1..{n} ({layers[n - 1].GetType().Name})", () =>
        {
            using var noGrad = NoGrad.Scope();
            using var scope = Tensor.Scope();
            InferenceRunner.Run(prefix, image);
        }));
    }
    cases.Add(("Predict (whole call)", () => model.Predict(image, 1)));
}
else if (mode == "dense")
{
    var x = new float[5408];
    for (int i = 0; i < x.Length; i++) x[i] = rng.NextSingle();
    var y = new float[128];
    var w = new float[5408 * 128];
    for (int i = 0; i < w.Length; i++) w[i] = rng.NextSingle() - 0.5f;
    var b = new float[128];
    cases.Add(("DenseRows 1x5408 -> 128", () => DenseRows.Forward(1, 5408, 128, x, w, b, y)));
}
else
{
    Console.WriteLine("modes: phases | dense [THREADS]");
    return 2;
}

const int rounds = 31, calls = 2000;
var wall = cases.Select(_ => new List<double>()).ToArray();
var cpu = cases.Select(_ => new List<double>()).ToArray();
foreach (var c in cases) for (int i = 0; i < 200; i++) c.Call();
for (int r = 0; r < rounds; r++)
    for (int k = 0; k < cases.Count; k++)
    {
        double cpu0 = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        long t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++) cases[k].Call();
        wall[k].Add(Stopwatch.GetElapsedTime(t0).TotalSeconds * 1e6 / calls);
        cpu[k].Add((Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - cpu0) * 1e6 / calls);
    }
static double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
for (int k = 0; k < cases.Count; k++)
    Console.WriteLine($"{cases[k].Name,-36} wall {Median(wall[k]),7:F2} us (min {wall[k].Min(),7:F2})   CPU {Median(cpu[k]),7:F2} us");
Console.WriteLine($"load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
return 0;
