// Distillation on MNIST: a seed-CNN-shaped teacher (logits) and an MLP student of under 1/10 of its
// parameters, trained alone and with the Distiller, over several seeds (each seed, the mean and the spread).
// Run from this folder:
//   dotnet run distill-seeds.cs [units] [epochs] [T list] [alpha list] [teacher file] [teacher epochs] [seeds] [train images]
// (a .NET 10 file-based app; MNIST from the cache). T and alpha take comma lists ("4,8" and "0.1,0.9"):
// every pair is a setting, and each seed trains the student alone once and distilled once per setting,
// all from the same initial weights. The teacher is trained (seed 1, the teacher epochs, 3 by default)
// and written to the teacher file, or loaded from it when it exists, so a second setting reuses it; a
// teacher file that ends in softmax is read up to its logits. With [train images] N > 0 the students
// (alone and distilled) see only the first N training images and their labels — the small-data
// regime where soft targets are known to help most (Hinton et al. 2015, §3) — while the teacher was
// trained on all of them; 0 (the default) gives the students every image.
// To keep the run short on a busy machine, the Distiller's teacher is `TeacherLogits`: the teacher's
// logits of every training image, computed once with Predict and looked up by image. The teacher is
// deterministic in inference mode (no dropout, no augmentation here), so this gives what running it
// on every batch gives (up to float rounding between batch sizes) at a fraction of the time.
#:project ../../src/DeepSharp/DeepSharp.csproj
#:property Configuration=Release
#:property PublishAot=false
#:property JsonSerializerIsReflectionEnabledByDefault=true
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

string Arg(int i, string fallback) => args.Length > i ? args[i] : fallback;
int units = int.Parse(Arg(0, "64"), CultureInfo.InvariantCulture);
int studentEpochs = int.Parse(Arg(1, "10"), CultureInfo.InvariantCulture);
float[] List(string text) => text.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
var settings = (from t in List(Arg(2, "4")) from a in List(Arg(3, "0.1")) select (T: t, Alpha: a)).ToArray();
string teacherPath = Arg(4, "teacher.safetensors");
int teacherEpochs = int.Parse(Arg(5, "3"), CultureInfo.InvariantCulture);
int seeds = int.Parse(Arg(6, "3"), CultureInfo.InvariantCulture);
int trainImages = int.Parse(Arg(7, "0"), CultureInfo.InvariantCulture);
const int Batch = 128;
var ((xTrain, yTrain), (xTest, yTest)) = Mnist.Load();
long Count(Model m) => m.Parameters.Sum(p => (long)p.Value.Size);
Sequential Student() => new(new Flatten(inputShape: [28, 28, 1]), new Dense(units, Activation.Relu), new Dense(10));

Model teacher;
if (File.Exists(teacherPath)) teacher = Model.Load(teacherPath);
else
{
    RandomGenerator.SetGlobalSeed(1);
    teacher = new Sequential(
        new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]),
        new MaxPooling2D((2, 2)), new Flatten(), new Dense(128, Activation.Relu), new Dense(10));
    teacher.Compile(new Adam(), new SparseCategoricalCrossentropy(fromLogits: true), [new SparseCategoricalAccuracy()]);
    teacher.Fit(xTrain, yTrain, Batch, teacherEpochs, verbose: 0);
    teacher.Save(teacherPath);
}
if (teacher.Layers[^1] is Dense { Activation: var last } && last == Activation.Softmax) teacher = Logits(teacher);
teacher.Compile(new Adam(), new SparseCategoricalCrossentropy(fromLogits: true), [new SparseCategoricalAccuracy()]);
if (trainImages > 0)
{
    xTrain = xTrain.SliceRows(0, trainImages);
    yTrain = yTrain.SliceRows(0, trainImages);
}
double teacherAccuracy = teacher.Evaluate(xTest, yTest)["sparse_categorical_accuracy"];
Console.WriteLine($"teacher: {Count(teacher)} parameters, test accuracy {teacherAccuracy:F4}; student Dense {units}: {Count(Student())} parameters ({(double)Count(Student()) / Count(teacher):F3}x)");
Console.WriteLine($"student {studentEpochs} epochs on {xTrain.Shape[0]} training images, Adam 1e-3, batch {Batch}; distilled with (T, alpha) = {string.Join(", ", settings.Select(s => $"({s.T}, {s.Alpha})"))}; alpha weighs the label loss");

var teacherLogits = new TeacherLogits(xTrain, teacher.Predict(xTrain, batchSize: Batch));

var alone = new List<double>();
var distilled = settings.Select(_ => new List<double>()).ToArray();
for (long seed = 1; seed <= seeds; seed++)
{
    RandomGenerator.SetGlobalSeed(seed);
    var a = Student();
    a.Compile(new Adam(), new SparseCategoricalCrossentropy(fromLogits: true), [new SparseCategoricalAccuracy()]);
    a.Fit(xTrain, yTrain, Batch, studentEpochs, verbose: 0);
    alone.Add(a.Evaluate(xTest, yTest)["sparse_categorical_accuracy"]);
    var line = $"seed {seed}: student alone {alone[^1]:F4}";
    for (int s = 0; s < settings.Length; s++)
    {
        RandomGenerator.SetGlobalSeed(seed);
        var b = Student();
        var distiller = new Distiller(teacherLogits, b, settings[s].T, settings[s].Alpha);
        distiller.Compile(new Adam(), new SparseCategoricalCrossentropy(fromLogits: true), [new SparseCategoricalAccuracy()]);
        distiller.Fit(xTrain, yTrain, Batch, studentEpochs, verbose: 0);
        distilled[s].Add(distiller.Evaluate(xTest, yTest)["sparse_categorical_accuracy"]);
        line += $", T {settings[s].T} alpha {settings[s].Alpha}: {distilled[s][^1]:F4} ({100 * (distilled[s][^1] - alone[^1]):+0.00;-0.00} points)";
    }
    Console.WriteLine(line);
}
string Spread(List<double> v) => $"mean {v.Average():F4}, sd {Math.Sqrt(v.Sum(x => (x - v.Average()) * (x - v.Average())) / Math.Max(1, v.Count - 1)):F4}, min {v.Min():F4}, max {v.Max():F4}";
Console.WriteLine($"student alone: {Spread(alone)}");
for (int s = 0; s < settings.Length; s++)
{
    var gains = distilled[s].Zip(alone, (d, a) => d - a).ToList();
    Console.WriteLine($"T {settings[s].T}, alpha {settings[s].Alpha}: {Spread(distilled[s])}; gain {100 * gains.Average():+0.00;-0.00} points (wins on {gains.Count(g => g > 0)} of {gains.Count} seeds)");
}
Console.WriteLine($"load average: {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a")}");

/// <summary>The teacher without its final softmax: the same layers, the last one linear, the same weights.</summary>
static Sequential Logits(Model model)
{
    var layers = model.Layers.Select(LayerRegistry.Clone).ToList();
    var config = model.Layers[^1].GetConfig();
    config["activation"] = "linear";
    layers[^1] = LayerRegistry.Create(model.Layers[^1].TypeName, config);
    var logits = new Sequential(layers, model.Name);
    logits.Build(model.Layers[0].BuiltInputShape!.Value);
    var from = model.Parameters.ToArray();
    var to = logits.Parameters.ToArray();
    for (int i = 0; i < from.Length; i++) from[i].Value.Span.CopyTo(to[i].Value.Span);
    return logits;
}

/// <summary>A fixed teacher: the logits it gave each training image, found by the image's bits.</summary>
sealed class TeacherLogits : Model
{
    private readonly Dictionary<ulong, int> _rowOf = [];
    private readonly float[] _logits;
    private readonly int _classes;

    public TeacherLogits(Tensor images, Tensor logits) : base("teacher_logits")
    {
        _logits = logits.Span.ToArray();
        _classes = logits.Shape[1];
        int n = images.Shape[0], size = images.Size / n;
        for (int i = 0; i < n; i++) _rowOf[Hash(images.Span.Slice(i * size, size))] = i;
    }

    public override Tensor Call(Tensor x, bool training = false)
    {
        int n = x.Shape[0], size = x.Size / n;
        var result = new float[n * _classes];
        for (int i = 0; i < n; i++)
        {
            if (!_rowOf.TryGetValue(Hash(x.Span.Slice(i * size, size)), out int row))
                throw new InvalidOperationException("TeacherLogits: an image that is not in the training set.");
            _logits.AsSpan(row * _classes, _classes).CopyTo(result.AsSpan(i * _classes));
        }
        return Tensor.FromArray(result, n, _classes);
    }

    private static ulong Hash(ReadOnlySpan<float> pixels)
    {
        ulong h = 14695981039346656037;
        foreach (float p in pixels) h = (h ^ BitConverter.SingleToUInt32Bits(p)) * 1099511628211;
        return h;
    }
}
