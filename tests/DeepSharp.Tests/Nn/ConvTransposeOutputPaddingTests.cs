using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// Keras's <c>output_padding</c> on Conv1DTranspose and Conv2DTranspose: sizes and values worked out by hand, a naive
/// scatter written here from Keras 3's JAX-form padding rule, finite-difference gradients, the layer harness, configs in
/// Keras's forms, errors, model files, Summary and ONNX Runtime.
/// </summary>
public sealed class ConvTransposeOutputPaddingTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>
    /// Keras 3's output length and front crop along one axis (keras.src.backend.common.backend_utils, the JAX form): the input
    /// dilated by the stride, padded by (left, right), correlated with the flipped kernel; input i through tap k lands at
    /// i·stride + k·dilation − crop, crop = extent − 1 − left.
    /// </summary>
    private static (int Length, int Crop) KerasAxis(int input, int kernel, int stride, int dilation, bool same, int? outputPadding)
    {
        int extent = (kernel - 1) * dilation + 1;
        int left, right;
        if (!same)
        {
            int op = outputPadding ?? Math.Max(extent, stride) - extent;
            (left, right) = (extent - 1, extent - 1 + op);
        }
        else
        {
            int padLength = outputPadding is { } op ? extent + extent % 2 - 2 + op : stride + extent - 2;
            left = Math.Min(padLength / 2 + padLength % 2, extent - 1);
            right = padLength - left;
        }
        return ((input - 1) * stride + 1 + left + right - extent + 1, extent - 1 - left);
    }

    /// <summary>The scatter definition: x (N, H, W, C), kernel (KH, KW, F, C), bias (F) → (N, OH, OW, F).</summary>
    private static float[] NaiveScatter(Tensor x, Tensor kernel, Tensor? bias, (int H, int W) strides, bool same, (int H, int W) dilation,
        (int H, int W)? outputPadding, out (int H, int W) output)
    {
        int n = x.Shape[0], h = x.Shape[1], w = x.Shape[2], c = x.Shape[3];
        int kh = kernel.Shape[0], kw = kernel.Shape[1], f = kernel.Shape[2];
        var (oh, cropH) = KerasAxis(h, kh, strides.H, dilation.H, same, outputPadding?.H);
        var (ow, cropW) = KerasAxis(w, kw, strides.W, dilation.W, same, outputPadding?.W);
        output = (oh, ow);
        var y = new float[n * oh * ow * f];
        float[] xs = x.ToArray(), ks = kernel.ToArray(), bs = bias?.ToArray() ?? new float[f];
        for (int b = 0; b < n; b++)
            for (int p = 0; p < oh * ow; p++)
                for (int o = 0; o < f; o++)
                    y[(b * oh * ow + p) * f + o] = bs[o];
        for (int b = 0; b < n; b++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                    for (int a = 0; a < kh; a++)
                        for (int e = 0; e < kw; e++)
                        {
                            int r = i * strides.H + a * dilation.H - cropH, s = j * strides.W + e * dilation.W - cropW;
                            if (r < 0 || r >= oh || s < 0 || s >= ow) continue;
                            for (int o = 0; o < f; o++)
                                for (int ch = 0; ch < c; ch++)
                                    y[((b * oh + r) * ow + s) * f + o] += xs[((b * h + i) * w + j) * c + ch] * ks[((a * kw + e) * f + o) * c + ch];
                        }
        return y;
    }

    /// <summary>Steps [1, 2] through a kernel [1, 10, 100] with stride 2: input step i lands at i·2 − crop + k.</summary>
    private static float[] AlongSteps(Padding padding, int? outputPadding, float bias = 0f)
    {
        var layer = new Conv1DTranspose(1, 3, strides: 2, padding: padding, biasInitializer: Initializer.Constant(bias), outputPadding: outputPadding);
        layer.Build(new Shape(2, 1));
        new[] { 1f, 10f, 100f }.CopyTo(layer.Parameters[0].Value.Span);
        return layer.Call(Tensor.FromArray([1f, 2f], 1, 2, 1)).ToArray();
    }

    /// <summary>The same along the width of a Conv2DTranspose with a (1, 3) kernel and strides (1, 2).</summary>
    private static float[] AlongWidth(Padding padding, int? outputPadding)
    {
        var layer = new Conv2DTranspose(1, (1, 3), (1, 2), padding, outputPadding: outputPadding is { } p ? (0, p) : null);
        layer.Build(new Shape(1, 2, 1));
        new[] { 1f, 10f, 100f }.CopyTo(layer.Parameters[0].Value.Span);
        return layer.Call(Tensor.FromArray([1f, 2f], 1, 1, 2, 1)).ToArray();
    }

    [Fact]
    public void MatchesHandValuesAndKerasSizes()
    {
        // valid with output_padding 1: (2 − 1)·2 + 3 + 1 = 6; the extra step holds only the bias.
        Assert.Equal([1.5f, 10.5f, 102.5f, 20.5f, 200.5f, 0.5f], AlongSteps(Padding.Valid, 1, bias: 0.5f));
        Assert.Equal([1f, 10f, 102f, 20f, 200f], AlongSteps(Padding.Valid, 0));
        // same with output_padding 0: (2 − 1)·2 + 3 mod 2 + 0 = 3, one step cropped in front.
        Assert.Equal([10f, 102f, 20f], AlongSteps(Padding.Same, 0));
        Assert.Equal([1f, 10f, 102f, 20f], AlongSteps(Padding.Same, 1));
        Assert.Equal([1f, 10f, 102f, 20f], AlongSteps(Padding.Same, null));
        Assert.Equal([10f, 102f, 20f], AlongWidth(Padding.Same, 0));
        Assert.Equal([1f, 10f, 102f, 20f, 200f, 0f], AlongWidth(Padding.Valid, 1));

        // Sizes: valid (in − 1)·s + k + p, same (in − 1)·s + (k mod 2) + p, k the dilated extent.
        Assert.Equal(new Shape(12, 12, 2), new Conv2DTranspose(2, (3, 3), (2, 3), outputPadding: (1, 0)).ComputeOutputShape(new Shape(5, 4, 1)));
        Assert.Equal(new Shape(10, 12, 2), new Conv2DTranspose(2, (3, 3), (2, 3), Padding.Same, outputPadding: (1, 2)).ComputeOutputShape(new Shape(5, 4, 1)));
        Assert.Equal(new Shape(9, 9, 8), new Conv2DTranspose(8, 3, strides: 2, padding: Padding.Same, outputPadding: 0).ComputeOutputShape(new Shape(5, 5, 3)));
        Assert.Equal(new Shape(10, 10, 8), new Conv2DTranspose(8, 3, strides: 2, padding: Padding.Same).ComputeOutputShape(new Shape(5, 5, 3)));
        Assert.Equal(new Shape(6, 2), new Conv1DTranspose(2, 2, strides: 2, padding: Padding.Same, outputPadding: 0).ComputeOutputShape(new Shape(4, 3)));
        Assert.Equal(new Shape(18, 2), new Conv1DTranspose(2, 4, strides: 3, outputPadding: 2).ComputeOutputShape(new Shape(5, 3)));
        // Dilation 2 spreads a 3-tap kernel over 5 (stride 1, so the output padding is 0): valid 4 + 5, same 4 + 1.
        Assert.Equal(new Shape(9, 1), new Conv1DTranspose(1, 3, dilationRate: 2, outputPadding: 0).ComputeOutputShape(new Shape(5, 1)));
        Assert.Equal(new Shape(5, 1), new Conv1DTranspose(1, 3, padding: Padding.Same, dilationRate: 2, outputPadding: 0).ComputeOutputShape(new Shape(5, 1)));
        Assert.Equal(new Shape(4, 1), new Conv1DTranspose(1, 2, padding: Padding.Same, dilationRate: 3, outputPadding: 0).ComputeOutputShape(new Shape(5, 1)));
    }

    public static TheoryData<int, int, int, int, int, int, int, bool, int?, int?> Cases() => new()
    {
        // in h, in w, kh, kw, sh, sw, dilation (stride-1 axes only), same, output padding h, w
        { 3, 4, 3, 3, 2, 2, 1, false, 1, 0 },
        { 3, 4, 3, 3, 2, 2, 1, true, 1, 1 },
        { 3, 4, 3, 3, 2, 2, 1, true, 0, 0 },
        { 5, 2, 2, 4, 3, 2, 1, true, 2, 1 },
        { 5, 2, 2, 4, 3, 2, 1, false, 0, 1 },
        { 1, 7, 1, 2, 3, 5, 1, false, 2, 4 },    // kernels shorter than the strides
        { 1, 7, 1, 2, 3, 5, 1, true, 1, 3 },
        { 4, 3, 5, 3, 4, 3, 1, true, 3, 2 },    // kernel longer than the stride, odd and even sizes
        { 6, 5, 3, 2, 1, 1, 2, true, 0, 0 },    // dilated, stride 1
        { 6, 5, 3, 2, 1, 1, 3, false, 0, 0 },
        { 2, 3, 2, 2, 2, 2, 1, false, null, null },
        { 2, 3, 3, 2, 2, 3, 1, true, null, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Conv2DTransposeEqualsTheNaiveScatter(int h, int w, int kh, int kw, int sh, int sw, int dilation, bool same, int? ph, int? pw)
    {
        (int, int)? outputPadding = ph is { } a && pw is { } b ? (a, b) : null;
        var layer = new Conv2DTranspose(3, (kh, kw), (sh, sw), same ? Padding.Same : Padding.Valid, dilationRate: (dilation, dilation),
            biasInitializer: Initializer.RandomUniform(-1f, 1f), outputPadding: outputPadding);
        var x = Tensor.RandomUniform(new Shape(2, h, w, 2), -1f, 1f, new RandomGenerator(h * 31 + w));
        var y = layer.Call(x);
        var want = NaiveScatter(x, layer.Parameters[0].Value, layer.Parameters[1].Value, (sh, sw), same, (dilation, dilation), outputPadding, out var size);
        Assert.Equal(new Shape(2, size.H, size.W, 3), y.Shape);
        Assert.Equal(new Shape(size.H, size.W, 3), layer.ComputeOutputShape(new Shape(h, w, 2)));
        AssertClose(want, y.ToArray(), 1e-5f);

        // Conv1DTranspose along the width axis of a height-1 image.
        var steps = new Conv1DTranspose(3, kw, sw, same ? Padding.Same : Padding.Valid, dilation, biasInitializer: Initializer.RandomUniform(-1f, 1f),
            outputPadding: pw is { } p && outputPadding is not null ? p : null);
        var sequence = Tensor.RandomUniform(new Shape(2, w, 2), -1f, 1f, new RandomGenerator(w));
        var z = steps.Call(sequence);
        var kernel = steps.Parameters[0].Value.View(1, kw, 3, 2);
        var wantSteps = NaiveScatter(sequence.View(2, 1, w, 2), kernel, steps.Parameters[1].Value, (1, sw), same, (1, dilation),
            outputPadding is null ? null : (0, pw!.Value), out var stepSize);
        Assert.Equal(new Shape(2, stepSize.W, 3), z.Shape);
        AssertClose(wantSteps, z.ToArray(), 1e-5f);
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        foreach (var (strides, same, dilation, outputPadding) in new ((int, int), bool, (int, int), (int, int)?)[]
        {
            ((2, 3), false, (1, 1), (1, 2)), ((3, 2), true, (1, 1), (2, 0)), ((2, 2), true, (1, 1), (0, 1)), ((1, 1), true, (2, 1), (0, 0)),
        })
        {
            var x = GradCheck.Random(21, 2, 2, 3, 2);
            var kernel = GradCheck.Random(22, 3, 2, 3, 2);
            var bias = GradCheck.Random(23, 3);
            GradCheck.Check(t => Ops.Conv2DTranspose(t[0], t[1], t[2], strides, same, dilation, outputPadding), [x, kernel, bias], epsilon: 1e-2f);
        }
    }

    [Fact]
    public void HarnessConv2DTransposeSameWithOutputPadding() => LayerHarness.Run(
        () => new Conv2DTranspose(3, (3, 2), (2, 3), Padding.Same, outputPadding: (1, 2)), [3, 4, 2], [6, 11, 3], 3 * 2 * 3 * 2 + 3, batch: 2);

    [Fact]
    public void HarnessConv2DTransposeValidWithOutputPadding() => LayerHarness.Run(
        () => new Conv2DTranspose(2, 2, strides: 3, activation: Activation.Tanh, outputPadding: 1), [3, 2, 1], [9, 6, 2], 2 * 2 * 2 + 2, batch: 2);

    [Fact]
    public void HarnessConv1DTransposeWithOutputPadding() => LayerHarness.Run(
        () => new Conv1DTranspose(2, 4, strides: 3, outputPadding: 2), [5, 3], [18, 2], 4 * 2 * 3 + 2, batch: 2);

    [Fact]
    public void ConfigsRoundTripAndReadKerasForms()
    {
        foreach (var layer in new Layer[]
        {
            new Conv2DTranspose(4, (3, 2), (2, 2), Padding.Same, name: "t", outputPadding: (1, 0)),
            new Conv2DTranspose(2, 3, strides: 3, name: "s", outputPadding: 2),
            new Conv1DTranspose(3, 2, strides: 2, name: "u", outputPadding: 1),
        })
        {
            var config = layer.GetConfig();
            var back = LayerRegistry.Create(layer.TypeName, config);
            Assert.Equal(config.ToJsonString(), back.GetConfig().ToJsonString());
        }
        Assert.Equal("[1,0]", new Conv2DTranspose(4, (3, 2), (2, 2), outputPadding: (1, 0)).GetConfig()["output_padding"]!.ToJsonString());
        Assert.Equal("[1]", new Conv1DTranspose(3, 2, strides: 2, outputPadding: 1).GetConfig()["output_padding"]!.ToJsonString());
        Assert.Null(new Conv2DTranspose(2, 3).GetConfig()["output_padding"]);

        var t = (Conv2DTranspose)LayerRegistry.Create("Conv2DTranspose",
            Json("""{"name":"k","filters":8,"kernel_size":3,"strides":[2,3],"padding":"same","output_padding":[0,2],"data_format":"channels_last"}"""));
        Assert.Equal(((int, int)?)(0, 2), t.OutputPadding);
        Assert.Equal((1, 1), ((Conv2DTranspose)LayerRegistry.Create("Conv2DTranspose", Json("""{"filters":2,"kernel_size":2,"strides":2,"output_padding":1}"""))).OutputPadding);
        Assert.Equal(1, ((Conv1DTranspose)LayerRegistry.Create("Conv1DTranspose", Json("""{"filters":2,"kernel_size":2,"strides":2,"output_padding":[1]}"""))).OutputPadding);
        Assert.Equal(1, ((Conv1DTranspose)LayerRegistry.Create("Conv1DTranspose", Json("""{"filters":2,"kernel_size":2,"strides":2,"output_padding":1}"""))).OutputPadding);
        foreach (var (type, json, key) in new[]
        {
            ("Conv2DTranspose", """{"name":"k","filters":2,"kernel_size":3,"strides":2,"output_padding":[0,-1]}""", "output_padding"),
            ("Conv2DTranspose", """{"name":"k","filters":2,"kernel_size":3,"strides":2,"output_padding":[1,1,1]}""", "output_padding"),
            ("Conv2DTranspose", """{"name":"k","filters":2,"kernel_size":3,"strides":[2,1],"output_padding":1}""", "strides"),
            ("Conv1DTranspose", """{"name":"k","filters":2,"kernel_size":3,"strides":2,"output_padding":2}""", "output_padding"),
            ("Conv1DTranspose", """{"name":"k","filters":2,"kernel_size":3,"output_padding":[0, 0]}""", "output_padding"),
        })
        {
            var e = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create(type, Json(json)));
            Assert.Contains(key, e.Message);
            Assert.Contains("'k'", e.Message);
        }
    }

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    [Fact]
    public void BadArgumentsAreRefusedNamingTheLayer()
    {
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2DTranspose(2, (3, 3), (2, 2), outputPadding: (0, -1)));
        Assert.Contains("Conv2DTranspose", negative.Message);
        var stride = Assert.Throws<ArgumentException>(() => new Conv2DTranspose(2, (3, 3), (2, 1), outputPadding: (1, 1)));
        Assert.Contains("strides (2, 1)", stride.Message);
        Assert.Throws<ArgumentException>(() => new Conv1DTranspose(2, 3, strides: 2, outputPadding: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv1DTranspose(2, 3, strides: 2, outputPadding: -1));
        // "same" with an output padding of 0 on a single step and an even kernel: (1 − 1)·2 + 0 + 0 = 0 steps, as Keras computes.
        Assert.Equal(new Shape(0, 2), new Conv1DTranspose(2, 2, strides: 2, padding: Padding.Same, outputPadding: 0).ComputeOutputShape(new Shape(1, 1)));
        var huge = Assert.Throws<ShapeMismatchException>(() =>
            new Conv2DTranspose(1, 3, strides: 1 << 16, name: "huge", outputPadding: 1).ComputeOutputShape(new Shape(1 << 16, 2, 1)));
        Assert.Contains("'huge'", huge.Message);
        Assert.Contains("2^31", huge.Message);
    }

    [Fact]
    public void ModelsSaveLoadSummariseAndExportToOnnx()
    {
        RandomGenerator.SetGlobalSeed(8);
        var image = new Sequential(
            new Conv2DTranspose(3, (3, 2), (2, 3), Padding.Same, activation: Activation.Relu, biasInitializer: Initializer.RandomUniform(-1f, 1f),
                inputShape: [4, 3, 2], name: "up", outputPadding: (1, 2)),
            new Conv2DTranspose(2, (2, 3), (3, 2), biasInitializer: Initializer.RandomUniform(-1f, 1f), outputPadding: (2, 0)),
            new Conv2DTranspose(2, (1, 2), (3, 3), Padding.Same, useBias: false, outputPadding: (0, 2)));
        string summary = image.Summary(_ => { });
        Assert.Contains("up (Conv2DTranspose)", summary);
        Assert.Contains("(None, 8, 8, 3)", summary);    // same: (4 − 1)·2 + 1 + 1, (3 − 1)·3 + 0 + 2
        Assert.Contains("(None, 25, 17, 2)", summary);  // valid: (8 − 1)·3 + 2 + 2, (8 − 1)·2 + 3 + 0
        Assert.Contains("(None, 73, 50, 2)", summary);  // same: (25 − 1)·3 + 1 + 0, (17 − 1)·3 + 0 + 2
        var x = Tensor.RandomUniform(new Shape(2, 4, 3, 2), -1f, 1f, new RandomGenerator(9));
        AssertFilesAndOnnx(image, x, "image");

        var steps = new Sequential(
            new Conv1DTranspose(3, 3, strides: 2, padding: Padding.Same, activation: Activation.Tanh, biasInitializer: Initializer.RandomUniform(-1f, 1f),
                inputShape: [5, 2], outputPadding: 0),
            new Conv1DTranspose(2, 2, strides: 3, biasInitializer: Initializer.RandomUniform(-1f, 1f), outputPadding: 2));
        Assert.Contains("(None, 28, 2)", steps.Summary(_ => { })); // (5 − 1)·2 + 1 = 9, then (9 − 1)·3 + 2 + 2
        AssertFilesAndOnnx(steps, Tensor.RandomUniform(new Shape(3, 5, 2), -1f, 1f, new RandomGenerator(10)), "steps");
    }

    private void AssertFilesAndOnnx(Model model, Tensor x, string name)
    {
        string path = _temp.File(name + ".safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        Assert.Equal(model.Layers.Select(l => l.GetConfig().ToJsonString()), loaded.Layers.Select(l => l.GetConfig().ToJsonString()));
        OnnxRunner.AssertMatches(model, [x], name + " ConvTranspose with output_padding", tolerance: 1e-5);
    }

    private static void AssertClose(float[] want, float[] actual, float tolerance)
    {
        Assert.Equal(want.Length, actual.Length);
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(want[i] - actual[i]) <= tolerance * (1 + Math.Abs(want[i])), $"element {i}: {want[i]} vs {actual[i]}");
    }
}
