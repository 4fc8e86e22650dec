using DeepSharp.Compression;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// Conv1D with Keras's padding="causal": dilation·(kernel − 1) zeros before each sequence. Hand-computed outputs, a
/// naive loop in double over strides and dilations, causality, the layer harness (shapes, config round trip,
/// finite-difference gradients, a training step), Summary, model files, quantization and a WaveNet-style stack.
/// </summary>
public class CausalConv1DTests
{
    private static Conv1D Built(int filters, int k, int strides, int dilation, int steps, int channels, float[] kernel, bool useBias = false)
    {
        var layer = new Conv1D(filters, k, strides, "causal", dilation, useBias: useBias);
        layer.Build(new Shape(steps, channels));
        kernel.CopyTo(layer.Parameters[0].Value.Span);
        return layer;
    }

    [Theory]
    [InlineData(2, 1, 1, new float[] { 10, 21, 32, 43, 54 })]  // y[t] = 1·x[t−1] + 10·x[t]
    [InlineData(2, 1, 2, new float[] { 10, 20, 31, 42, 53 })]  // y[t] = 1·x[t−2] + 10·x[t]
    [InlineData(3, 2, 1, new float[] { 100, 321, 543 })]        // windows (0, 0, 1), (1, 2, 3), (3, 4, 5) with taps 1, 10, 100
    public void HandComputed(int k, int strides, int dilation, float[] expected)
    {
        var layer = Built(1, k, strides, dilation, 5, 1, new[] { 1f, 10f, 100f }[..k]);
        var y = layer.Call(Tensor.FromArray([1f, 2f, 3f, 4f, 5f], 1, 5, 1));
        Assert.Equal(new Shape(1, expected.Length, 1), y.Shape);
        Assert.Equal(expected, y.ToArray());
        Assert.Equal(dilation * (k - 1), layer.CausalPadding);
    }

    [Theory]
    [InlineData(7, 3, 2, 1, 1)]
    [InlineData(9, 2, 3, 1, 3)]
    [InlineData(8, 3, 1, 2, 1)]
    [InlineData(1, 1, 4, 1, 1)]
    [InlineData(13, 5, 2, 3, 1)]
    public void MatchesANaiveCausalLoop(int steps, int cin, int cout, int strides, int dilation)
    {
        const int k = 3, batch = 2;
        var x = GradCheck.Random(3, [batch, steps, cin]);
        var kernel = GradCheck.Random(4, [k, cin, cout]).ToArray();
        var bias = GradCheck.Random(5, [cout]).ToArray();
        var layer = Built(cout, k, strides, dilation, steps, cin, kernel, useBias: true);
        bias.CopyTo(layer.Parameters[1].Value.Span);
        var y = layer.Call(x).ToArray();
        int outSteps = (steps + strides - 1) / strides;
        Assert.Equal(batch * outSteps * cout, y.Length);
        var xs = x.ToArray();
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < outSteps; t++)
                for (int o = 0; o < cout; o++)
                {
                    double s = bias[o];
                    for (int i = 0; i < k; i++)
                    {
                        int at = t * strides - dilation * (k - 1) + i * dilation; // the window ends at t·strides
                        if (at < 0) continue;
                        for (int c = 0; c < cin; c++) s += (double)xs[(b * steps + at) * cin + c] * kernel[(i * cin + c) * cout + o];
                    }
                    float got = y[(b * outSteps + t) * cout + o];
                    Assert.True(Math.Abs(got - s) <= 1e-5 + 1e-5 * Math.Abs(s), $"({b}, {t}, {o}): {got} vs {s}");
                }
    }

    [Fact]
    public void LaterInputsDoNotReachEarlierOutputs()
    {
        RandomGenerator.SetGlobalSeed(2);
        var layer = new Conv1D(3, 3, padding: "causal", dilationRate: 2, inputShape: [10, 2]);
        var x = GradCheck.Random(6, [1, 10, 2]);
        var before = layer.Call(x).ToArray();
        var changed = x.ToArray();
        for (int i = 6 * 2; i < changed.Length; i++) changed[i] += 5f; // steps 6.. change
        var after = layer.Call(Tensor.FromArray(changed, 1, 10, 2)).ToArray();
        Assert.Equal(before[..(6 * 3)], after[..(6 * 3)]);
        Assert.NotEqual(before[(6 * 3)..], after[(6 * 3)..]);
    }

    [Fact] public void Harness() => LayerHarness.Run(() => new Conv1D(3, 3, padding: "causal", dilationRate: 2), [7, 2], [7, 3], 3 * 2 * 3 + 3);
    [Fact] public void HarnessStrided() => LayerHarness.Run(() => new Conv1D(2, 2, strides: 2, padding: Padding.Causal), [7, 3], [4, 2], 2 * 3 * 2 + 2);

    [Fact]
    public void ConfigSummaryAndModelFileKeepCausal()
    {
        var model = WaveNetStack();
        Assert.Equal("causal", model.Layers[0].GetConfig()["padding"]!.GetValue<string>());
        string summary = model.Summary(_ => { });
        Assert.Contains("(None, 16, 8)", summary);
        var x = GradCheck.Random(7, [2, 16, 1]);
        var before = model.Predict(x).ToArray();
        using var folder = new TempFolder();
        model.Save(folder.File("wavenet.safetensors"));
        var loaded = Model.Load(folder.File("wavenet.safetensors"));
        Assert.Equal(Padding.Causal, ((Conv1D)loaded.Layers[0]).Padding);
        Assert.Equal(before, loaded.Predict(x).ToArray());
    }

    [Fact]
    public void QuantizationMakesACausalConv1DInt8()
    {
        var model = WaveNetStack();
        var x = GradCheck.Random(8, [4, 16, 1]);
        var expected = model.Predict(x).ToArray();
        var quantized = Quantization.Quantize(model, x);
        Assert.Equal(4, quantized.Layers.Count(l => l is QuantizedConv1D { Padding: var p } && p == Padding.Causal));
        var got = quantized.Predict(x).ToArray();
        for (int i = 0; i < got.Length; i++) Assert.True(Math.Abs(got[i] - expected[i]) < 0.1f + 0.1f * Math.Abs(expected[i]), $"{i}: {got[i]} vs {expected[i]}");
    }

    /// <summary>docs/layers.md's WaveNet-style stack: dilations 1, 2, 4, 8, each output step sees the last 16 inputs.</summary>
    internal static Sequential WaveNetStack()
    {
        RandomGenerator.SetGlobalSeed(11);
        return new Sequential(
            new Conv1D(8, 2, padding: "causal", dilationRate: 1, activation: "relu", inputShape: [16, 1]),
            new Conv1D(8, 2, padding: "causal", dilationRate: 2, activation: "relu"),
            new Conv1D(8, 2, padding: "causal", dilationRate: 4, activation: "relu"),
            new Conv1D(8, 2, padding: "causal", dilationRate: 8, activation: "relu"),
            new Dense(1));
    }
}
