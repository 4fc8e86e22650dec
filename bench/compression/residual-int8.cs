// A residual CNN on MNIST in float and in int8 (issue 16): the residual Add between int8 layers runs
// as QuantizedAdd on bytes. Trains the model (or loads it), quantizes it on 1,000 training images,
// and prints the float and int8 test accuracy, both files' sizes, and Predict's process CPU time per
// image for float and int8 at batch 256 and batch 1 on one thread, the two interleaved round by
// round (medians), so that the ratio holds on a shared machine.
// Run from this folder:
//   dotnet run residual-int8.cs [epochs] [model file] [rounds] [train images]
// (a .NET 10 file-based app; MNIST from the cache; train images: the first N of the 60,000, all by default). The model is
//   x → Conv2D 16 3×3 same ReLU (a) → Conv2D 16 3×3 same (b) → Add(a, b) → ReLU → MaxPool 2 →
//   Conv2D 32 3×3 ReLU → MaxPool 2 → Flatten → Dense 10 (logits)
// so the int8 model runs conv → conv → Add (ReLU fused) → pool → conv → pool → Flatten → Dense on bytes.
#:project ../../src/DeepSharp/DeepSharp.csproj
#:property Configuration=Release
#:property PublishAot=false
#:property JsonSerializerIsReflectionEnabledByDefault=true
using System.Diagnostics;
using System.Globalization;
using DeepSharp.Compression;
using DeepSharp.Data.Datasets;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

int epochs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1;
string file = args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), "residual-mnist.safetensors");
int rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;
int trainImages = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 60000;
var ((xTrain, yTrain), (xTest, yTest)) = Mnist.Load();

Model model;
if (File.Exists(file))
{
    model = Model.Load(file);
    Console.WriteLine($"loaded {file}");
}
else
{
    RandomGenerator.SetGlobalSeed(1);
    var x = Model.Input([28, 28, 1]);
    var a = new Conv2D(16, (3, 3), padding: Padding.Same, activation: Activation.Relu).Call(x);
    var b = new Conv2D(16, (3, 3), padding: Padding.Same).Call(a);
    var h = new MaxPooling2D((2, 2)).Call(new Relu().Call(new Add().Call(a, b)));
    h = new MaxPooling2D((2, 2)).Call(new Conv2D(32, (3, 3), activation: Activation.Relu).Call(h));
    model = new Functional(x, new Dense(10).Call(new Flatten().Call(h)), "residual");
    model.Compile(new Adam(), new SparseCategoricalCrossentropy(fromLogits: true), [new SparseCategoricalAccuracy()]);
    var watch = Stopwatch.StartNew();
    model.Fit(xTrain.SliceRows(0, trainImages), yTrain.SliceRows(0, trainImages), 64, epochs, verbose: 0);
    Console.WriteLine($"trained {epochs} epoch(s) on {trainImages} images in {watch.Elapsed.TotalSeconds:F0} s");
    model.Save(file);
}
model.Compile(new Adam(), new SparseCategoricalCrossentropy(fromLogits: true), [new SparseCategoricalAccuracy()]);
var int8 = Quantization.Quantize(model, xTrain.SliceRows(0, 1000));
int8.Compile(new Adam(), new SparseCategoricalCrossentropy(fromLogits: true), [new SparseCategoricalAccuracy()]);
Console.WriteLine(Quantization.Describe(int8));
double floatAccuracy = model.Evaluate(xTest, yTest)["sparse_categorical_accuracy"];
double int8Accuracy = int8.Evaluate(xTest, yTest)["sparse_categorical_accuracy"];
Console.WriteLine($"test accuracy: float {floatAccuracy:F4}, int8 {int8Accuracy:F4} (drop {100 * (floatAccuracy - int8Accuracy):F2} points)");
string int8File = Path.ChangeExtension(file, ".int8.safetensors");
int8.Save(int8File);
Console.WriteLine($"files: float {new FileInfo(file).Length:N0} bytes, int8 {new FileInfo(int8File).Length:N0} bytes ({(double)new FileInfo(int8File).Length / new FileInfo(file).Length:F2}x)");

DeepSharp.Threads.Count = 1;
foreach (int batch in new[] { 256, 1 })
{
    var input = xTest.SliceRows(0, batch);
    int calls = batch == 1 ? 400 : 4;
    double Cpu(Model m)
    {
        var start = Process.GetCurrentProcess().TotalProcessorTime;
        for (int i = 0; i < calls; i++) m.Predict(input, batch);
        return (Process.GetCurrentProcess().TotalProcessorTime - start).TotalSeconds * 1e6 / (calls * batch);
    }
    Cpu(model);
    Cpu(int8);
    var f = new List<double>();
    var q = new List<double>();
    for (int r = 0; r < rounds; r++)
    {
        f.Add(Cpu(model));
        q.Add(Cpu(int8));
    }
    double fm = f.Order().ElementAt(rounds / 2), qm = q.Order().ElementAt(rounds / 2);
    Console.WriteLine($"batch {batch}, one thread: CPU µs per image float {fm:F1}, int8 {qm:F1}: int8/float speed {fm / qm:F2}x (rounds: float {string.Join(" ", f.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)))}; int8 {string.Join(" ", q.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)))})");
}
