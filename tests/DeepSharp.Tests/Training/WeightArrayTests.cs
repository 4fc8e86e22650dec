using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Training;

/// <summary>
/// Issue 13, item 8: GetWeights/SetWeights on layers and models (copies, checked counts, dtypes and
/// shapes) and LoadWeights with Keras's skipMismatch and byName.
/// </summary>
public sealed class WeightArrayTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static Sequential Model(int hidden = 3, int outputs = 2)
    {
        var model = new Sequential(new Dense(hidden, Activation.Relu, name: "hidden", inputShape: [4]), new Dense(outputs, name: "out"));
        model.Compile(new Sgd(0.1f), new MeanSquaredError());
        return model;
    }

    [Fact]
    public void GetWeightsReturnsCopiesInWeightOrder()
    {
        var model = Model();
        var weights = model.GetWeights();
        Assert.Equal(4, weights.Count);
        Assert.Equal(new Shape(4, 3), weights[0].Shape); // dense kernel, then bias, then the next layer's
        Assert.Equal(new Shape(3), weights[1].Shape);
        Assert.Equal(new Shape(3, 2), weights[2].Shape);

        var kernel = model.Layers[0].Parameters[0].Value.ToArray();
        weights[0].Span.Fill(42f);
        model.Layers[0].GetWeights()[0].Span.Fill(42f);
        Assert.Equal(kernel, model.Layers[0].Parameters[0].Value.ToArray());
        Assert.Empty(new Dense(3).GetWeights()); // not built
    }

    [Fact]
    public void SetWeightsRoundTripsAndCopies()
    {
        var source = Model();
        var target = Model();
        var weights = source.GetWeights();
        target.SetWeights(weights);
        var x = Tensor.RandomNormal(new Shape(5, 4), generator: new RandomGenerator(2));
        Assert.Equal(source.Predict(x).ToArray(), target.Predict(x).ToArray());

        weights[0].Span.Fill(7f); // the model keeps its own copy
        Assert.NotEqual(7f, target.Layers[0].Parameters[0].Value.Span[0]);

        var bias = Tensor.FromArray([1f, 2f], 2);
        target.Layers[1].SetWeights([target.Layers[1].GetWeights()[0], bias]);
        Assert.Equal([1f, 2f], target.Layers[1].Parameters[1].Value.ToArray());
    }

    [Fact]
    public void SetWeightsRejectsWrongCountsShapesAndDtypesAndChangesNothing()
    {
        var model = Model();
        var before = model.GetWeights().Select(w => w.ToArray()).ToArray();
        var weights = model.GetWeights();

        var count = Assert.Throws<ArgumentException>(() => model.SetWeights(weights.Take(3).ToArray()));
        Assert.Contains("4 weights", count.Message);
        Assert.Contains("got 3", count.Message);

        var wrong = weights.ToArray();
        wrong[2] = Tensor.Zeros(3, 5);
        var shape = Assert.Throws<ShapeMismatchException>(() => model.SetWeights(wrong));
        Assert.Contains("out/kernel", shape.Message);
        Assert.Contains("model '", shape.Message);
        Assert.Contains("(3, 2)", shape.Message);
        Assert.Contains("(3, 5)", shape.Message);

        wrong[2] = Tensor.FromArray(new int[6], 3, 2);
        Assert.Throws<ArgumentException>(() => model.SetWeights(wrong));

        var layer = Assert.Throws<ShapeMismatchException>(() => model.Layers[0].SetWeights([Tensor.Zeros(4, 3), Tensor.Zeros(4)]));
        Assert.Contains($"layer '{model.Layers[0].Name}'", layer.Message);
        Assert.Throws<ArgumentException>(() => new Dense(3).SetWeights([Tensor.Zeros(4, 3)]));

        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], model.GetWeights()[i].ToArray());
    }

    [Fact]
    public void LoadWeightsSkipMismatchLeavesTheDifferingWeights()
    {
        var saved = Model(hidden: 3, outputs: 2);
        string path = _temp.File("w.safetensors");
        saved.SaveWeights(path);
        var other = Model(hidden: 3, outputs: 5);
        var keptKernel = other.Layers[1].Parameters[0].Value.ToArray();

        Assert.Throws<WeightMismatchException>(() => other.LoadWeights(path));
        var skipped = other.LoadWeights(path, skipMismatch: true);

        Assert.Equal(2, skipped.Count); // the last layer's kernel and bias
        Assert.All(skipped, s => Assert.Contains(other.Layers[1].Name, s));
        Assert.Equal(saved.Layers[0].Parameters[0].Value.ToArray(), other.Layers[0].Parameters[0].Value.ToArray());
        Assert.Equal(keptKernel, other.Layers[1].Parameters[0].Value.ToArray());
    }

    [Fact]
    public void LoadWeightsByNameLoadsWhatTheFileNames()
    {
        var saved = Model();
        string path = _temp.File("w.safetensors");
        saved.SaveWeights(path);
        // A larger model: the saved two layers' names, plus a third layer the file lacks.
        var bigger = new Sequential(new Dense(3, Activation.Relu, name: "hidden", inputShape: [4]), new Dense(2, name: "out"), new Dense(1, name: "extra"));
        var third = bigger.Layers[2].Parameters[0].Value.ToArray();

        Assert.Throws<WeightMismatchException>(() => bigger.LoadWeights(path));
        var skipped = bigger.LoadWeights(path, byName: true);

        Assert.Equal(2, skipped.Count);
        Assert.All(skipped, s => Assert.Contains("missing from the file", s));
        Assert.Equal(saved.Layers[1].Parameters[0].Value.ToArray(), bigger.Layers[1].Parameters[0].Value.ToArray());
        Assert.Equal(third, bigger.Layers[2].Parameters[0].Value.ToArray());

        // The smaller model by name: the file's extra tensors are ignored.
        string bigPath = _temp.File("big.safetensors");
        bigger.SaveWeights(bigPath);
        var small = Model();
        Assert.Empty(small.LoadWeights(bigPath, byName: true));
        Assert.Equal(bigger.Layers[1].Parameters[0].Value.ToArray(), small.Layers[1].Parameters[0].Value.ToArray());
    }
}
