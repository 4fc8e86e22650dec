// Structured pruning's speed: the convnet against its 50 % filter-pruned copy, interleaved in one process, medians of
// nine rounds. Run from this folder: dotnet run structured-speed.cs (a .NET 10 file-based app).
#:project ../../src/DeepSharp/DeepSharp.csproj
#:property Configuration=Release
#:property PublishAot=false
#:property JsonSerializerIsReflectionEnabledByDefault=true
using System.Diagnostics;
using DeepSharp.Compression;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

RandomGenerator.SetGlobalSeed(1);
var convnet = new Sequential(
    new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]),
    new MaxPooling2D((2, 2)),
    new Conv2D(64, (3, 3), activation: Activation.Relu),
    new MaxPooling2D((2, 2)),
    new Flatten(),
    new Dropout(0.5f),
    new Dense(10, Activation.Softmax));
convnet.Build(new Shape(28, 28, 1));
var pruned = StructuredPruning.Prune(convnet, 0.5f);
long Count(Model m) => m.Parameters.Sum(p => (long)p.Value.Size);
Console.WriteLine($"params: {Count(convnet)} -> {Count(pruned)} ({(double)Count(pruned) / Count(convnet):F3})");
foreach (var m in new[] { convnet, pruned }) m.Compile(new Adam(), new SparseCategoricalCrossentropy());
var x = Tensor.RandomUniform(new Shape(256, 28, 28, 1), 0f, 1f, new RandomGenerator(2L));
var labels = new int[256];
for (int i = 0; i < 256; i++) labels[i] = i % 10;
var y = Tensor.FromArray(labels, 256);
double Time(Action a, int reps) { var sw = Stopwatch.StartNew(); for (int i = 0; i < reps; i++) a(); return sw.Elapsed.TotalMilliseconds / reps; }
foreach (var m in new[] { convnet, pruned }) { for (int i = 0; i < 5; i++) { m.Predict(x, batchSize: 256); m.TrainOnBatch(x, y); } }
var pr = new List<double>(); var tr = new List<double>();
var times = new List<double>[4];
for (int i = 0; i < 4; i++) times[i] = [];
for (int round = 0; round < 9; round++)
{
    double a = Time(() => convnet.Predict(x, batchSize: 256), 5), b = Time(() => pruned.Predict(x, batchSize: 256), 5);
    double c = Time(() => convnet.TrainOnBatch(x, y), 3), d = Time(() => pruned.TrainOnBatch(x, y), 3);
    pr.Add(a / b); tr.Add(c / d);
    times[0].Add(a); times[1].Add(b); times[2].Add(c); times[3].Add(d);
    Console.WriteLine($"round {round}: predict {a:F1} ms vs {b:F1} ms, train step {c:F1} ms vs {d:F1} ms");
}
double Median(List<double> v) { var s = v.Order().ToList(); return s[s.Count / 2]; }
Console.WriteLine($"median times: predict {Median(times[0]):F1} ms vs {Median(times[1]):F1} ms, train step {Median(times[2]):F1} ms vs {Median(times[3]):F1} ms");
Console.WriteLine($"median speed-up: predict (batch 256) {Median(pr):F2}x, training step (batch 256) {Median(tr):F2}x");
Console.WriteLine($"load average: {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a")}");
