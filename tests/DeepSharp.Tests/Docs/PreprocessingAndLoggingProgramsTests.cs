using System.Text.Json.Nodes;
using DeepSharp.Data;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Tests.Docs;

/// <summary>
/// Three programs written from the README and docs only, as a Keras user new to DeepSharp would (the users4 pass):
/// tabular regression with an adapted Normalization saved and served from the file; a classifier logged to TensorBoard
/// next to EarlyStopping and a CSV log; a functional model with a metric of one's own, saved and loaded in a "new
/// process" with custom objects. The examples of docs/layers.md and docs/training.md they use are here line for line.
/// </summary>
[Collection(WorkingFolder.Collection)] // program two sets the working folder
public sealed class PreprocessingAndLoggingProgramsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>House prices: 3 features on very different scales (area in m², rooms, age in years).</summary>
    private static (Tensor X, Tensor Y) Houses(int n, int seed)
    {
        var rng = new RandomGenerator(seed);
        var x = new float[n * 3];
        var y = new float[n];
        for (int i = 0; i < n; i++)
        {
            float area = 40f + 160f * rng.NextFloat(), rooms = 1 + rng.NextInt(6), age = 80f * rng.NextFloat();
            (x[i * 3], x[i * 3 + 1], x[i * 3 + 2]) = (area, rooms, age);
            y[i] = 0.01f * area + 0.1f * rooms - 0.005f * age;
        }
        return (Tensor.FromArray(x, n, 3), Tensor.FromArray(y, n, 1));
    }

    private static Model AdaptedRegression(Tensor xTrain, Tensor yTrain, string path)
    {
        var normalizer = new Normalization();               // one mean and variance per feature (axis -1)
        normalizer.Adapt(xTrain);                           // Keras's adapt: the training data's statistics
        var model = new Sequential(
            normalizer,
            new Dense(32, Activation.Relu),
            new Dense(1));
        model.Compile(new Adam(0.01f), "mse");
        model.Fit(xTrain, yTrain, epochs: 30, validationSplit: 0.2f, verbose: 0);
        model.Save(path);                                   // the mean and variance go with the weights
        return model;
    }

    [Fact]
    public void ProgramOneTabularRegressionWithAdaptedNormalization()
    {
        RandomGenerator.SetGlobalSeed(1);
        var (xTrain, yTrain) = Houses(400, 1);
        var (xTest, yTest) = Houses(100, 2);
        string path = _temp.File("houses.safetensors");
        var model = AdaptedRegression(xTrain, yTrain, path);

        double mse = model.Evaluate(xTest, yTest)["loss"];
        Assert.True(mse < 0.05, $"test MSE {mse}");
        var summary = model.Summary(_ => { });
        Assert.Contains("Non-trainable params: 6", summary);

        var loaded = Model.Load(path);
        Assert.Equal(model.Predict(xTest).ToArray(), loaded.Predict(xTest).ToArray());
        loaded.ExportOnnx(_temp.File("houses.onnx"));

        // The statistics from a DataLoader, as Keras's adapt(dataset).
        var fromLoader = new Normalization();
        fromLoader.Adapt(new DataLoader(new TensorDataset(xTrain, yTrain), batchSize: 64));
        var adapted = (Normalization)model.Layers[0];
        for (int i = 0; i < 3; i++) Assert.Equal(adapted.Mean!.Span[i], fromLoader.Mean!.Span[i], 1e-3f);

        var scaler = new Normalization(mean: [5f], variance: [4f]);                 // (x − 5) / 2
        var unscale = new Normalization(mean: [5f], variance: [4f], invert: true);  // x·2 + 5
        var perPixel = new Normalization(axis: [1, 2, 3]);  // images: one mean and variance per (row, column, channel)
        var global = new Normalization(axis: []);           // Keras's axis=None: one mean and variance for all values
        var v = Tensor.FromArray([1f, 5f, 9f], 3, 1);
        Assert.Equal([-2f, 0f, 2f], scaler.Call(v).ToArray());
        Assert.Equal(v.ToArray(), unscale.Call(scaler.Call(v)).ToArray());
        perPixel.Adapt(Tensor.RandomUniform(new Shape(5, 4, 4, 3), 0f, 1f, new RandomGenerator(3)));
        Assert.Equal(48, perPixel.Mean!.Size);
        global.Adapt(v);
        Assert.Equal(5f, global.Mean!.Span[0]);
    }

    private static History LoggedFit(Model model, Tensor x, Tensor y)
    {
        var history = model.Fit(x, y, epochs: 10, validationSplit: 0.2f, verbose: 0, callbacks:
        [
            new TensorBoard("logs/run1"),                   // logs/run1/train and logs/run1/validation
        ]);
        return history;
    }

    [Fact]
    public void ProgramTwoAClassifierLoggedToTensorBoard()
    {
        RandomGenerator.SetGlobalSeed(2);
        var x = Tensor.RandomUniform(new Shape(120, 2), -1f, 1f, new RandomGenerator(4));
        var xs = x.ToArray();
        var y = Tensor.FromArray(Enumerable.Range(0, 120).Select(i => xs[2 * i] * xs[2 * i + 1] > 0 ? 1 : 0).ToArray(), 120);
        var model = new Sequential(new Dense(16, "relu", inputShape: [2]), new Dense(2, "softmax"));
        model.Compile("adam", "sparse_categorical_crossentropy", ["accuracy"]);
        string previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = _temp.Path; // the page's relative "logs/run1"
        try
        {
            var history = LoggedFit(model, x, y);
            Assert.Equal(10, history["val_loss"].Count);
            var train = Directory.GetFiles(Path.Combine("logs", "run1", "train"));
            var validation = Directory.GetFiles(Path.Combine("logs", "run1", "validation"));
            Assert.Contains(".tfevents.", Assert.Single(train));
            Assert.Contains(".tfevents.", Assert.Single(validation));
            // With the other loggers a Keras user combines it with.
            var more = model.Fit(x, y, epochs: 20, validationSplit: 0.2f, verbose: 0, callbacks:
                [new TensorBoard("logs/run2"), new EarlyStopping("val_loss", patience: 2), new CsvLogger("logs/run2.csv")]);
            Assert.Equal(more["loss"].Count + 1, File.ReadAllLines(Path.Combine("logs", "run2.csv")).Length);
            Assert.True(new FileInfo(Assert.Single(Directory.GetFiles(Path.Combine("logs", "run2", "train")))).Length > 100);
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }
    }

    /// <summary>A metric of one's own with a setting, written as docs/custom.md says (GetConfig and a factory).</summary>
    public sealed class MeanAbsolutePercentageBelow(float limit) : Metric
    {
        private double _hits, _count;

        public float Limit { get; } = limit;

        public override string Name => "within_percent";

        public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight)
        {
            float[] t = yTrue.ToArray(), p = yPred.ToArray();
            for (int i = 0; i < p.Length; i++)
            {
                _hits += Math.Abs(p[i] - t[i]) <= Limit / 100f * Math.Abs(t[i]) ? 1 : 0;
                _count++;
            }
        }

        public override double Result() => _count == 0 ? 0 : _hits / _count;

        public override void Reset() => (_hits, _count) = (0, 0);

        public override JsonObject GetConfig() => new() { ["limit"] = Limit };
    }

    [Fact]
    public void ProgramThreeAFunctionalModelWithAMetricOfItsOwnSavedAndLoaded()
    {
        RandomGenerator.SetGlobalSeed(3);
        var (x, y) = Houses(300, 5);
        string path = _temp.File("functional.safetensors");
        {
            var normalizer = new Normalization();
            normalizer.Adapt(x);
            var input = Model.Input([3]);
            var hidden = new Dense(16, Activation.Relu).Call(normalizer.Call(input));
            var model = new Model(input, new Dense(1).Call(hidden));
            model.Compile(new Adam(0.01f), "mse", metrics: [new MeanAbsolutePercentageBelow(10f)]);
            model.Fit(x, y, epochs: 20, verbose: 0);
            model.Save(path);
        }
        // A "new process": the program that loads gives the metric, reading its setting back.
        var missing = Assert.Throws<MissingCustomObjectException>(() => Model.Load(path));
        Assert.Contains("MeanAbsolutePercentageBelow", missing.Message);
        var custom = new CustomObjects().AddMetric("MeanAbsolutePercentageBelow", c => new MeanAbsolutePercentageBelow(c["limit"]!.GetValue<float>()));
        var loaded = Model.Load(path, custom);
        var logs = loaded.Evaluate(x, y);
        Assert.InRange(logs["within_percent"], 0.0, 1.0);
        var after = loaded.Fit(x, y, epochs: 5, verbose: 0);
        Assert.True(after["loss"][^1] <= logs["loss"] * 1.5, $"loss {logs["loss"]} → {after["loss"][^1]}");
        Assert.True(loaded.Layers.OfType<Normalization>().Single().IsAdapted);
    }
}
