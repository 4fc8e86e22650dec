using DeepSharp.Autograd;
using DeepSharp.Data;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Data;

/// <summary>
/// PyTorch's <c>for x, y in loader:</c>, written from docs/data.md as <c>foreach (var (x, y) in loader)</c>, did not
/// compile (docaudit2): a loader enumerates one pass per foreach, and a batch deconstructs into input and target.
/// </summary>
public class DataLoaderEnumerationTests
{
    private static TensorDataset Rows(int count) =>
        new(Tensor.Arange(count).Reshape(count, 1), Tensor.Arange(count).Reshape(count, 1) * 10f);

    [Fact]
    public void ForeachOverALoaderIsOnePassInOrder()
    {
        var loader = new DataLoader(Rows(5), batchSize: 2, shuffle: false);
        var seen = new List<float>();
        var targets = new List<float>();
        foreach (var (x, y) in loader)
        {
            seen.AddRange(x.ToArray());
            targets.AddRange(y.ToArray());
        }
        Assert.Equal([0f, 1f, 2f, 3f, 4f], seen);
        Assert.Equal([0f, 10f, 20f, 30f, 40f], targets);
    }

    [Fact]
    public void EachForeachIsANewShuffledPassOverEverySample()
    {
        var loader = new DataLoader(Rows(50), batchSize: 8, shuffle: true, generator: new RandomGenerator(3));
        var first = new List<float>();
        foreach (Batch batch in loader) first.AddRange(batch.X.ToArray());
        var second = new List<float>();
        foreach (var (x, _) in loader) second.AddRange(x.ToArray());
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (float)i), first.Order());
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (float)i), second.Order());
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void ABatchDeconstructsIntoInputAndTargetOrAllThree()
    {
        var weights = Tensor.Ones(2);
        var batch = new Batch(Tensor.Zeros(2, 3), Tensor.Ones(2, 1), weights);
        var (x, y) = batch;
        Assert.Same(batch.X, x);
        Assert.Same(batch.Y, y);
        var (_, _, w) = batch;
        Assert.Same(weights, w);
    }
}
