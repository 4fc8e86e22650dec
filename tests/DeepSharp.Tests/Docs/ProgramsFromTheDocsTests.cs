using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Docs;

/// <summary>
/// What programs written from the README and docs alone, the Keras way, ran into (the users3 audit): Keras 3's
/// <c>Sequential([keras.Input(shape), ...])</c>, and <c>keras.Model(x, [out1, out2])</c> with one input and a list of outputs.
/// </summary>
public sealed class ProgramsFromTheDocsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly Tensor s_x = Tensor.RandomUniform(new Shape(10, 4), -1f, 1f, new RandomGenerator(3));

    [Fact]
    public void AnInputLayerFirstGivesASequentialItsShapeAndIsNotOneOfItsLayers()
    {
        RandomGenerator.SetGlobalSeed(8);
        var model = new Sequential(new InputLayer([4]), new Dense(5, "relu"), new Dense(3, "softmax"));
        RandomGenerator.SetGlobalSeed(8);
        var same = new Sequential(new Dense(5, "relu", inputShape: [4]), new Dense(3, "softmax"));

        Assert.True(model.IsBuilt);
        Assert.Equal(["dense", "dense_1"], model.Layers.Select(l => l.Name));
        Assert.Equal(same.Predict(s_x).ToArray(), model.Predict(s_x).ToArray());
        Assert.DoesNotContain("InputLayer", model.ToJson());
        // It saves, loads and exports as any Sequential (the InputLayer once made ExportOnnx fail: "InputLayer has no ONNX rule").
        string path = Path.Combine(_temp.Path, "m.safetensors");
        model.Save(path);
        Assert.Equal(model.Predict(s_x).ToArray(), Model.Load(path).Predict(s_x).ToArray());
        model.ExportOnnx(Path.Combine(_temp.Path, "m.onnx"));

        var added = new Sequential();
        added.Add(new InputLayer([4]));
        added.Add(new Dense(2));
        Assert.Equal(new Shape(10, 2), added.Predict(s_x).Shape);
    }

    [Fact]
    public void AnInputLayerAnywhereElseOrDisagreeingIsRefused()
    {
        var late = Assert.Throws<ArgumentException>(() => new Sequential(new Dense(5, inputShape: [4]), new InputLayer([5])));
        Assert.Contains("can only come first", late.Message);
        Assert.Throws<ArgumentException>(() => new Sequential(new InputLayer([4]), new InputLayer([4]), new Dense(2)));
        var disagree = Assert.Throws<ArgumentException>(() => new Sequential(new InputLayer([4]), new Dense(5, inputShape: [3])));
        Assert.Contains("(4,)", disagree.Message);
        Assert.Contains("(3,)", disagree.Message);
    }

    [Fact]
    public void AModelOfOneInputAndAListOfOutputsIsKerasModelOfXAndAList()
    {
        RandomGenerator.SetGlobalSeed(2);
        var x = Model.Input([4], name: "features");
        var h = new Dense(8, "relu").Call(x);
        var model = new Model(x, [new Dense(3, "softmax", name: "label").Call(h), new Dense(1, name: "value").Call(h)]);
        Assert.Equal((1, 2), (model.InputCount, model.OutputCount));
        Assert.Equal(["label", "value"], model.OutputNames);

        var a = Model.Input([4], name: "a");
        var b = Model.Input([2], name: "b");
        var joined = new Functional([a, b], new Dense(1).Call(new Concatenate().Call(a, b)));
        Assert.Equal((2, 1), (joined.InputCount, joined.OutputCount));

        model.Compile(new Adam(0.01f),
            new Dictionary<string, Loss> { ["label"] = "sparse_categorical_crossentropy", ["value"] = "mse" },
            metrics: new Dictionary<string, IReadOnlyList<Metric>> { ["label"] = ["accuracy"] });
        var labels = Tensor.FromArray(Enumerable.Range(0, 10).Select(i => i % 3).ToArray(), 10);
        var history = model.Fit([s_x], [labels, Tensor.Zeros(10, 1)], epochs: 2, verbose: 0);
        Assert.Equal(["loss", "label_loss", "value_loss", "label_accuracy"], history.Values.Keys);
    }
}
