// Distillation on MNIST: a seed-CNN-shaped teacher (logits) and an MLP student of under 1/10 of its
// parameters, trained alone and with the Distiller, over three seeds (each seed and the mean).
// Run from this folder: dotnet run distill-seeds.cs (a .NET 10 file-based app; MNIST from the cache).
#:project ../../src/DeepSharp/DeepSharp.csproj
#:property Configuration=Release
#:property PublishAot=false
#:property JsonSerializerIsReflectionEnabledByDefault=true
using DeepSharp.Compression;
using DeepSharp.Data.Datasets;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

const int TeacherEpochs = 3, StudentEpochs = 3, Batch = 128;
var ((xTrain, yTrain), (xTest, yTest)) = Mnist.Load();
long Count(Model m) => m.Parameters.Sum(p => (long)p.Value.Size);
Sequential Student() => new(new Flatten(inputShape: [28, 28, 1]), new Dense(32, Activation.Relu), new Dense(10));

RandomGenerator.SetGlobalSeed(1);
var teacher = new Sequential(
    new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]),
    new MaxPooling2D((2, 2)), new Flatten(), new Dense(128, Activation.Relu), new Dense(10));
teacher.Compile(new Adam(), new SparseCategoricalCrossentropy(fromLogits: true), [new SparseCategoricalAccuracy()]);
teacher.Fit(xTrain, yTrain, Batch, TeacherEpochs, verbose: 0);
double teacherAccuracy = teacher.Evaluate(xTest, yTest)["sparse_categorical_accuracy"];
Console.WriteLine($"teacher: {Count(teacher)} parameters, test accuracy {teacherAccuracy:F4}; student: {Count(Student())} parameters ({(double)Count(Student()) / Count(teacher):F3}×)");

var alone = new List<double>();
var distilled = new List<double>();
foreach (long seed in new long[] { 1, 2, 3 })
{
    RandomGenerator.SetGlobalSeed(seed);
    var a = Student();
    a.Compile(new Adam(), new SparseCategoricalCrossentropy(fromLogits: true), [new SparseCategoricalAccuracy()]);
    a.Fit(xTrain, yTrain, Batch, StudentEpochs, verbose: 0);
    alone.Add(a.Evaluate(xTest, yTest)["sparse_categorical_accuracy"]);

    RandomGenerator.SetGlobalSeed(seed);
    var b = Student();
    var distiller = new Distiller(teacher, b, temperature: 10f, alpha: 0.1f);
    distiller.Compile(new Adam(), new SparseCategoricalCrossentropy(fromLogits: true), [new SparseCategoricalAccuracy()]);
    distiller.Fit(xTrain, yTrain, Batch, StudentEpochs, verbose: 0);
    distilled.Add(distiller.Evaluate(xTest, yTest)["sparse_categorical_accuracy"]);
    Console.WriteLine($"seed {seed}: student alone {alone[^1]:F4}, distilled {distilled[^1]:F4}");
}
Console.WriteLine($"mean: student alone {alone.Average():F4}, distilled {distilled.Average():F4}");
