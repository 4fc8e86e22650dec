using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// BatchNormalization and LayerNormalization along axes other than the last (Keras's axis, counted
/// with the batch axis): the harness, gradients in training mode, equivalence with transposed data,
/// config and model-file round trips, clear errors.
/// </summary>
public class NormalizationAxisTests
{
    [Fact] public void BatchNormalizationChannelsFirst() => LayerHarness.Run(() => new BatchNormalization(axis: 1), [3, 2, 4], [3, 2, 4], 12, batch: 2);
    [Fact] public void BatchNormalizationMiddleAxis() => LayerHarness.Run(() => new BatchNormalization(axis: -2, center: false), [5, 3, 2], [5, 3, 2], 9, batch: 2);
    [Fact] public void LayerNormalizationFirstAxis() => LayerHarness.Run(() => new LayerNormalization(axis: 1), [4, 3], [4, 3], 8);
    [Fact] public void LayerNormalizationTrailingAxes() => LayerHarness.Run(() => new LayerNormalization(axis: [-2, -1]), [2, 3, 4], [2, 3, 4], 24, batch: 2);
    [Fact] public void LayerNormalizationSplitAxes() => LayerHarness.Run(() => new LayerNormalization(axis: [1, 3], scale: false), [3, 2, 4], [3, 2, 4], 12, batch: 2);

    [Theory]
    [InlineData(1)]
    [InlineData(-3)]
    [InlineData(2)]
    public void BatchNormalizationGradientWithBatchStatistics(int axis)
    {
        var bn = new BatchNormalization(axis);
        var x = GradCheck.Random(1, 4, 3, 2, 2);
        bn.Build(new Shape(3, 2, 2));
        foreach (var p in bn.Parameters.Where(p => p.Trainable)) GradCheck.Random(2, p.Shape.ToArray()).Span.CopyTo(p.Value.Span);
        GradCheck.Check(t => bn.Call(t[0], training: true), [x, .. bn.Parameters.Where(p => p.Trainable).Select(p => p.Value)], epsilon: 1e-3f);
    }

    /// <summary>Normalising axis 1 of (batch, C, H, W) is normalising the last axis of the transposed (batch, H, W, C).</summary>
    [Fact]
    public void BatchNormalizationOnAxisOneEqualsTheLastAxisOfTransposedData()
    {
        var nchw = Tensor.RandomNormal(new Shape(4, 3, 2, 5), 1f, 2f, new RandomGenerator(3));
        var nhwc = Ops.Permute(nchw, 0, 2, 3, 1);
        var first = new BatchNormalization(axis: 1, momentum: 0.5f);
        var last = new BatchNormalization(momentum: 0.5f);
        var a = first.Call(nchw, training: true);
        var b = last.Call(nhwc, training: true);
        AssertClose(Ops.Permute(b, 0, 3, 1, 2).ToArray(), a.ToArray());
        AssertClose(last.MovingMean!.ToArray(), first.MovingMean!.ToArray());
        AssertClose(last.MovingVariance!.ToArray(), first.MovingVariance!.ToArray());
        Assert.Equal(new Shape(3), first.MovingMean!.Shape);
        AssertClose(Ops.Permute(last.Call(nhwc), 0, 3, 1, 2).ToArray(), first.Call(nchw).ToArray()); // inference too
    }

    [Fact]
    public void LayerNormalizationOverSeveralAxesByHand()
    {
        var x = Tensor.RandomNormal(new Shape(2, 3, 4, 2), generator: new RandomGenerator(5));
        var layer = new LayerNormalization(axis: [1, 3], epsilon: 1e-3f);
        layer.Build(new Shape(3, 4, 2));
        Assert.Equal(new Shape(3, 2), layer.Parameters[0].Shape);                 // γ: the sizes of axes 1 and 3
        var gamma = GradCheck.Random(6, 3, 2);
        gamma.Span.CopyTo(layer.Parameters[0].Value.Span);
        var y = layer.Call(x);
        // For each sample b and position h of axis 2: normalise the 3×2 values x[b, :, h, :].
        for (int b = 0; b < 2; b++)
            for (int h = 0; h < 4; h++)
            {
                double mean = 0, variance = 0;
                for (int c = 0; c < 3; c++) for (int w = 0; w < 2; w++) mean += x[b, c, h, w] / 6.0;
                for (int c = 0; c < 3; c++) for (int w = 0; w < 2; w++) variance += Math.Pow(x[b, c, h, w] - mean, 2) / 6;
                for (int c = 0; c < 3; c++)
                    for (int w = 0; w < 2; w++)
                    {
                        double expected = (x[b, c, h, w] - mean) / Math.Sqrt(variance + 1e-3) * gamma[c, w];
                        Assert.Equal(expected, y[b, c, h, w], 4);
                    }
            }
    }

    [Fact]
    public void AxesSurviveConfigAndModelFiles()
    {
        Assert.Equal(1, (int)new BatchNormalization(axis: 1).GetConfig()["axis"]!);
        Assert.Equal("[1,3]", new LayerNormalization(axis: [1, 3]).GetConfig()["axis"]!.ToJsonString());
        Assert.Equal(-1, (int)new LayerNormalization().GetConfig()["axis"]!);        // an int stays an int

        RandomGenerator.SetGlobalSeed(7);
        var model = new Sequential(
            new BatchNormalization(axis: 1, inputShape: [3, 4, 2]),
            new LayerNormalization(axis: [1, 2]),
            new Flatten(),
            new Dense(2));
        var x = Tensor.RandomNormal(new Shape(8, 3, 4, 2), generator: new RandomGenerator(8));
        model.Compile(new Adam(0.01f), new DeepSharp.Losses.MeanSquaredError());
        model.Fit(x, Tensor.RandomNormal(new Shape(8, 2), generator: new RandomGenerator(9)), batchSize: 4, verbose: 0); // moves the statistics
        using var folder = new TempFolder();
        string path = folder.File("axes.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(1, ((BatchNormalization)loaded.Layers[0]).Axis);
        Assert.Equal([1, 2], ((LayerNormalization)loaded.Layers[1]).Axis);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
    }

    [Fact]
    public void BadAxesGiveClearErrors()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNormalization(axis: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LayerNormalization(axis: [0, 1]));
        Assert.Throws<ArgumentException>(() => new LayerNormalization(axis: Array.Empty<int>()));
        var e = Assert.Throws<ShapeMismatchException>(() => new BatchNormalization(axis: 3, name: "bn").Call(Tensor.Zeros(2, 4, 5)));
        Assert.Contains("Layer 'bn' (BatchNormalization): axis 3 is outside inputs (None, 4, 5)", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => new LayerNormalization(axis: -3, name: "ln").Call(Tensor.Zeros(2, 4, 5)));
        Assert.Contains("axis -3 is the batch axis", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => new LayerNormalization(axis: [2, -1], name: "ln").Call(Tensor.Zeros(2, 4, 5)));
        Assert.Contains("axis 2 is given twice", e.Message);
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * (1 + Math.Abs(expected[i])), $"element {i}: {expected[i]} vs {actual[i]}");
    }
}
