using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Serialization;

/// <summary>
/// Losses and metrics of your own through a model file (Keras's custom_objects): saved by class name and config, loaded
/// compiled when given (Evaluate gives the saved model's numbers, Fit continues), a clear error naming the missing class
/// when not, compile: false as the way out; and the names DeepSharp's own classes hold cannot be taken.
/// </summary>
public sealed class CustomCompileObjectTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public sealed class SquaredMargin : Loss
    {
        public override string Name => "squared_margin";

        public override Tensor PerSample(Tensor yTrue, Tensor yPred)
        {
            var margin = Ops.Relu(Ops.Affine(Ops.Multiply(yTrue, yPred), -1f, 1f));
            return Ops.Affine(Ops.SumLastAxis(Ops.Multiply(margin, margin)), 1f / yPred.Shape[-1]);
        }
    }

    /// <summary>A metric with a setting kept in its config: the share of predictions within <see cref="Tolerance"/> of the target.</summary>
    public sealed class WithinTolerance(float tolerance) : Metric
    {
        private double _hits, _count;

        public float Tolerance { get; } = tolerance;

        public override string Name => "within_tolerance";

        public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight)
        {
            float[] t = yTrue.ToArray(), p = yPred.ToArray();
            for (int i = 0; i < p.Length; i++) { _hits += Math.Abs(t[i] - p[i]) <= Tolerance ? 1 : 0; _count++; }
        }

        public override double Result() => _count == 0 ? 0 : _hits / _count;

        public override void Reset() => (_hits, _count) = (0, 0);

        public override JsonObject GetConfig() => new() { ["tolerance"] = Tolerance };

        public static WithinTolerance FromConfig(JsonObject config) => new(config["tolerance"]!.GetValue<float>());
    }

    private static (Tensor X, Tensor Y) Data()
    {
        var x = Tensor.RandomUniform(new Shape(32, 3), -1f, 1f, new RandomGenerator(8));
        var xs = x.ToArray();
        var y = Enumerable.Range(0, 32).Select(i => xs[i * 3] + xs[i * 3 + 1] > 0 ? 1f : -1f).ToArray();
        return (x, Tensor.FromArray(y, 32, 1));
    }

    private string TrainedAndSaved(Loss loss, Metric metric, string name)
    {
        var (x, y) = Data();
        RandomGenerator.SetGlobalSeed(4);
        var model = new Sequential(new Dense(4, Activation.Tanh, inputShape: [3]), new Dense(1));
        model.Compile(new Adam(0.02f), loss, metrics: [metric]);
        model.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0);
        string path = _temp.File(name);
        model.Save(path);
        return path;
    }

    [Fact]
    public void LossAndMetricClassesOfYourOwnLoadCompiledWhenGiven()
    {
        var (x, y) = Data();
        string path = TrainedAndSaved(new SquaredMargin(), new WithinTolerance(100f), "custom.safetensors");
        var saved = Model.Load(path, new CustomObjects().AddLoss<SquaredMargin>().AddMetric("WithinTolerance", WithinTolerance.FromConfig));
        Assert.True(saved.IsCompiled);
        var logs = saved.Evaluate(x, y, verbose: 0);
        Assert.True(logs.ContainsKey("within_tolerance"));

        // The same numbers as the model that saved it, evaluated by hand with the same objects.
        var reference = Model.Load(path, compile: false);
        reference.Compile(new Adam(0.02f), new SquaredMargin(), metrics: [new WithinTolerance(100f)]);
        var expected = reference.Evaluate(x, y, verbose: 0);
        Assert.Equal(expected["loss"], logs["loss"], 1e-7);
        Assert.Equal(expected["within_tolerance"], logs["within_tolerance"], 1e-12);

        // The metric's setting came back through its config: every prediction is within 100, none within 0.
        Assert.Equal(1.0, logs["within_tolerance"]);
        var strict = Model.Load(path, new CustomObjects().AddLoss<SquaredMargin>().AddMetric("WithinTolerance", _ => new WithinTolerance(0f)));
        Assert.NotEqual(logs["within_tolerance"], strict.Evaluate(x, y, verbose: 0)["within_tolerance"]);

        var history = saved.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0);
        Assert.True(history["loss"][^1] <= logs["loss"] + 1e-3, $"loss {logs["loss"]} → {history["loss"][^1]}");
    }

    [Fact]
    public void ALossFunctionLoadsAsItself()
    {
        var (x, y) = Data();
        var halfSquared = Loss.FromFunction("half_squared_error", (t, p) =>
        {
            var d = Ops.Subtract(p, t);
            return Ops.Affine(Ops.SumLastAxis(Ops.Multiply(d, d)), 0.5f);
        });
        string path = TrainedAndSaved(halfSquared, new DeepSharp.Metrics.MeanAbsoluteError(), "function.safetensors");
        var loaded = Model.Load(path, new CustomObjects().AddLoss(halfSquared));
        Assert.True(loaded.IsCompiled);
        Assert.True(double.IsFinite(loaded.Evaluate(x, y, verbose: 0)["loss"]));
        loaded.Fit(x, y, epochs: 1, batchSize: 8, verbose: 0);
    }

    [Fact]
    public void AMissingLossOrMetricIsNamedAndCompileFalseStillLoads()
    {
        string path = TrainedAndSaved(new SquaredMargin(), new WithinTolerance(0.5f), "missing.safetensors");
        var e = Assert.Throws<MissingCustomObjectException>(() => Model.Load(path));
        Assert.Equal("loss", e.Kind);
        Assert.Equal("SquaredMargin", e.ClassName);
        Assert.Contains("missing.safetensors", e.Message);
        Assert.Contains("AddLoss(\"SquaredMargin\"", e.Message);
        Assert.Contains("compile: false", e.Message);

        var metric = Assert.Throws<MissingCustomObjectException>(() => Model.Load(path, new CustomObjects().AddLoss<SquaredMargin>()));
        Assert.Equal("WithinTolerance", metric.ClassName);
        Assert.Contains("AddMetric(\"WithinTolerance\"", metric.Message);

        Assert.False(Model.Load(path, compile: false).IsCompiled);

        // A factory that fails on the file's config is a DataFormatException naming the class.
        var failing = new CustomObjects().AddLoss<SquaredMargin>().AddMetric("WithinTolerance", c => new WithinTolerance(c["missing"]!.GetValue<float>()));
        Assert.Contains("WithinTolerance", Assert.Throws<DataFormatException>(() => Model.Load(path, failing)).Message);
    }

    [Fact]
    public void DeepSharpsOwnClassNamesCannotBeTaken()
    {
        Assert.Throws<ArgumentException>(() => new CustomObjects().AddLoss("MeanSquaredError", _ => new SquaredMargin()));
        Assert.Throws<ArgumentException>(() => new CustomObjects().AddMetric("Accuracy", _ => new WithinTolerance(1f)));
        Assert.Throws<ArgumentException>(() => new CustomObjects().AddLoss<SquaredMargin>().AddLoss<SquaredMargin>());
        var objects = new CustomObjects().AddLoss<SquaredMargin>().AddMetric<MaxError>();
        Assert.Equal(["SquaredMargin"], objects.LossTypes);
        Assert.Equal(["MaxError"], objects.MetricTypes);
    }

    public sealed class MaxError : Metric
    {
        private double _max;

        public override string Name => "max_error";

        public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight)
        {
            float[] t = yTrue.ToArray(), p = yPred.ToArray();
            for (int i = 0; i < p.Length; i++) _max = Math.Max(_max, Math.Abs(t[i] - p[i]));
        }

        public override double Result() => _max;

        public override void Reset() => _max = 0;
    }
}
