using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// DepthwiseConv1D and SeparableConv1D (Keras 3): the layer harness (shapes, Keras's weight counts, config round trip,
/// finite-difference gradients, a training step), a naive loop in double with Keras's "same" padding, equality with the
/// 2-D layers on height-1 images, Keras's weight names and config JSON, Save/Load, Summary, ONNX Runtime, and bad
/// inputs refused with the layer's name.
/// </summary>
public sealed class Conv1DVariantTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A model holding both layers (also read by OnnxExportTests.EveryRegisteredLayerTypeExports).</summary>
    public static IEnumerable<Model> Samples() => [Sample()];

    private static Sequential Sample() => new(
        new DepthwiseConv1D(3, strides: 2, padding: Padding.Same, depthMultiplier: 2, activation: Activation.Relu, inputShape: [9, 3], name: "dw"),
        new SeparableConv1D(4, 2, dilationRate: 2, name: "sep"),
        new SeparableConv1D(3, 3, padding: Padding.Same, depthMultiplier: 2, useBias: false, activation: Activation.Tanh),
        new DepthwiseConv1D(2, useBias: false),
        new Flatten(),
        new Dense(2));

    [Fact] public void HarnessDepthwise() => LayerHarness.Run(() => new DepthwiseConv1D(3, depthMultiplier: 2), [6, 3], [4, 6], 3 * 3 * 2 + 6);
    [Fact] public void HarnessDepthwiseSameStrided() => LayerHarness.Run(() => new DepthwiseConv1D(3, strides: 2, padding: Padding.Same), [7, 2], [4, 2], 3 * 2 + 2);
    [Fact] public void HarnessDepthwiseDilated() => LayerHarness.Run(() => new DepthwiseConv1D(2, dilationRate: 2), [6, 2], [4, 2], 2 * 2 + 2);
    [Fact] public void HarnessSeparable() => LayerHarness.Run(() => new SeparableConv1D(4, 3, depthMultiplier: 2), [6, 3], [4, 4], 3 * 3 * 2 + 6 * 4 + 4);
    [Fact] public void HarnessSeparableSameStridedNoBias() => LayerHarness.Run(() => new SeparableConv1D(3, 3, strides: 2, padding: Padding.Same, useBias: false), [7, 2], [4, 3], 3 * 2 + 2 * 3);

    /// <summary>The depthwise step by the formula, with Keras's "same" padding (the extra one at the end).</summary>
    private static double[] NaiveDepthwise(float[] x, int batch, int steps, int channels, float[] kernel, int k, int multiplier, int stride, int dilation, bool same,
        out int outSteps)
    {
        int effective = (k - 1) * dilation + 1;
        outSteps = same ? (steps + stride - 1) / stride : (steps - effective) / stride + 1;
        int before = same ? Math.Max((outSteps - 1) * stride + effective - steps, 0) / 2 : 0;
        var y = new double[batch * outSteps * channels * multiplier];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < outSteps; t++)
                for (int c = 0; c < channels; c++)
                    for (int m = 0; m < multiplier; m++)
                    {
                        double s = 0;
                        for (int i = 0; i < k; i++)
                        {
                            int at = t * stride + i * dilation - before;
                            if (at >= 0 && at < steps) s += (double)x[(b * steps + at) * channels + c] * kernel[(i * channels + c) * multiplier + m];
                        }
                        y[((b * outSteps + t) * channels + c) * multiplier + m] = s;
                    }
        return y;
    }

    [Theory]
    [InlineData(9, 3, 3, 2, 1, 1, false)]
    [InlineData(8, 2, 3, 1, 2, 1, true)]
    [InlineData(7, 3, 2, 3, 1, 2, true)]
    [InlineData(5, 1, 5, 1, 1, 1, false)]
    [InlineData(6, 4, 4, 2, 3, 1, true)]
    public void MatchTheNaiveLoop(int steps, int channels, int k, int multiplier, int stride, int dilation, bool same)
    {
        var x = GradCheck.Random(4, 2, steps, channels);
        var padding = same ? Padding.Same : Padding.Valid;
        var depthwise = new DepthwiseConv1D(k, stride, padding, multiplier, dilation);
        var separable = new SeparableConv1D(3, k, stride, padding, dilation, multiplier);
        depthwise.Build(new Shape(steps, channels));
        separable.Build(new Shape(steps, channels));
        var rng = new RandomGenerator(8);
        foreach (var p in depthwise.Parameters.Concat(separable.Parameters)) rng.FillUniform(p.Value.Span, -1f, 1f);
        var expected = NaiveDepthwise(x.ToArray(), 2, steps, channels, depthwise.Parameters[0].Value.ToArray(), k, multiplier, stride, dilation, same, out int outSteps);
        var bias = depthwise.Parameters[1].Value.ToArray();
        var actual = depthwise.Call(x);
        Assert.Equal(new Shape(2, outSteps, channels * multiplier), actual.Shape);
        var a = actual.ToArray();
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(expected[i] + bias[i % bias.Length] - a[i]) <= 1e-5, $"depthwise element {i}: loop {expected[i] + bias[i % bias.Length]}, layer {a[i]}");

        // Separable: the depthwise step, then the pointwise kernel (1, C·M, filters) and the bias.
        var h = NaiveDepthwise(x.ToArray(), 2, steps, channels, separable.Parameters[0].Value.ToArray(), k, multiplier, stride, dilation, same, out _);
        float[] pointwise = separable.Parameters[1].Value.ToArray(), sepBias = separable.Parameters[2].Value.ToArray();
        var s = separable.Call(x).ToArray();
        int width = channels * multiplier;
        for (int row = 0; row < 2 * outSteps; row++)
            for (int f = 0; f < 3; f++)
            {
                double e = sepBias[f];
                for (int j = 0; j < width; j++) e += h[row * width + j] * pointwise[j * 3 + f];
                Assert.True(Math.Abs(e - s[row * 3 + f]) <= 1e-5, $"separable row {row} filter {f}: loop {e}, layer {s[row * 3 + f]}");
            }
    }

    [Fact]
    public void EqualTheTwoDimensionalLayersOnHeightOneImages()
    {
        var x = GradCheck.Random(5, 2, 8, 3);
        var one = new SeparableConv1D(4, 3, strides: 2, padding: Padding.Same, depthMultiplier: 2);
        var two = new SeparableConv2D(4, (1, 3), (1, 2), Padding.Same, depthMultiplier: 2);
        one.Build(new Shape(8, 3));
        two.Build(new Shape(1, 8, 3));
        var rng = new RandomGenerator(3);
        foreach (var p in two.Parameters) rng.FillUniform(p.Value.Span, -1f, 1f);
        one.SetWeights([.. two.GetWeights().Select((w, i) => i < 2 ? w.View(w.Shape.ToArray().Skip(1).ToArray()) : w)]);
        float[] image = two.Call(x.View(2, 1, 8, 3)).ToArray(), steps = one.Call(x).ToArray();
        Assert.Equal(image.Length, steps.Length);
        for (int i = 0; i < image.Length; i++) Assert.True(Math.Abs(image[i] - steps[i]) <= 1e-5f * (1 + Math.Abs(image[i])), $"element {i}: 2-D {image[i]}, 1-D {steps[i]}");

        var dw1 = new DepthwiseConv1D(2, dilationRate: 3, depthMultiplier: 3);
        var dw2 = new DepthwiseConv2D((1, 2), depthMultiplier: 3, dilationRate: (1, 3));
        dw1.Build(new Shape(8, 3));
        dw2.Build(new Shape(1, 8, 3));
        foreach (var p in dw2.Parameters) rng.FillUniform(p.Value.Span, -1f, 1f);
        dw1.SetWeights([dw2.GetWeights()[0].View(2, 3, 3), dw2.GetWeights()[1]]);
        Assert.Equal(dw2.Call(x.View(2, 1, 8, 3)).ToArray(), dw1.Call(x).ToArray());
    }

    [Fact]
    public void KerasWeightNamesAndConfigs()
    {
        var separable = new SeparableConv1D(5, 3, depthMultiplier: 2, name: "sep");
        separable.Build(new Shape(10, 4));
        Assert.Equal([("sep/depthwise_kernel", new Shape(3, 4, 2)), ("sep/pointwise_kernel", new Shape(1, 8, 5)), ("sep/bias", new Shape(5))],
            separable.Parameters.Select(p => (p.Path, p.Shape)));
        var depthwise = new DepthwiseConv1D(3, depthMultiplier: 2, name: "dw");
        depthwise.Build(new Shape(10, 4));
        Assert.Equal([("dw/kernel", new Shape(3, 4, 2)), ("dw/bias", new Shape(8))], depthwise.Parameters.Select(p => (p.Path, p.Shape)));

        var keras = JsonNode.Parse("""
            {"name":"separable_conv1d","trainable":true,"dtype":"float32","filters":8,"kernel_size":[3],"strides":[2],"padding":"same",
             "data_format":"channels_last","dilation_rate":[1],"depth_multiplier":2,"activation":"relu","use_bias":true,
             "depthwise_initializer":{"module":"keras.initializers","class_name":"GlorotUniform","config":{"seed":null}},
             "pointwise_initializer":{"module":"keras.initializers","class_name":"GlorotUniform","config":{"seed":null}},
             "bias_initializer":{"module":"keras.initializers","class_name":"Zeros","config":{}},"depthwise_regularizer":null,
             "pointwise_regularizer":null,"bias_regularizer":null,"activity_regularizer":null,"depthwise_constraint":null,
             "pointwise_constraint":null,"bias_constraint":null}
            """)!.AsObject();
        var loaded = Assert.IsType<SeparableConv1D>(LayerRegistry.Create("SeparableConv1D", keras));
        Assert.Equal((8, 3, 2, Padding.Same, 2, "relu"), (loaded.Filters, loaded.KernelSize, loaded.Strides, loaded.Padding, loaded.DepthMultiplier, loaded.Activation.Name));
        Assert.Equal("[3]", loaded.GetConfig()["kernel_size"]!.ToJsonString());
        var dw = Assert.IsType<DepthwiseConv1D>(LayerRegistry.Create("DepthwiseConv1D", JsonNode.Parse(
            """{"name":"d","kernel_size":[4],"strides":[1],"padding":"valid","depth_multiplier":3,"data_format":"channels_last","dilation_rate":[2],"use_bias":false}""")!.AsObject()));
        Assert.Equal((4, 3, 2, false), (dw.KernelSize, dw.DepthMultiplier, dw.DilationRate, dw.UseBias));
        Assert.Equal(dw.GetConfig().ToJsonString(), LayerRegistry.Clone(dw).GetConfig().ToJsonString());
        foreach (string json in new[] { """{"name":"d","kernel_size":[0]}""", """{"name":"d","kernel_size":[2],"data_format":"channels_first"}""",
                     """{"name":"d","kernel_size":[2],"strides":[2],"dilation_rate":[2]}""" })
        {
            Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("DepthwiseConv1D", JsonNode.Parse(json)!.AsObject()));
            Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("SeparableConv1D", JsonNode.Parse(json.Replace("{", """{"filters":2,""", StringComparison.Ordinal))!.AsObject()));
        }
    }

    [Fact]
    public void BadInputsAreRefusedNamingTheLayer()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DepthwiseConv1D(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SeparableConv1D(0, 3));
        Assert.Throws<ArgumentException>(() => new SeparableConv1D(2, 3, strides: 2, dilationRate: 2));
        var rank = Assert.Throws<ShapeMismatchException>(() => new DepthwiseConv1D(3, name: "dw").Call(Tensor.Zeros(2, 4, 4, 1)));
        Assert.Contains("'dw' (DepthwiseConv1D)", rank.Message);
        Assert.Contains("(None, 4, 4, 1)", rank.Message);
        var fit = Assert.Throws<ShapeMismatchException>(() => new SeparableConv1D(2, 5, name: "wide").Call(Tensor.Zeros(2, 3, 2)));
        Assert.Contains("'wide' (SeparableConv1D)", fit.Message);
        Assert.Contains("steps", fit.Message);
        var built = new DepthwiseConv1D(2, name: "fixed");
        built.Call(Tensor.Zeros(1, 5, 3));
        Assert.Contains("'fixed'", Assert.ThrowsAny<DeepSharpException>(() => built.Call(Tensor.Zeros(1, 5, 4))).Message);
    }

    [Fact]
    public void TrainsSavesLoadsSummarizesAndExportsToOnnx()
    {
        RandomGenerator.SetGlobalSeed(4);
        var model = Sample();
        var x = Tensor.RandomUniform(new Shape(16, 9, 3), -1f, 1f, new RandomGenerator(8));
        var y = Tensor.RandomUniform(new Shape(16, 2), -0.5f, 0.5f, new RandomGenerator(9));
        model.Compile(new Adam(0.01f), "mse");
        var history = model.Fit(x, y, epochs: 8, batchSize: 8, verbose: 0);
        Assert.True(history["loss"][^1] < history["loss"][0], $"loss {history["loss"][0]} → {history["loss"][^1]}");
        string summary = model.Summary(_ => { });
        Assert.Contains("dw (DepthwiseConv1D)", summary);
        Assert.Contains("sep (SeparableConv1D)", summary);

        string path = _temp.File("conv1d.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(model.Layers.Select(l => l.TypeName), loaded.Layers.Select(l => l.TypeName));
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        OnnxRunner.AssertMatches(model, [x], "DepthwiseConv1D/SeparableConv1D");
    }
}
