using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn;

/// <summary>RepeatVector and Permute.</summary>
public class SequenceLayerTests
{
    [Fact] public void RepeatVector() => LayerHarness.Run(() => new RepeatVector(3), [4], [3, 4], 0);
    [Fact] public void Permute() => LayerHarness.Run(() => new Permute([2, 1]), [3, 4], [4, 3], 0);
    [Fact] public void PermuteOfImages() => LayerHarness.Run(() => new Permute([3, 1, 2]), [2, 3, 4], [4, 2, 3], 0, batch: 2);

    [Fact]
    public void RepeatVectorRepeatsEachSample()
    {
        var y = new RepeatVector(2).Call(Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3));
        Assert.Equal(new Shape(2, 2, 3), y.Shape);
        Assert.Equal([1f, 2f, 3f, 1f, 2f, 3f, 4f, 5f, 6f, 4f, 5f, 6f], y.ToArray());
    }

    [Fact]
    public void PermuteMovesAxesAsKeras()
    {
        // keras.layers.Permute((2, 1)) on (1, 2, 3): element [0, t, f] moves to [0, f, t].
        var y = new Permute([2, 1]).Call(Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 1, 2, 3));
        Assert.Equal(new Shape(1, 3, 2), y.Shape);
        Assert.Equal([1f, 4f, 2f, 5f, 3f, 6f], y.ToArray());
    }

    [Fact]
    public void BadConfigsAndInputsNameTheLayer()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RepeatVector(0));
        Assert.Throws<ArgumentException>(() => new Permute([1, 3]));
        Assert.Throws<ArgumentException>(() => new Permute([0, 1]));
        Assert.Throws<ArgumentException>(() => new Permute([2, 2]));
        var e = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("Permute", new JsonObject { ["name"] = "p", ["dims"] = new JsonArray(1, 1) }));
        Assert.Contains("'p'", e.Message);
        var rank = Assert.Throws<ShapeMismatchException>(() => new Permute([2, 1], name: "swap").Call(Tensor.Zeros(2, 3, 4, 5)));
        Assert.Contains("'swap'", rank.Message);
        Assert.Contains("(None, 3, 4, 5)", rank.Message);
        var sequence = Assert.Throws<ShapeMismatchException>(() => new RepeatVector(2, name: "rep").Call(Tensor.Zeros(2, 3, 4)));
        Assert.Contains("'rep'", sequence.Message);
        Assert.Equal("""{"name":"p","dims":[2,1]}""", new Permute([2, 1], name: "p").GetConfig().ToJsonString());
        Assert.Equal("""{"name":"r","n":4}""", new RepeatVector(4, name: "r").GetConfig().ToJsonString());
    }
}
