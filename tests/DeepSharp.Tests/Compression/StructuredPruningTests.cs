using DeepSharp.Compression;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using static DeepSharp.Tests.Compression.PruningTestModels;

namespace DeepSharp.Tests.Compression;

/// <summary>Structured pruning shrinks the layers and the next layers' inputs, and keeps what the kept units compute.</summary>
public class StructuredPruningTests
{
    private static Sequential Cnn()
    {
        RandomGenerator.SetGlobalSeed(3);
        var model = new Sequential(
            new Conv2D(8, 3, activation: Activation.Relu, inputShape: [7, 7, 2]),
            new BatchNormalization(),
            new MaxPooling2D(2),
            new Flatten(),
            new Dense(6, Activation.Relu),
            new Dropout(0.2f),
            new Dense(3));
        model.Build(new Shape(7, 7, 2));
        return model;
    }

    /// <summary>Zeroes the given output units (kernel columns and bias) of a layer: units that compute 0.</summary>
    private static void ZeroUnits(Model model, string layer, params int[] units)
    {
        var kernel = Weight(model, layer + "/kernel").Value;
        int n = kernel.Shape[-1];
        var k = kernel.Span;
        for (int i = 0; i < k.Length; i++) if (units.Contains(i % n)) k[i] = 0f;
        var bias = Weight(model, layer + "/bias").Value.Span;
        foreach (int u in units) bias[u] = 0f;
    }

    [Fact]
    public void ShrinksEveryLayerButTheLastAndKeepsThePredictionsWhenThePrunedUnitsWereZero()
    {
        var model = Cnn();
        ZeroUnits(model, "conv2d", 1, 4, 6, 7);
        ZeroUnits(model, "dense", 0, 3, 5);
        var x = Tensor.RandomUniform(new Shape(5, 7, 7, 2), -1f, 1f, new RandomGenerator(9));
        var before = model.Predict(x).ToArray();

        var pruned = StructuredPruning.Prune(model, 0.5f);
        Assert.Equal(new Shape(3, 3, 2, 4), Weight(pruned, "conv2d/kernel").Shape);
        Assert.Equal(new Shape(4), Weight(pruned, "batch_normalization/gamma").Shape);
        Assert.Equal(new Shape(2 * 2 * 4, 3), Weight(pruned, "dense/kernel").Shape); // 5×5 pooled to 2×2, 4 channels
        Assert.Equal(new Shape(3, 3), Weight(pruned, "dense_1/kernel").Shape);
        long Count(Model m) => m.Parameters.Sum(p => (long)p.Value.Size);
        Assert.Equal(Count(model) - (4 * 18 + 4) - 4 * 4 - (32 * 6 + 6 - (16 * 3 + 3)) - 3 * 3, Count(pruned)); // conv, bn, dense, dense_1
        var after = pruned.Predict(x).ToArray();
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], after[i], 5);
        Assert.Equal(new Shape(3, 3, 2, 8), Weight(model, "conv2d/kernel").Shape); // the original is untouched
    }

    [Fact]
    public void KeepsTheUnitsOfLargestNorm()
    {
        var model = Cnn();
        var kernel = Weight(model, "dense/kernel").Value.Span;
        for (int i = 0; i < kernel.Length; i++) kernel[i] = (i % 6) switch { 2 => 5f, 4 => -4f, _ => 0.01f };
        var pruned = StructuredPruning.Prune(model, 0.7f, StructuredNorm.L2); // round(6·0.3) = 2 units kept
        var kept = Weight(pruned, "dense/kernel").Value.ToArray();
        Assert.Equal([5f, -4f], kept[..2]);
    }

    [Fact]
    public void AChainItCannotShrinkThroughIsRefusedByName()
    {
        RandomGenerator.SetGlobalSeed(1);
        var model = new Sequential(new Dense(8, inputShape: [4]), new LayerNormalization(), new Dense(2));
        model.Build(new Shape(4));
        var e = Assert.Throws<DeepSharpException>(() => StructuredPruning.Prune(model, 0.5f));
        Assert.Contains("layer_normalization", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ShrinksThroughGlobalPoolingThatKeepsItsDims(bool max)
    {
        // (7, 7, 2) → Conv2D 6 → global pool keeping (1, 1, 6) → a 1×1 Conv2D 4 → Flatten (1·1·4) → Dense 3.
        RandomGenerator.SetGlobalSeed(4);
        var model = new Sequential(
            new Conv2D(6, 3, activation: Activation.Relu, inputShape: [7, 7, 2]),
            max ? new GlobalMaxPooling2D(keepDims: true) : new GlobalAveragePooling2D(keepDims: true),
            new Conv2D(4, 1, activation: Activation.Relu),
            new Flatten(),
            new Dense(3));
        model.Build(new Shape(7, 7, 2));
        ZeroUnits(model, "conv2d", 0, 3, 5);
        ZeroUnits(model, "conv2d_1", 1, 2);
        var x = Tensor.RandomUniform(new Shape(4, 7, 7, 2), -1f, 1f, new RandomGenerator(5));
        var before = model.Predict(x).ToArray();

        var pruned = StructuredPruning.Prune(model, 0.5f);
        Assert.Equal(new Shape(3, 3, 2, 3), Weight(pruned, "conv2d/kernel").Shape);
        Assert.Equal(new Shape(1, 1, 3, 2), Weight(pruned, "conv2d_1/kernel").Shape);
        Assert.Equal(new Shape(2, 3), Weight(pruned, "dense/kernel").Shape);
        Assert.Equal(new Shape(1, 1, 3), pruned.Layers[1].ComputeOutputShape(new Shape(5, 5, 3)));
        var after = pruned.Predict(x).ToArray();
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], after[i], 5);
    }
}
