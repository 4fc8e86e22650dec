using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Training;

/// <summary>Keras's <c>keras.Model(inputs, outputs)</c>: a concrete Model built from a graph, alongside Sequential and Functional.</summary>
public class ModelConstructorTests
{
    private static (SymbolicTensor Input, SymbolicTensor Output) ResidualGraph()
    {
        var input = Model.Input([8]);
        var h = new Dense(16, Activation.Relu).Call(input);
        var sum = new Add().Call(h, new Dense(16).Call(new BatchNormalization().Call(h)));
        return (input, new Dense(2, Activation.Softmax).Call(sum));
    }

    [Fact]
    public void ModelFromOneInputAndOutputTrainsSavesAndLoads()
    {
        RandomGenerator.SetGlobalSeed(11);
        var (input, output) = ResidualGraph();
        var model = new Model(input, output);
        Assert.Equal(typeof(Model), model.GetType());
        Assert.Equal("functional", model.Name);
        Assert.Equal((1, 1), (model.InputCount, model.OutputCount));
        Assert.Same(input, model.Inputs[0]);
        Assert.Contains("Connected to", model.Summary(_ => { }));

        var rng = new RandomGenerator(12);
        var x = Tensor.RandomNormal(new Shape(128, 8), generator: rng);
        var y = Tensor.IntZeros(new Shape(128));
        for (int i = 0; i < 128; i++) y.IntSpan[i] = x[i, 0] - x[i, 3] > 0 ? 1 : 0;
        model.Compile(new Adam(0.01f), new SparseCategoricalCrossentropy());
        var losses = model.Fit(x, y, batchSize: 16, epochs: 4, verbose: 0)["loss"];
        Assert.True(losses[^1] < 0.7 * losses[0], $"loss {losses[0]} → {losses[^1]}");

        using var folder = new TempFolder();
        string path = folder.File("model.safetensors");
        model.Save(path);
        var loaded = Assert.IsType<Functional>(Model.Load(path)); // Keras's load_model gives a Functional too
        Assert.Equal(model.GetConfig().ToJsonString(), loaded.GetConfig().ToJsonString());
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        Assert.Equal(model.GetConfig().ToJsonString(), Functional.FromConfig(model.GetConfig()).GetConfig().ToJsonString());
    }

    [Fact]
    public void ModelWithSeveralInputsAndOutputsRunsThemInOrder()
    {
        var a = Model.Input([4], name: "a");
        var b = Model.Input([3], name: "b");
        var joined = new Concatenate().Call(a, b);
        var first = new Dense(2, name: "first").Call(joined);
        var second = new Dense(1, name: "second").Call(b);
        var model = new Model([a, b], [first, second], name: "two_by_two");
        Assert.Equal((2, 2), (model.InputCount, model.OutputCount));
        Assert.Equal(["first", "second"], model.Outputs.Select(o => o.Layer.Name));

        var xa = GradCheck.Random(1, 5, 4);
        var xb = GradCheck.Random(2, 5, 3);
        var outputs = model.Call([xa, xb]);
        Assert.Equal([new Shape(5, 2), new Shape(5, 1)], outputs.Select(o => o.Shape));
        var e = Assert.Throws<ArgumentException>(() => model.Call([xa]));
        Assert.Contains("takes 2 inputs (a (None, 4), b (None, 3)); got 1", e.Message);
        Assert.Throws<InvalidOperationException>(() => model.Call(xa));
        var shape = Assert.Throws<ShapeMismatchException>(() => model.Call([xb, xa]));
        Assert.Contains("input 'a' expects (None, 4)", shape.Message);
    }

    [Fact]
    public void FunctionalIsAModelAndSequentialStaysASubclass()
    {
        var (input, output) = ResidualGraph();
        Model functional = new Functional(input, output, name: "f");
        Assert.Equal(["input_layer", "dense", "batch_normalization", "dense_1", "add", "dense_2"], functional.Layers.Select(l => l.Name));
        Assert.Equal(2, functional.Call(GradCheck.Random(3, 2, 8)).Shape[1]);

        Model sequential = new Sequential(new Dense(3, inputShape: [2]), new Dense(1));
        Assert.Equal((1, 1), (sequential.InputCount, sequential.OutputCount));
        Assert.Single(sequential.Call([GradCheck.Random(4, 2, 2)]));
        Assert.Throws<ArgumentException>(() => sequential.Call([GradCheck.Random(4, 2, 2), GradCheck.Random(5, 2, 2)]));
        var e = Assert.Throws<InvalidOperationException>(() => sequential.Inputs);
        Assert.Contains("Sequential", e.Message);
        var config = sequential.GetConfig();
        Assert.Equal(2, config["layers"]!.AsArray().Count);
        Assert.Equal("[null,2]", config["build_input_shape"]!.ToJsonString());
    }

    [Fact]
    public void BadGraphsAreRejected()
    {
        var a = Model.Input([3]);
        var stray = Model.Input([3]);
        var e = Assert.Throws<ArgumentException>(() => new Model(a, new Add().Call(new Dense(3).Call(a), stray)));
        Assert.Contains("disconnected", e.Message);
        var notAnInput = new Dense(3).Call(a);
        e = Assert.Throws<ArgumentException>(() => new Model(notAnInput, new Dense(1).Call(notAnInput)));
        Assert.Contains("Model.Input", e.Message);
    }
}
