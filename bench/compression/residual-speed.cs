// The residual CNN's int8 Predict against float (issue 16), speed only: glorot-initialised from a fixed seed,
// quantized on 1,000 MNIST training images, then process CPU time per image at the batch given on one thread,
// float and int8 interleaved round by round (medians). Saves the int8 outputs on 512 test images to the file
// given, or compares them bit for bit with it when it exists (a kernel change must keep the bytes).
// Run from this folder:
//   dotnet run -c Release residual-speed.cs [batch] [rounds] [outputs file, or -] [profile seconds]
#:project ../../src/DeepSharp/DeepSharp.csproj
#:property Configuration=Release
#:property PublishAot=false
#:property JsonSerializerIsReflectionEnabledByDefault=true
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using DeepSharp.Compression;
using DeepSharp.Data.Datasets;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

int batch = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 256;
int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
string? outputs = args.Length > 2 && args[2] != "-" ? args[2] : null;
double profile = args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 0;
var ((xTrain, _), (xTest, _)) = Mnist.Load();
RandomGenerator.SetGlobalSeed(1);
var x = Model.Input([28, 28, 1]);
var a = new Conv2D(16, (3, 3), padding: Padding.Same, activation: Activation.Relu).Call(x);
var b = new Conv2D(16, (3, 3), padding: Padding.Same).Call(a);
var h = new MaxPooling2D((2, 2)).Call(new Relu().Call(new Add().Call(a, b)));
h = new MaxPooling2D((2, 2)).Call(new Conv2D(32, (3, 3), activation: Activation.Relu).Call(h));
var model = new Functional(x, new Dense(10).Call(new Flatten().Call(h)), "residual");
var int8 = Quantization.Quantize(model, xTrain.SliceRows(0, 1000));
DeepSharp.Threads.Count = 1;
if (outputs is not null)
{
    var y = int8.Predict(xTest.SliceRows(0, 512), 256).ToArray();
    var bytes = MemoryMarshal.AsBytes(y.AsSpan()).ToArray();
    if (File.Exists(outputs))
        Console.WriteLine(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(outputs)) ? $"int8 outputs: the same bits as {outputs}" : $"int8 outputs DIFFER from {outputs}");
    else
    {
        File.WriteAllBytes(outputs, bytes);
        Console.WriteLine($"int8 outputs saved to {outputs}");
    }
}
var input = xTest.SliceRows(0, batch);
if (profile > 0)
{
    var watch = Stopwatch.StartNew();
    while (watch.Elapsed.TotalSeconds < profile) int8.Predict(input, batch);
    return;
}
int calls = Math.Max(1, 1024 / batch);
double Cpu(Model m)
{
    var start = Process.GetCurrentProcess().TotalProcessorTime;
    for (int i = 0; i < calls; i++) m.Predict(input, batch);
    return (Process.GetCurrentProcess().TotalProcessorTime - start).TotalSeconds * 1e6 / (calls * batch);
}
for (int i = 0; i < 3; i++) { Cpu(model); Cpu(int8); }
var f = new List<double>();
var q = new List<double>();
for (int r = 0; r < rounds; r++)
{
    f.Add(Cpu(model));
    q.Add(Cpu(int8));
}
double fm = f.Order().ElementAt(rounds / 2), qm = q.Order().ElementAt(rounds / 2);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"batch {batch}, one thread: CPU µs per image float {fm:F1}, int8 {qm:F1}: int8/float speed {fm / qm:F2}x; load {File.ReadAllText("/proc/loadavg").Trim()}"));
