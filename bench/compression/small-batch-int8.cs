// Int8 Predict at small batches (issue 16): the convnet and the seed CNN (glorot-initialised from fixed
// seeds, as bench q: speed only), quantized on 1,000 MNIST training images, then Predict of the float
// and the int8 model at batches 1, 2, 4, 16 (and 256), interleaved round by round in this one process:
// wall µs per image and process CPU µs per image (all threads), medians over the rounds; int8 also on one
// thread. Prints the load average, since the machine may be shared.
// Run from this folder:
//   dotnet run -c Release small-batch-int8.cs [rounds] [seconds per measurement] [batches, e.g. 1,4,16] [profile [threads]]
// (profile: only the int8 convnet at the first batch size, for the seconds given, to record with perf)
// (-c Release matters: without it the DeepSharp project is built without optimizations.)
#:project ../../src/DeepSharp/DeepSharp.csproj
#:property Configuration=Release
#:property PublishAot=false
#:property JsonSerializerIsReflectionEnabledByDefault=true
using System.Diagnostics;
using System.Globalization;
using DeepSharp.Compression;
using DeepSharp.Data.Datasets;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

int rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
double seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 0.2;
int[] batches = args.Length > 2 ? [.. args[2].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))] : [1, 2, 4, 16, 256];
var ((xTrain, _), (xTest, _)) = Mnist.Load();

RandomGenerator.SetGlobalSeed(16);
var convnet = new Sequential(
    new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]),
    new MaxPooling2D((2, 2)),
    new Conv2D(64, (3, 3), activation: Activation.Relu),
    new MaxPooling2D((2, 2)),
    new Flatten(),
    new Dropout(0.5f),
    new Dense(10, Activation.Softmax));
convnet.Build(new Shape(28, 28, 1));
RandomGenerator.SetGlobalSeed(1);
var seed = new Sequential(
    new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]),
    new MaxPooling2D((2, 2)),
    new Flatten(),
    new Dense(128, Activation.Relu),
    new Dense(10, Activation.Softmax));
seed.Build(new Shape(28, 28, 1));
var models = new (string Name, Model Float, Model Int8)[]
{
    ("convnet", convnet, Quantization.Quantize(convnet, xTrain.SliceRows(0, 1000))),
    ("seed", seed, Quantization.Quantize(seed, xTrain.SliceRows(0, 1000))),
};
int threads = DeepSharp.Threads.Count;
if (args.Length > 3 && args[3] == "profile")
{
    // Only the int8 convnet at the first batch size, on the threads given (DeepSharp.Threads), for `seconds` (for perf record).
    DeepSharp.Threads.Count = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : threads;
    var input = xTest.SliceRows(0, batches[0]);
    var profiled = Stopwatch.StartNew();
    while (profiled.Elapsed.TotalSeconds < seconds) models[0].Int8.Predict(input, batches[0]);
    return;
}
Console.WriteLine($"threads {threads}, load {File.ReadAllText("/proc/loadavg").Trim()}");

(double Wall, double Cpu) Measure(Model m, Tensor x, int batch, int threadCount)
{
    DeepSharp.Threads.Count = threadCount;
    try
    {
        for (int i = 0; i < 20; i++) m.Predict(x, batch);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        long calls = 0;
        while (watch.Elapsed.TotalSeconds < seconds)
        {
            for (int i = 0; i < 10; i++) m.Predict(x, batch);
            calls += 10;
        }
        double wall = watch.Elapsed.TotalSeconds;
        double used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        return (1e6 * wall / (calls * batch), 1e6 * used / (calls * batch));
    }
    finally
    {
        DeepSharp.Threads.Count = threads;
    }
}

static double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);

foreach (var (name, f, q) in models)
    foreach (int batch in batches)
    {
        var x = xTest.SliceRows(0, batch);
        var (fw, fc, qw, qc, ow, oc) = (new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>());
        for (int r = -1; r < rounds; r++) // round −1 warms up (tiered JIT), not counted
        {
            var a = Measure(f, x, batch, threads);
            var b = Measure(q, x, batch, threads);
            var c = Measure(q, x, batch, 1);
            if (r < 0) continue;
            fw.Add(a.Wall); fc.Add(a.Cpu); qw.Add(b.Wall); qc.Add(b.Cpu); ow.Add(c.Wall); oc.Add(c.Cpu);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name} batch {batch}: wall µs/image float {Median(fw):F2}, int8 {Median(qw):F2} (int8/float {Median(fw) / Median(qw):F2}x), int8 one thread {Median(ow):F2}; " +
            $"CPU µs/image float {Median(fc):F2}, int8 {Median(qc):F2} (float/int8 {Median(fc) / Median(qc):F2}x), int8 one thread {Median(oc):F2}"));
    }
Console.WriteLine($"load {File.ReadAllText("/proc/loadavg").Trim()}");
