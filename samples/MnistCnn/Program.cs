// The seed's Keras example, line for line in DeepSharp: README.md shows this same code (DocsCoverageTests checks it).
using DeepSharp.Data;
using DeepSharp.Data.Datasets;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Training;

int epochs = args.Length > 0 ? int.Parse(args[0]) : 10;     // `dotnet run -- 3` trains 3 epochs
var ((xTrain, yTrain), (xTest, yTest)) = Mnist.Load();     // float (N, 28, 28, 1) in [0, 1], int labels
var trainTargets = DataUtils.ToCategorical(yTrain, 10);     // one-hot, as to_categorical
var testTargets = DataUtils.ToCategorical(yTest, 10);

var model = new Sequential(
    new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]),
    new MaxPooling2D((2, 2)),
    new Flatten(),
    new Dense(128, Activation.Relu),
    new Dense(10, Activation.Softmax));
model.Compile(optimizer: new Adam(), loss: new CategoricalCrossentropy(), metrics: [new Accuracy()]);
model.Summary();

model.Fit(xTrain, trainTargets, batchSize: 128, epochs: epochs, validationData: (xTest, testTargets));
var test = model.Evaluate(xTest, testTargets);
Console.WriteLine($"Test loss: {test["loss"]:F4}, test accuracy: {test["accuracy"]:F4}");
