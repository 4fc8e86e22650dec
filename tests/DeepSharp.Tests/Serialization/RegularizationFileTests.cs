using System.Text.Json.Nodes;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Layers;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Serialization;

/// <summary>
/// Regularizers and constraints in layer configs and model files: Keras's JSON form, hostile values
/// refused with the layer named, a saved model that trains identically after Load, and ONNX export
/// (training-only settings leave inference alone).
/// </summary>
public class RegularizationFileTests
{
    private static Sequential Create()
    {
        RandomGenerator.SetGlobalSeed(21);
        return new Sequential(
            new Embedding(10, 4, embeddingsRegularizer: new L2(0.02f), activityRegularizer: new L1(0.001f),
                embeddingsConstraint: new MaxNorm(1f, [1]), inputShape: [5]),
            new Conv1D(3, 2, activation: Activation.Relu, kernelRegularizer: new L1L2(0.01f, 0.02f), biasRegularizer: new L2(),
                activityRegularizer: new L2(0.001f), kernelConstraint: new MaxNorm(2f, [0, 1]), biasConstraint: new NonNeg()),
            new Lstm(4, kernelRegularizer: new L2(), recurrentRegularizer: new L1(0.002f), biasRegularizer: new L1(),
                activityRegularizer: new L2(0.003f), kernelConstraint: new UnitNorm(), recurrentConstraint: new MinMaxNorm(0.1f, 1.5f, 0.5f),
                biasConstraint: new NonNeg()),
            new Dense(2, kernelRegularizer: new L2(0.05f), kernelConstraint: new MaxNorm(1.5f)));
    }

    private static (Tensor X, Tensor Y) Data()
    {
        var generator = new RandomGenerator(4);
        var ids = new float[6 * 5];
        for (int i = 0; i < ids.Length; i++) ids[i] = generator.NextInt(10);
        return (Tensor.FromArray(ids, 6, 5), Tensor.RandomNormal(new Shape(6, 2), generator: generator));
    }

    [Fact]
    public void LayerConfigsHoldKerasForms()
    {
        var config = Create().Layers[1].GetConfig();
        Assert.Equal("""{"module":"keras.regularizers","class_name":"L1L2","config":{"l1":0.01,"l2":0.02},"registered_name":null}""",
            config["kernel_regularizer"]!.ToJsonString());
        Assert.Equal("""{"max_value":2,"axis":[0,1]}""", config["kernel_constraint"]!["config"]!.ToJsonString());
        Assert.Equal("L2", (string?)config["activity_regularizer"]!["class_name"]);
        Assert.Null(new Dense(3).GetConfig()["kernel_regularizer"]); // absent when not set
    }

    [Fact]
    public void AKerasDenseConfigIsRead()
    {
        var json = JsonNode.Parse("""
            {"name": "d", "units": 3, "kernel_regularizer": {"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.001}, "registered_name": null},
             "bias_regularizer": null, "activity_regularizer": "l1", "kernel_constraint": {"class_name": "MaxNorm", "config": {"max_value": 3, "axis": 0}},
             "bias_constraint": null}
            """)!.AsObject();
        var dense = Assert.IsType<Dense>(LayerRegistry.Create("Dense", json));
        Assert.Equal(0.001f, Assert.IsType<L2>(dense.KernelRegularizer).Factor);
        Assert.Null(dense.BiasRegularizer);
        Assert.Equal(0.01f, Assert.IsType<L1>(dense.ActivityRegularizer).Factor);
        Assert.Equal(3f, Assert.IsType<MaxNorm>(dense.KernelConstraint).MaxValue);
    }

    [Theory]
    [InlineData("Dense", """{"name": "head", "units": 2, "kernel_regularizer": {"class_name": "L2", "config": {"l2": -0.5}}}""", "'head'", "kernel_regularizer")]
    [InlineData("Dense", """{"name": "head", "units": 2, "bias_regularizer": {"class_name": "L1", "config": {"l1": 1e999}}}""", "'head'", "bias_regularizer")]
    [InlineData("Conv2D", """{"name": "c", "filters": 2, "kernel_size": 3, "kernel_regularizer": {"class_name": "Evil", "config": {}}}""", "'c'", "Unknown regularizer 'Evil'")]
    [InlineData("Embedding", """{"name": "e", "input_dim": 4, "output_dim": 2, "embeddings_constraint": {"class_name": "MaxNorm", "config": {"max_value": "big"}}}""", "'e'", "embeddings_constraint")]
    [InlineData("LSTM", """{"name": "l", "units": 2, "recurrent_constraint": {"class_name": "UnitNorm", "config": {"axis": 99}}}""", "'l'", "recurrent_constraint")]
    [InlineData("GRU", """{"name": "g", "units": 2, "activity_regularizer": 5}""", "'g'", "activity_regularizer")]
    public void HostileValuesNameTheLayer(string type, string json, string layer, string detail)
    {
        var e = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create(type, JsonNode.Parse(json)!.AsObject()));
        Assert.Contains(layer, e.Message);
        Assert.Contains(detail, e.Message);
    }

    [Fact]
    public void AConstraintAxisOutsideTheWeightFailsAtBuildNamingIt()
    {
        var dense = new Dense(3, kernelConstraint: new MaxNorm(2f, [2]), name: "head");
        var e = Assert.Throws<DeepSharpException>(() => dense.Build(new Shape(4)));
        Assert.Contains("head/kernel", e.Message);
    }

    [Fact]
    public void ASavedModelTrainsIdenticallyAfterLoad()
    {
        var (x, y) = Data();
        var model = Create();
        model.Compile(new Sgd(0.1f), new MeanSquaredError());
        model.TrainOnBatch(x, y);
        using var folder = new TempFolder();
        string path = folder.File("regularized.safetensors");
        model.Save(path);

        var loaded = Model.Load(path);
        Assert.Equal(model.Layers.Select(l => l.GetConfig().ToJsonString()), loaded.Layers.Select(l => l.GetConfig().ToJsonString()));
        loaded.Compile(new Sgd(0.1f), new MeanSquaredError());
        var logs = model.TrainOnBatch(x, y);
        var loadedLogs = loaded.TrainOnBatch(x, y);
        Assert.Equal(logs["loss"], loadedLogs["loss"]);
        var a = model.Parameters.ToArray();
        var b = loaded.Parameters.ToArray();
        for (int i = 0; i < a.Length; i++) Assert.Equal(a[i].Value.ToArray(), b[i].Value.ToArray());
        Assert.Equal(model.Evaluate(x, y)["loss"], loaded.Evaluate(x, y)["loss"]);
    }

    [Fact]
    public void OnnxExportIgnoresTrainingOnlySettings()
    {
        var (x, _) = Data();
        var model = Create();
        model.Build(new Shape(5));
        OnnxRunner.AssertMatches(model, [x], "regularized model");
    }
}
