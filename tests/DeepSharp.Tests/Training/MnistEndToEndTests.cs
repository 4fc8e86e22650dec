using DeepSharp.Data;
using DeepSharp.Data.Datasets;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Training;

/// <summary>The seed's example on the real MNIST (fetched by the product into its cache).</summary>
public class MnistEndToEndTests
{
    [Fact]
    public void SeedModelReaches97PercentAfterOneEpoch()
    {
        RandomGenerator.SetGlobalSeed(42);
        var ((xTrain, yTrain), (xTest, yTest)) = Mnist.Load();
        Assert.Equal(new Shape(60000, 28, 28, 1), xTrain.Shape);
        Assert.Equal(new Shape(10000), yTest.Shape);

        var model = SeedModel.Create();
        var history = model.Fit(xTrain, DataUtils.ToCategorical(yTrain, 10), batchSize: 128, epochs: 1, verbose: 0);
        var test = model.Evaluate(xTest, DataUtils.ToCategorical(yTest, 10), batchSize: 1000);
        Assert.True(test["accuracy"] >= 0.97, $"test accuracy {test["accuracy"]:F4}, loss {test["loss"]:F4}, train loss {history["loss"][0]:F4}");
    }
}
