using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Serialization;

/// <summary>Functional models in model files: save → load rebuilds the graph and gives identical outputs.</summary>
public class FunctionalFileTests
{
    internal static Functional Residual()
    {
        var input = Model.Input([8]);
        var h = new Dense(16, Activation.Relu).Call(input);
        var r = new Dense(16).Call(new BatchNormalization().Call(h));
        var sum = new Add().Call(h, r);
        var output = new Dense(3, Activation.Softmax).Call(new ActivationLayer("gelu").Call(sum));
        return new Functional(input, output, name: "residual");
    }

    internal static Functional TwoInputs()
    {
        var a = Model.Input([4], name: "a");
        var b = Model.Input([3], name: "b");
        var joined = new Concatenate().Call(new Dense(6, Activation.Tanh).Call(a), b);
        var gate = new Dense(9, Activation.Sigmoid).Call(joined);
        var output = new Dense(2).Call(new Multiply().Call(joined, gate));
        return new Functional([a, b], [output, gate], name: "two_inputs");
    }

    private static void AssertBitwiseEqual(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.ToArray();
        var a = actual.ToArray();
        for (int i = 0; i < e.Length; i++) Assert.Equal(BitConverter.SingleToInt32Bits(e[i]), BitConverter.SingleToInt32Bits(a[i]));
    }

    [Fact]
    public void ResidualModelRoundTrips()
    {
        RandomGenerator.SetGlobalSeed(5);
        var model = Residual();
        var x = Tensor.RandomNormal(new Shape(32, 8), generator: new RandomGenerator(6));
        var y = Tensor.IntZeros(new Shape(32));
        for (int i = 0; i < 32; i++) y.IntSpan[i] = i % 3;
        model.Compile(new Adam(0.01f), new SparseCategoricalCrossentropy());
        model.Fit(x, y, batchSize: 8, epochs: 1, verbose: 0); // moves BatchNormalization's statistics off their defaults

        using var folder = new TempFolder();
        string path = folder.File("residual.safetensors");
        model.Save(path);
        var loaded = Assert.IsType<Functional>(Model.Load(path));
        Assert.Equal("residual", loaded.Name);
        Assert.Equal(model.Summary(_ => { }), loaded.Summary(_ => { }));
        AssertBitwiseEqual(model.Predict(x), loaded.Predict(x));

        string again = folder.File("again.safetensors");
        loaded.Save(again);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(again));
    }

    [Fact]
    public void TwoInputModelRoundTrips()
    {
        RandomGenerator.SetGlobalSeed(7);
        var model = TwoInputs();
        using var folder = new TempFolder();
        string path = folder.File("two.safetensors");
        model.Save(path);
        var loaded = Assert.IsType<Functional>(Model.Load(path));
        Assert.Equal(["a", "b"], loaded.Inputs.Select(i => i.Layer.Name));

        var rng = new RandomGenerator(8);
        Tensor[] inputs = [Tensor.RandomNormal(new Shape(5, 4), generator: rng), Tensor.RandomNormal(new Shape(5, 3), generator: rng)];
        var expected = model.Call(inputs);
        var actual = loaded.Call(inputs);
        Assert.Equal(2, actual.Count);
        for (int i = 0; i < 2; i++) AssertBitwiseEqual(expected[i], actual[i]);
    }

    [Fact]
    public void WeightsOfAFunctionalModelLoadIntoAFreshOne()
    {
        RandomGenerator.SetGlobalSeed(9);
        var model = TwoInputs();
        using var folder = new TempFolder();
        string path = folder.File("w.safetensors");
        model.SaveWeights(path);
        var fresh = TwoInputs();
        fresh.LoadWeights(path);
        Assert.Equal(model.Parameters.Select(p => p.Value.ToArray()), fresh.Parameters.Select(p => p.Value.ToArray()));
    }

    [Fact]
    public void ABrokenFunctionalConfigIsADataFormatError()
    {
        RandomGenerator.SetGlobalSeed(9);
        using var folder = new TempFolder();
        string path = folder.File("m.safetensors");
        TwoInputs().Save(path);
        var file = SafetensorsFile.Load(path);
        string json = file.Metadata[ModelFileFormat.ConfigKey];
        foreach (var broken in new[] { json.Replace("\"Dense\"", "\"Evil\""), json.Replace("\"output_layers\"", "\"outputs\""), json.Replace("\"keras_history\":[\"a\"", "\"keras_history\":[7") })
        {
            Assert.NotEqual(json, broken);
            file.Metadata[ModelFileFormat.ConfigKey] = broken;
            file.Save(path);
            Assert.Throws<DataFormatException>(() => Model.Load(path));
        }
    }
}
