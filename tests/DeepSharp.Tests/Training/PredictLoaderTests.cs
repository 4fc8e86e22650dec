using DeepSharp.Data;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Training;

/// <summary>
/// <c>Predict(DataLoader)</c>, which docs/data.md promised beside Fit and Evaluate (a user's program did not compile):
/// the rows of <c>Predict(x)</c>, in the loader's order, for one input or several; several outputs are refused.
/// </summary>
public class PredictLoaderTests
{
    [Fact]
    public void GivesTheRowsOfPredictOnTheTensors()
    {
        RandomGenerator.SetGlobalSeed(5);
        var model = new Sequential(new Dense(4, "relu", inputShape: [3]), new Dense(2, "softmax"));
        var x = Tensor.RandomUniform(new Shape(10, 3));
        var loader = new DataLoader(new TensorDataset(x, Tensor.Zeros(10, 1)), batchSize: 3, shuffle: false);   // 3 + 3 + 3 + 1
        var byLoader = model.Predict(loader);
        Assert.Equal(new Shape(10, 2), byLoader.Shape);
        Assert.Equal(model.Predict(x).ToArray(), byLoader.ToArray());
    }

    [Fact]
    public void FeedsEveryInputOfAGraphModel()
    {
        RandomGenerator.SetGlobalSeed(6);
        var a = Model.Input([2], name: "a");
        var b = Model.Input([3], name: "b");
        var model = new Model([a, b], new Dense(1).Call(new Concatenate().Call(a, b)));
        var xa = Tensor.RandomUniform(new Shape(5, 2));
        var xb = Tensor.RandomUniform(new Shape(5, 3));
        var loader = new DataLoader(new TensorDataset([xa, xb], [Tensor.Zeros(5, 1)]), batchSize: 2, shuffle: false);
        Assert.Equal(model.Predict([xa, xb])[0].ToArray(), model.Predict(loader).ToArray());
    }

    [Fact]
    public void SeveralOutputsAreRefusedWithTheModelsName()
    {
        var input = Model.Input([2]);
        var model = new Model(input, [new Dense(1).Call(input), new Dense(2).Call(input)], name: "two_heads");
        var loader = new DataLoader(new TensorDataset(Tensor.Zeros(4, 2), Tensor.Zeros(4, 1)), batchSize: 2);
        var e = Assert.Throws<InvalidOperationException>(() => model.Predict(loader));
        Assert.Contains("two_heads", e.Message);
        Assert.Contains("2 outputs", e.Message);
    }
}
