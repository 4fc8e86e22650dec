using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Docs;

/// <summary>Models derived from Model (docs/custom.md): training through Fit, weights by path, residual connections, errors.</summary>
public class SubclassedModelTests
{
    /// <summary>A regression problem: y = sin-free smooth function of 4 inputs, learnable by a small MLP.</summary>
    private static (Tensor X, Tensor Y) Problem(int n, int seed)
    {
        var x = Tensor.RandomUniform(new Shape(n, 4), -1f, 1f, new RandomGenerator(seed));
        var xs = x.ToArray();
        var y = new float[n];
        for (int i = 0; i < n; i++) y[i] = 0.8f * xs[4 * i] - 0.5f * xs[4 * i + 1] * xs[4 * i + 2] + 0.3f * Math.Abs(xs[4 * i + 3]);
        return (x, Tensor.FromArray(y, n, 1));
    }

    private static void AssertBitwiseEqual(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        float[] e = expected.ToArray(), a = actual.ToArray();
        for (int i = 0; i < e.Length; i++) Assert.Equal(BitConverter.SingleToInt32Bits(e[i]), BitConverter.SingleToInt32Bits(a[i]));
    }

    [Fact]
    public void SubclassedMlpTrainsWithFitAndItsWeightsLoadIntoAFreshInstance()
    {
        RandomGenerator.SetGlobalSeed(21);
        var (x, y) = Problem(256, 1);
        using var folder = new TempFolder();
        string path = folder.File("mlp.safetensors");
        var (restored, history) = CustomExamples.TrainSubclassedModel(x, y, path);
        var loss = history.Values["loss"];
        Assert.True(loss[^1] < 0.5 * loss[0], $"loss falls: {string.Join(", ", loss)}");

        // The restored instance holds the trained weights, by path.
        var names = SafetensorsNames(path);
        Assert.Equal(["dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"], restored.Parameters.Select(p => p.Path));
        Assert.Equal(names.Order(), restored.Parameters.Select(p => p.Path).Order());
        var trained = new Mlp(32, 1);
        trained.Build(new Shape(4));
        trained.LoadWeights(path);
        AssertBitwiseEqual(trained.Predict(x), restored.Predict(x));
        Assert.Equal(10, loss.Count);
    }

    private static string[] SafetensorsNames(string path) =>
        DeepSharp.Serialization.SafetensorsFile.Load(path).Entries.Select(e => e.Name).ToArray();

    [Fact]
    public void FitEvaluatePredictAndSaveWeightsMatchAcrossInstances()
    {
        RandomGenerator.SetGlobalSeed(22);
        var (x, y) = Problem(128, 2);
        var model = new Mlp(16, 1, name: "regressor");
        model.Compile(new Adam(0.01f), new MeanSquaredError(), metrics: [new DeepSharp.Metrics.MeanAbsoluteError()]);
        var history = model.Fit(x, y, epochs: 5, batchSize: 32, verbose: 0, validationSplit: 0.25f);
        Assert.Contains("val_loss", history.Values.Keys);
        var logs = model.Evaluate(x, y, verbose: 0);
        Assert.InRange(logs["loss"], 0, history.Values["loss"][0]);

        using var folder = new TempFolder();
        model.SaveWeights(folder.File("w.safetensors"));
        var fresh = new Mlp(16, 1);
        fresh.Build(new Shape(4));
        Assert.NotEqual(model.Predict(x).ToArray(), fresh.Predict(x).ToArray());
        fresh.LoadWeights(folder.File("w.safetensors"));
        AssertBitwiseEqual(model.Predict(x), fresh.Predict(x));
        fresh.Compile(new Adam(0.01f), new MeanSquaredError(), metrics: [new DeepSharp.Metrics.MeanAbsoluteError()]);
        Assert.Equal(logs["loss"], fresh.Evaluate(x, y, verbose: 0)["loss"]);
        Assert.Equal([0, 1], fresh.Predict(Tensor.Zeros(0, 4)).Shape.ToArray());
    }

    [Fact]
    public void ResidualSubclassedModelTrainsAndGradientReachesEveryWeight()
    {
        RandomGenerator.SetGlobalSeed(23);
        var (x, y) = Problem(128, 3);
        var model = new ResidualMlp(width: 8, blocks: 2, outputs: 1);
        model.Build(new Shape(4));
        Assert.Equal(
            ["dense/kernel", "dense/bias",
             "residual_block/inner/kernel", "residual_block/inner/bias", "residual_block/outer/kernel", "residual_block/outer/bias",
             "residual_block_1/inner/kernel", "residual_block_1/inner/bias", "residual_block_1/outer/kernel", "residual_block_1/outer/bias",
             "dense_1/kernel", "dense_1/bias"],
            model.Parameters.Select(p => p.Path));

        // One backward pass reaches every weight.
        var loss = new MeanSquaredError().Compute(y, model.Call(x, training: true));
        loss.Backward();
        foreach (var p in model.Parameters)
        {
            Assert.NotNull(p.Value.Grad);
            Assert.Contains(p.Value.Grad!.ToArray(), g => g != 0f);
        }

        model.Compile(new Adam(0.01f), new MeanSquaredError());
        var history = model.Fit(x, y, epochs: 15, batchSize: 16, verbose: 0);
        var losses = history.Values["loss"];
        Assert.True(losses[^1] < 0.5 * losses[0], $"loss falls: {string.Join(", ", losses)}");

        string summary = model.Summary(_ => { });
        Assert.Contains("residual_mlp", summary);
        Assert.Contains("residual_block (ResidualBlock)", summary);
        Assert.Contains("residual_block_1 (ResidualBl", summary);
        Assert.Contains($"Total params: {model.Parameters.Sum(p => p.Value.Size)}", summary.Replace(",", ""));
    }

    [Fact]
    public void GradientMatchesFiniteDifferencesThroughTheSubclassedCall()
    {
        RandomGenerator.SetGlobalSeed(24);
        var (x, y) = Problem(6, 4);
        var model = new SmoothResidual();
        model.Build(new Shape(4));
        var lossFn = new MeanSquaredError();
        double Loss() => lossFn.Compute(y, model.Call(x)).Item();
        var value = lossFn.Compute(y, model.Call(x));
        value.Backward();
        foreach (var p in model.Parameters)
        {
            var w = p.Value.Span;
            var g = p.Value.Grad!.ToArray();
            for (int i = 0; i < w.Length; i += 2)
            {
                float saved = w[i];
                const float h = 1e-2f;
                w[i] = saved + h;
                double up = Loss();
                w[i] = saved - h;
                double down = Loss();
                w[i] = saved;
                double numeric = (up - down) / (2 * h);
                Assert.True(Math.Abs(numeric - g[i]) <= 2e-2 * Math.Abs(numeric) + 2e-3, $"{p.Path}[{i}]: backward {g[i]}, finite difference {numeric}");
            }
        }
    }

    [Fact]
    public void CustomTrainingLoopLowersTheLoss()
    {
        RandomGenerator.SetGlobalSeed(25);
        var (x, y) = Problem(64, 5);
        float before = new MeanSquaredError().Compute(y, Tensor.Zeros(64, 1)).Item();
        float after = CustomExamples.CustomTrainingLoop(x, y);
        Assert.True(after < 0.3f * before, $"loss {after} after the loop, {before} for predicting 0");
    }

    [Fact]
    public void ThePyTorchStyleEpochLoopLowersTheLossAndHalvesTheRate()
    {
        RandomGenerator.SetGlobalSeed(27);
        var (x, y) = Problem(64, 5);
        float before = new MeanSquaredError().Compute(y, Tensor.Zeros(64, 1)).Item();
        var (evaluated, rate) = CustomExamples.PyTorchStyleEpochs(x, y);
        Assert.True(evaluated < 0.5f * before, $"loss {evaluated} after five epochs, {before} for predicting 0");
        Assert.Equal(0.02 / 16, rate, 1e-9);
    }

    [Fact]
    public void ZeroGradDropsOrZeroesEveryGradient()
    {
        var model = new Sequential(new Dense(3, inputShape: [2]), new Dense(1));
        var x = Tensor.Ones(4, 2);
        new MeanSquaredError().Compute(Tensor.Zeros(4, 1), model.Call(x, training: true)).Backward();
        Assert.All(model.Parameters, p => Assert.NotNull(p.Value.Grad));
        model.ZeroGrad(setToNone: false);
        Assert.All(model.Parameters, p => Assert.All(p.Value.Grad!.ToArray(), g => Assert.Equal(0f, g)));
        model.ZeroGrad();
        Assert.All(model.Parameters, p => Assert.Null(p.Value.Grad));
        // With no gradient, Apply leaves the weights as they are.
        var before = model.Parameters.Select(p => p.Value.ToArray()).ToArray();
        new Adam(0.1f).Apply(model.TrainableParameters);
        Assert.Equal(before, model.Parameters.Select(p => p.Value.ToArray()).ToArray());
    }

    [Fact]
    public void CustomLossMetricAndCallbackRunInFit()
    {
        RandomGenerator.SetGlobalSeed(26);
        var x = Tensor.RandomUniform(new Shape(64, 2), -1f, 1f, new RandomGenerator(6));
        var xs = x.ToArray();
        var y = Tensor.FromArray(Enumerable.Range(0, 64).Select(i => xs[2 * i] + xs[2 * i + 1] > 0 ? 1f : -1f).ToArray(), 64, 1);
        var model = new Sequential(new Dense(8, Activation.Relu, inputShape: [2]), new Dense(1, Activation.Tanh));
        var history = CustomExamples.FitWithCustomLoss(model, x, y);
        Assert.Contains("max_absolute_error", history.Values.Keys);
        var losses = history.Values["loss"];
        Assert.True(losses[^1] < losses[0]);
        Assert.True(losses.Count == 20 || losses[^1] < 0.05, "StopAtLoss stops only below its threshold");
    }

    [Fact]
    public void TheCustomLossAndMetricExamplesSaveAndLoadCompiled()
    {
        RandomGenerator.SetGlobalSeed(27);
        var x = Tensor.RandomUniform(new Shape(32, 2), -1f, 1f, new RandomGenerator(7));
        var xs = x.ToArray();
        var y = Tensor.FromArray(Enumerable.Range(0, 32).Select(i => xs[2 * i] > xs[2 * i + 1] ? 1f : -1f).ToArray(), 32, 1);
        using var folder = new DeepSharp.Tests.Data.TempFolder();
        var model = new Sequential(new Dense(8, Activation.Relu, inputShape: [2]), new Dense(1, Activation.Tanh));
        var loaded = CustomExamples.SaveAndLoadCustomLossAndMetric(model, x, y, folder.File("hinge.safetensors"));
        Assert.True(loaded.IsCompiled);
        Assert.Equal(model.Evaluate(x, y), loaded.Evaluate(x, y));
        Assert.Contains("max_absolute_error", loaded.Fit(x, y, epochs: 1, verbose: 0).Values.Keys);
        Assert.Throws<MissingCustomObjectException>(() => Model.Load(folder.File("hinge.safetensors")));

        var second = new Sequential(new Dense(8, Activation.Relu, inputShape: [2]), new Dense(1));
        var function = CustomExamples.SaveAndLoadLossFunction(second, x, y, folder.File("function.safetensors"));
        Assert.True(function.IsCompiled);
        Assert.Equal(second.Evaluate(x, y)["loss"], function.Evaluate(x, y)["loss"]);
    }

    [Fact]
    public void TheCustomOptimizerExampleSavesAndLoadsCompiledAndContinuesAsTheUninterruptedRun()
    {
        RandomGenerator.SetGlobalSeed(31);
        var x = Tensor.RandomUniform(new Shape(32, 3), -1f, 1f, new RandomGenerator(9));
        var y = Tensor.RandomUniform(new Shape(32, 1), -1f, 1f, new RandomGenerator(10));
        using var folder = new DeepSharp.Tests.Data.TempFolder();
        var model = new Sequential(new Dense(8, Activation.Tanh, inputShape: [3]), new Dense(1));
        var loaded = CustomExamples.SaveAndLoadCustomOptimizer(model, x, y, folder.File("damped.safetensors"));
        Assert.True(loaded.IsCompiled);
        Assert.IsType<DampedMomentum>(loaded.Optimizer);
        model.Fit(x, y, epochs: 1, verbose: 0, shuffle: false);
        loaded.Fit(x, y, epochs: 1, verbose: 0, shuffle: false);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        var missing = Assert.Throws<MissingCustomObjectException>(() => Model.Load(folder.File("damped.safetensors")));
        Assert.Equal("optimizer", missing.Kind);
    }

    /// <summary>tanh(x·W1)·W2 + x·W3: smooth, so that finite differences are exact to O(h²).</summary>
    private sealed class SmoothResidual : Model
    {
        private readonly Dense _first = new(3, Activation.Tanh), _second = new(1), _skip = new(1, useBias: false);

        public SmoothResidual()
        {
            Track(_first);
            Track(_second);
            Track(_skip);
        }

        public override Tensor Call(Tensor x, bool training = false) =>
            Ops.Add(_second.Call(_first.Call(x, training), training), _skip.Call(x, training));
    }

    private sealed class Forgets : Model
    {
        private readonly Dense _tracked;
        private readonly Dense _forgotten = new(1);

        public Forgets()
        {
            _tracked = Track(new Dense(2));
        }

        public override Tensor Call(Tensor x, bool training = false) => _forgotten.Call(_tracked.Call(x, training), training);
    }

    private sealed class NoCall : Model
    {
        public NoCall() => Track(new Dense(1));
    }

    [Fact]
    public void MistakesGiveClearErrors()
    {
        var forgets = new Forgets();
        var e = Assert.Throws<InvalidOperationException>(() => forgets.Compile(new Adam(), new MeanSquaredError()));
        Assert.Contains("'_forgotten'", e.Message);
        Assert.Contains("Track", e.Message);
        Assert.Throws<InvalidOperationException>(() => forgets.Build(new Shape(3)));

        var noCall = new NoCall();
        var c = Assert.Throws<InvalidOperationException>(() => noCall.Call(Tensor.Zeros(1, 2)));
        Assert.Contains("override Call", c.Message);

        RandomGenerator.SetGlobalSeed(27);
        var mlp = new Mlp(4, 1);
        using var folder = new TempFolder();
        Assert.Throws<InvalidOperationException>(() => mlp.LoadWeights(folder.File("none.safetensors"))); // not built
        mlp.Build(new Shape(3));
        var save = Assert.Throws<InvalidOperationException>(() => mlp.Save(folder.File("m.safetensors")));
        Assert.Contains("subclassed", save.Message);
        Assert.Contains("SaveWeights", save.Message);
        Assert.False(File.Exists(folder.File("m.safetensors")));
        Assert.Throws<InvalidOperationException>(() => mlp.ExportOnnx(folder.File("m.onnx")));
        Assert.Throws<InvalidOperationException>(() => mlp.GetConfig());

        // Weights of another architecture do not load silently.
        mlp.SaveWeights(folder.File("small.safetensors"));
        var wider = new Mlp(5, 1);
        wider.Build(new Shape(3));
        Assert.Throws<DeepSharp.Serialization.WeightMismatchException>(() => wider.LoadWeights(folder.File("small.safetensors")));
    }
}
