using System.Text.Json.Nodes;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Tests.Training;

/// <summary>
/// The model API a Keras user reaches for (issue 13's siblings): get_layer, trainable = False
/// respected by Fit and Summary and kept by files, model.layers, get/set_weights, predict with a
/// batch size, Sequential add/pop, to_json/model_from_json, and the logs of on_train_batch_end.
/// </summary>
public class KerasModelApiTests
{
    private static Sequential Mlp()
    {
        RandomGenerator.SetGlobalSeed(21);
        return new Sequential(new Dense(5, Activation.Tanh, inputShape: [3], name: "hidden"), new Dense(2, name: "head"));
    }

    private static (Tensor X, Tensor Y) Data(int n = 16)
    {
        var g = new RandomGenerator(3);
        return (Tensor.RandomNormal(new Shape(n, 3), generator: g), Tensor.RandomNormal(new Shape(n, 2), generator: g));
    }

    [Fact]
    public void GetLayerByNameAndIndexAndLayersInOrder()
    {
        var model = Mlp();
        Assert.Equal(["hidden", "head"], model.Layers.Select(l => l.Name));
        Assert.Same(model.Layers[1], model.GetLayer("head"));
        Assert.Same(model.Layers[0], model.GetLayer(0));
        var e = Assert.Throws<ArgumentException>(() => model.GetLayer("nope"));
        Assert.Contains("hidden, head", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.GetLayer(2));
    }

    [Fact]
    public void AFrozenLayerKeepsItsWeightsInFitAndCountsAsNonTrainable()
    {
        var model = Mlp();
        var hidden = model.GetLayer("hidden");
        hidden.Trainable = false;
        Assert.All(hidden.Parameters, p => Assert.False(p.Trainable));
        Assert.Equal(2 * 5 + 2, model.TrainableParameters.Sum(p => p.Value.Size));
        string summary = model.Summary(_ => { });
        Assert.Contains("Non-trainable params: 20", summary);

        var before = hidden.GetWeights().Select(w => w.ToArray()).ToArray();
        var head = model.GetLayer("head").GetWeights()[0].ToArray();
        model.Compile(new Adam(0.05f), new MeanSquaredError());
        var (x, y) = Data();
        model.Fit(x, y, batchSize: 4, epochs: 2, verbose: 0);
        var after = hidden.GetWeights().Select(w => w.ToArray()).ToArray();
        Assert.Equal(before, after);
        Assert.NotEqual(head, model.GetLayer("head").GetWeights()[0].ToArray());

        // Unfrozen, it trains again.
        hidden.Trainable = true;
        model.Fit(x, y, batchSize: 4, epochs: 1, verbose: 0);
        Assert.NotEqual(before[0], hidden.GetWeights()[0].ToArray());
    }

    [Fact]
    public void AFrozenBatchNormalizationRunsInInferenceModeInFit()
    {
        RandomGenerator.SetGlobalSeed(8);
        var norm = new BatchNormalization(name: "norm");
        var model = new Sequential(new Dense(4, inputShape: [3], name: "hidden"), norm, new Dense(2, name: "head"));
        model.Build(new Shape(3));
        var (x, y) = Data();
        norm.Trainable = false;
        var moving = norm.Parameters.Where(p => p.Name.Contains("moving")).Select(p => p.Value.ToArray()).ToArray();
        Assert.Equal(2, moving.Length);

        // In training mode a frozen BatchNormalization gives what it gives at inference.
        var inferred = model.Call(x, training: false).ToArray(); // not Predict: it folds the normalization into the Dense
        Assert.Equal(inferred, model.Call(x, training: true).ToArray());

        model.Compile(new Adam(0.05f), new MeanSquaredError());
        model.Fit(x, y, batchSize: 4, epochs: 2, verbose: 0);
        Assert.Equal(moving, norm.Parameters.Where(p => p.Name.Contains("moving")).Select(p => p.Value.ToArray()).ToArray());

        // Unfrozen, training updates the moving statistics again.
        norm.Trainable = true;
        model.Compile(new Adam(0.05f), new MeanSquaredError());
        model.Fit(x, y, batchSize: 4, epochs: 1, verbose: 0);
        Assert.NotEqual(moving[0], norm.Parameters.First(p => p.Name.Contains("moving")).Value.ToArray());
    }

    [Fact]
    public void AFrozenLayersRegularizerLeavesTheLoss()
    {
        RandomGenerator.SetGlobalSeed(4);
        var model = new Sequential(new Dense(2, inputShape: [3], kernelRegularizer: new L2(10f)));
        model.Compile(new Sgd(0.1f), new MeanSquaredError());
        var (x, y) = Data(4);
        double withPenalty = model.TestOnBatch(x, y)["loss"];
        model.Layers[0].Trainable = false;
        model.Compile(new Sgd(0.1f), new MeanSquaredError()); // as in Keras: compile again after changing trainable
        double frozen = model.TestOnBatch(x, y)["loss"];
        Assert.True(withPenalty > frozen + 0.1, $"{withPenalty} vs {frozen}");
    }

    [Fact]
    public void FrozenIsKeptInConfigsFilesAndJson()
    {
        var model = Mlp();
        model.GetLayer("hidden").Trainable = false;
        Assert.False(model.GetLayer("hidden").GetConfig()["trainable"]!.GetValue<bool>());
        Assert.Null(model.GetLayer("head").GetConfig()["trainable"]);
        using var folder = new TempFolder();
        model.Save(folder.File("m.safetensors"));
        var loaded = Model.Load(folder.File("m.safetensors"));
        Assert.False(loaded.GetLayer("hidden").Trainable);
        Assert.True(loaded.GetLayer("head").Trainable);
        Assert.False(Model.FromJson(model.ToJson()).GetLayer("hidden").Trainable);
    }

    [Fact]
    public void GetAndSetWeightsCopyAndCheckShapes()
    {
        var model = Mlp();
        var weights = model.GetLayer("head").GetWeights();
        Assert.Equal([new Shape(5, 2), new Shape(2)], weights.Select(w => w.Shape));
        weights[0].Span[0] = 123f; // a copy: the layer does not change
        Assert.NotEqual(123f, model.GetLayer("head").GetWeights()[0].ToArray()[0]);
        model.GetLayer("head").SetWeights(weights);
        Assert.Equal(123f, model.GetLayer("head").GetWeights()[0].ToArray()[0]);
        Assert.ThrowsAny<DeepSharpException>(() => model.GetLayer("head").SetWeights([weights[1], weights[0]]));
    }

    [Fact]
    public void PredictWithABatchSizeGivesTheSameAnswerForEverySize()
    {
        var model = Mlp();
        var (x, _) = Data(10);
        var all = model.Predict(x, batchSize: 32).ToArray();
        foreach (int b in new[] { 1, 3, 7, 10 })
            Assert.Equal(all, model.Predict(x, batchSize: b).ToArray());
    }

    [Fact]
    public void SequentialAddAndPopReplaceTheHead()
    {
        var model = Mlp();
        var backbone = model.GetLayer("hidden").GetWeights()[0].ToArray();
        var popped = model.Pop();
        Assert.Equal("head", popped.Name);
        Assert.Equal(["hidden"], model.Layers.Select(l => l.Name));
        model.Add(new Dense(4, name: "new_head"));
        Assert.True(model.IsBuilt);
        var (x, _) = Data(6);
        Assert.Equal(new Shape(6, 4), model.Predict(x).Shape);
        Assert.Equal(backbone, model.GetLayer("hidden").GetWeights()[0].ToArray());
        model.Pop();
        model.Pop();
        Assert.Throws<InvalidOperationException>(() => model.Pop());
    }

    [Fact]
    public void ToJsonAndFromJsonRebuildTheArchitecture()
    {
        var model = Mlp();
        string json = model.ToJson();
        Assert.Equal("Sequential", JsonNode.Parse(json)!["class_name"]!.GetValue<string>());
        var rebuilt = Model.FromJson(json);
        Assert.Equal(model.Layers.Select(l => l.GetConfig().ToJsonString()), rebuilt.Layers.Select(l => l.GetConfig().ToJsonString()));
        Assert.True(rebuilt.IsBuilt);
        Assert.Equal(json, rebuilt.ToJson());

        var functional = FunctionalFileTests.Residual();
        Assert.Equal(functional.ToJson(), Model.FromJson(functional.ToJson()).ToJson());

        var e = Assert.Throws<DataFormatException>(() => Model.FromJson("""{"class_name": "Evil", "config": {}}"""));
        Assert.Contains("Evil", e.Message);
        Assert.ThrowsAny<DeepSharpException>(() => Model.FromJson("not json"));
    }

    [Fact]
    public void TrainBatchEndLogsHoldTheRunningLossAndMetrics()
    {
        var model = Mlp();
        model.Compile(new Sgd(0.05f), new MeanSquaredError(), metrics: [new DeepSharp.Metrics.MeanAbsoluteError()]);
        var (x, y) = Data(12);
        var seen = new List<(int Step, Dictionary<string, double> Logs)>();
        var history = model.Fit(x, y, batchSize: 4, epochs: 1, verbose: 0, callbacks: [new LambdaCallback
        {
            BatchEnd = (step, logs) => seen.Add((step, new Dictionary<string, double>(logs))),
        }]);
        Assert.Equal([0, 1, 2], seen.Select(s => s.Step));
        Assert.All(seen, s => Assert.True(s.Logs.ContainsKey("loss") && s.Logs.ContainsKey("mean_absolute_error"), string.Join(",", s.Logs.Keys)));
        Assert.Equal(history.Values["loss"][0], seen[^1].Logs["loss"], 6);
    }
}
