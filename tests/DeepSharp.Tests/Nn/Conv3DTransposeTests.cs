using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Layers;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// Keras 3's Conv3DTranspose: values worked out by hand from the scatter definition and Keras's output-size
/// formulas, Keras's documented example, Conv2DTranspose on one plane, finite-difference gradients, the layer
/// harness, configs in Keras's forms, errors, files, Summary and ONNX.
/// </summary>
public sealed class Conv3DTransposeTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Depth [1, 2] through a (3, 1, 1) kernel [1, 10, 100]: input voxel i lands at i·stride − pad + k.</summary>
    private static float[] AlongDepth(int strides, Padding padding, int? outputPadding, float bias = 0f)
    {
        var layer = new Conv3DTranspose(1, (3, 1, 1), (strides, 1, 1), padding, outputPadding is { } p ? (p, 0, 0) : null,
            biasInitializer: Initializer.Constant(bias));
        layer.Build(new Shape(2, 1, 1, 1));
        Assert.Equal(new Shape(3, 1, 1, 1, 1), layer.Parameters[0].Value.Shape); // (kd, kh, kw, filters, in_channels)
        layer.Parameters[0].Value.Span[0] = 1f;
        layer.Parameters[0].Value.Span[1] = 10f;
        layer.Parameters[0].Value.Span[2] = 100f;
        return layer.Call(Tensor.FromArray([1f, 2f], 1, 2, 1, 1, 1)).ToArray();
    }

    [Fact]
    public void MatchesHandValuesAndKerasSizes()
    {
        // valid, stride 2: length 2·2 + (3 − 2) = 5; [1·1, 1·10, 1·100 + 2·1, 2·10, 2·100].
        Assert.Equal([1.5f, 10.5f, 102.5f, 20.5f, 200.5f], AlongDepth(2, Padding.Valid, null, bias: 0.5f));
        // valid with output_padding 1: (2 − 1)·2 + 3 + 1 = 6, the extra plane holds only the bias.
        Assert.Equal([1.5f, 10.5f, 102.5f, 20.5f, 200.5f, 0.5f], AlongDepth(2, Padding.Valid, 1, bias: 0.5f));
        // same, stride 2: length 4, no front padding (the far side is cropped): Keras's rule.
        Assert.Equal([1f, 10f, 102f, 20f], AlongDepth(2, Padding.Same, null));
        Assert.Equal([1f, 10f, 102f, 20f], AlongDepth(2, Padding.Same, 1));
        // same with output_padding 0: (2 − 1)·2 + 3 mod 2 + 0 = 3, one plane of padding in front.
        Assert.Equal([10f, 102f, 20f], AlongDepth(2, Padding.Same, 0));
        // stride 1, same: the output keeps the input's length; the window is centred.
        Assert.Equal([12f, 120f], AlongDepth(1, Padding.Same, null));

        // Keras's documented example: (4, 10, 8, 12, 3) → Conv3DTranspose(32, 2, 2) → (4, 20, 16, 24, 32).
        Assert.Equal(new Shape(20, 16, 24, 32), new Conv3DTranspose(32, 2, 2).ComputeOutputShape(new Shape(10, 8, 12, 3)));
        Assert.Equal(new Shape(11, 7, 12, 2), new Conv3DTranspose(2, (3, 3, 2), (2, 1, 3)).ComputeOutputShape(new Shape(5, 5, 4, 1)));
        Assert.Equal(new Shape(10, 5, 12, 2), new Conv3DTranspose(2, (3, 3, 2), (2, 1, 3), Padding.Same).ComputeOutputShape(new Shape(5, 5, 4, 1)));
        Assert.Equal(new Shape(10, 5, 11, 2),
            new Conv3DTranspose(2, (3, 3, 2), (2, 1, 3), Padding.Same, outputPadding: (1, 0, 2)).ComputeOutputShape(new Shape(5, 5, 4, 1)));
        // Dilation 2 spreads a 3-tap kernel over 5: valid, stride 1 → 5 + 4.
        Assert.Equal(new Shape(9, 9, 9, 4), new Conv3DTranspose(4, (3, 3, 3), dilationRate: (2, 2, 2)).ComputeOutputShape(new Shape(5, 5, 5, 2)));
    }

    [Fact]
    public void OnOnePlaneEqualsConv2DTranspose()
    {
        // A (1, kh, kw) kernel with depth stride 1 over volumes of depth 1 is Conv2DTranspose.
        var x = Tensor.RandomUniform(new Shape(2, 1, 5, 4, 3), -1f, 1f, new RandomGenerator(1));
        var image = Ops.Reshape(x, 2, 5, 4, 3);
        foreach (var (strides, padding, dilation) in new[] { ((2, 2), Padding.Valid, (1, 1)), ((2, 3), Padding.Same, (1, 1)), ((1, 1), Padding.Same, (2, 1)) })
        {
            var t3 = new Conv3DTranspose(4, (1, 3, 2), (1, strides.Item1, strides.Item2), padding, dilationRate: (1, dilation.Item1, dilation.Item2),
                biasInitializer: Initializer.RandomUniform(-1f, 1f));
            var y3 = t3.Call(x);
            var t2 = new Conv2DTranspose(4, (3, 2), strides, padding, dilationRate: dilation);
            t2.Build(new Shape(5, 4, 3));
            t3.Parameters[0].Value.Span.CopyTo(t2.Parameters[0].Value.Span);
            t3.Parameters[1].Value.Span.CopyTo(t2.Parameters[1].Value.Span);
            var y2 = t2.Call(image);
            Assert.Equal(y2.Shape.ToArray(), y3.Shape.ToArray().Where((_, i) => i != 1).ToArray());
            AssertClose(y2.ToArray(), y3.ToArray(), 1e-5f);
        }
    }

    [Fact]
    public void IsTheInputGradientOfConv3D()
    {
        // For y = Conv3D(v) with the same kernel, ∂⟨y, u⟩/∂v = Conv3DTranspose(u) (Keras's definition of the layer).
        var v = Tensor.RandomUniform(new Shape(2, 6, 6, 5, 3), -1f, 1f, new RandomGenerator(3));
        var kernel = Tensor.RandomUniform(new Shape(3, 2, 3, 3, 2), -1f, 1f, new RandomGenerator(4)); // Conv3D (kd, kh, kw, in 3, out 2)
        foreach (var (strides, same) in new[] { ((2, 2, 1), true), ((1, 2, 2), false) })
        {
            v.RequiresGrad = true;
            v.Grad = null;
            var y = Ops.Conv3D(v, kernel, null, strides, same);
            var u = Tensor.RandomUniform(y.Shape, -1f, 1f, new RandomGenerator(5));
            Ops.Sum(Ops.Multiply(y, u)).Backward();
            // The transposed kernel is (kd, kh, kw, filters 3, in 2): the same array.
            var t = Ops.Conv3DTranspose(u, kernel, null, strides, same);
            Assert.Equal(v.Shape, t.Shape); // sizes chosen to map back (an odd size with stride 2 would come back one larger)
            AssertClose(v.Grad!.ToArray(), t.ToArray(), 1e-5f);
        }
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        foreach (var (strides, same, dilation, outputPadding) in new ((int, int, int), bool, (int, int, int), (int, int, int)?)[]
        {
            ((1, 1, 1), false, (1, 1, 1), null), ((2, 2, 1), true, (1, 1, 1), null), ((1, 1, 1), true, (2, 1, 2), null),
            ((2, 3, 2), false, (1, 1, 1), (1, 2, 0)), ((3, 2, 2), true, (1, 1, 1), (2, 0, 1)),
        })
        {
            var x = GradCheck.Random(11, 2, 3, 2, 3, 2);
            var kernel = GradCheck.Random(12, 2, 3, 2, 3, 2);
            var bias = GradCheck.Random(13, 3);
            GradCheck.Check(t => Ops.Conv3DTranspose(t[0], t[1], t[2], strides, same, dilation, outputPadding), [x, kernel, bias], epsilon: 1e-2f);
        }
    }

    [Fact]
    public void HarnessValidStrided() => LayerHarness.Run(() => new Conv3DTranspose(3, 2, strides: 2, activation: Activation.Tanh),
        [2, 3, 2, 2], [4, 6, 4, 3], 2 * 2 * 2 * 3 * 2 + 3, batch: 2);

    [Fact]
    public void HarnessSameWithOutputPadding() => LayerHarness.Run(() => new Conv3DTranspose(2, (3, 2, 3), (2, 2, 3), Padding.Same, outputPadding: (1, 0, 2),
        kernelRegularizer: new L2(0.01f), kernelConstraint: new MaxNorm(2f)), [2, 3, 2, 1], [4, 4, 6, 2], 3 * 2 * 3 * 2 * 1 + 2, batch: 2);

    [Fact]
    public void ConfigsRoundTripAndReadKerasForms()
    {
        foreach (var layer in new Layer[]
        {
            new Conv3DTranspose(6, (1, 2, 3), (1, 2, 2), Padding.Same, outputPadding: (0, 1, 0), activation: Activation.Relu, useBias: false, name: "t"),
            new Conv3DTranspose(4, (3, 3, 3), dilationRate: (2, 1, 2), kernelRegularizer: new L1(0.1f), biasConstraint: new NonNeg(), name: "d"),
            new Conv3DTranspose(2, 3, strides: 3, padding: Padding.Valid, outputPadding: 2, name: "c"),
        })
        {
            var config = layer.GetConfig();
            var back = LayerRegistry.Create(layer.TypeName, config);
            Assert.Equal(config.ToJsonString(), back.GetConfig().ToJsonString());
        }
        Assert.Null(new Conv3DTranspose(2, 3).GetConfig()["output_padding"]);
        Assert.StartsWith("conv3d_transpose", new Conv3DTranspose(1, 1).Name);

        var t = (Conv3DTranspose)LayerRegistry.Create("Conv3DTranspose",
            Json("""{"name":"k","filters":8,"kernel_size":3,"strides":[1,2,2],"padding":"same","output_padding":[0,1,1],"data_format":"channels_last"}"""));
        Assert.Equal(((3, 3, 3), (1, 2, 2), Padding.Same, ((int, int, int)?)(0, 1, 1)), (t.KernelSize, t.Strides, t.Padding, t.OutputPadding));
        var all = (Conv3DTranspose)LayerRegistry.Create("Conv3DTranspose", Json("""{"name":"k","filters":2,"kernel_size":2,"strides":2,"output_padding":1}"""));
        Assert.Equal((1, 1, 1), all.OutputPadding);
        Assert.Equal((1, 1, 1), all.DilationRate);
        foreach (var (json, key) in new[]
        {
            ("""{"name":"k","filters":2,"kernel_size":3,"data_format":"channels_first"}""", "channels_first"),
            ("""{"name":"k","filters":2,"kernel_size":[3,3]}""", "kernel_size"),
            ("""{"name":"k","filters":2,"kernel_size":3,"output_padding":[0,-1,0]}""", "output_padding"),
            ("""{"name":"k","filters":2,"kernel_size":3,"strides":2,"output_padding":2}""", "strides"),
            ("""{"name":"k","filters":2,"kernel_size":3,"strides":2,"dilation_rate":2}""", "dilation_rate"),
        })
        {
            var e = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("Conv3DTranspose", Json(json)));
            Assert.Contains(key, e.Message);
            Assert.Contains("'k'", e.Message);
        }
    }

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    [Fact]
    public void BadInputsAreRefusedNamingTheLayerAndShapes()
    {
        var rank = Assert.Throws<ShapeMismatchException>(() => new Conv3DTranspose(2, 3, name: "up").Call(Tensor.Zeros(2, 5, 5, 1)));
        Assert.Contains("'up'", rank.Message);
        Assert.Contains("(batch, depth, height, width, channels)", rank.Message);
        var channels = Assert.Throws<ShapeMismatchException>(() =>
        {
            var layer = new Conv3DTranspose(2, 1, name: "c");
            layer.Call(Tensor.Zeros(1, 2, 2, 2, 3));
            layer.Call(Tensor.Zeros(1, 2, 2, 2, 4));
        });
        Assert.Contains("'c'", channels.Message);
        Assert.Contains("(None, 2, 2, 2, 4)", channels.Message);
        var huge = Assert.Throws<ShapeMismatchException>(() => new Conv3DTranspose(1, 3, strides: 1 << 12, name: "huge").ComputeOutputShape(new Shape(1 << 10, 2, 2, 1)));
        Assert.Contains("'huge'", huge.Message);
        Assert.Contains("2^31", huge.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv3DTranspose(0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv3DTranspose(2, (3, 0, 3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv3DTranspose(2, (3, 3, 3), (2, 2, 2), outputPadding: (0, -1, 0)));
        var stride = Assert.Throws<ArgumentException>(() => new Conv3DTranspose(2, (3, 3, 3), (2, 1, 2), outputPadding: (1, 1, 0)));
        Assert.Contains("strides", stride.Message);
        Assert.Throws<ArgumentException>(() => new Conv3DTranspose(2, (3, 3, 3), (2, 1, 1), dilationRate: (1, 2, 1)));
        var op = Assert.Throws<ShapeMismatchException>(() => Ops.Conv3DTranspose(Tensor.Zeros(1, 2, 2, 2, 3), Tensor.Zeros(2, 2, 2, 4, 2), null, (1, 1, 1), false));
        Assert.Contains("(1, 2, 2, 2, 3)", op.Message);
        Assert.Contains("(2, 2, 2, 4, 2)", op.Message);
    }

    [Fact]
    public void AModelSavesLoadsSummarisesTrainsAndExportsToOnnx()
    {
        RandomGenerator.SetGlobalSeed(5);
        // A small 3-D encoder-decoder: down with Conv3D, back up with Conv3DTranspose.
        var model = new Sequential(
            new Conv3D(4, 3, strides: 2, padding: Padding.Same, activation: Activation.Relu, inputShape: [4, 6, 6, 2]),
            new Conv3DTranspose(3, 3, strides: 2, padding: Padding.Same, activation: Activation.Relu, name: "up"),
            new Conv3DTranspose(2, (2, 3, 1), (1, 2, 3), Padding.Valid, outputPadding: (0, 1, 2), biasInitializer: Initializer.RandomUniform(-1f, 1f)),
            new Conv3DTranspose(1, (2, 2, 2), dilationRate: (2, 1, 2), padding: Padding.Same, useBias: false));
        var x = Tensor.RandomUniform(new Shape(3, 4, 6, 6, 2), -1f, 1f, new RandomGenerator(6));
        string summary = model.Summary(_ => { });
        Assert.Contains("up (Conv3DTranspose)", summary);
        Assert.Contains("(None, 4, 6, 6, 3)", summary);
        Assert.Contains("(None, 5, 14, 18, 2)", summary); // valid: (4 − 1)·1 + 2 + 0, (6 − 1)·2 + 3 + 1, (6 − 1)·3 + 1 + 2
        Assert.Contains("(None, 5, 14, 18, 1)", summary);
        string path = _temp.File("conv3dt.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        Assert.Equal(new Shape(3, 3, 3, 3, 4), loaded.Layers[1].Parameters[0].Value.Shape); // (kd, kh, kw, filters, in_channels)
        OnnxRunner.AssertMatches(model, [x], "Conv3DTranspose", tolerance: 1e-5);
        // Kernels shorter than the strides (ONNX's output_padding) and "same" with an output padding.
        var strided = new Sequential(new Conv3DTranspose(2, (1, 2, 3), (3, 3, 2), inputShape: [2, 3, 3, 2]),
            new Conv3DTranspose(3, (3, 2, 3), (2, 3, 2), Padding.Same, outputPadding: (0, 2, 1), activation: Activation.Tanh));
        OnnxRunner.AssertMatches(strided, [Tensor.RandomUniform(new Shape(2, 2, 3, 3, 2), -1f, 1f, new RandomGenerator(7))], "strided Conv3DTranspose", tolerance: 1e-5);

        // It learns: reconstruct the input through the bottleneck.
        model.Compile(new Adam(0.01f), new MeanSquaredError());
        var target = Tensor.RandomUniform(new Shape(3, 5, 14, 18, 1), -1f, 1f, new RandomGenerator(8));
        var history = model.Fit(x, target, batchSize: 3, epochs: 8, verbose: 0);
        Assert.True(history["loss"][^1] < 0.9 * history["loss"][0], $"loss {history["loss"][0]} → {history["loss"][^1]}");
    }

    private static void AssertClose(float[] want, float[] actual, float tolerance)
    {
        Assert.Equal(want.Length, actual.Length);
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(want[i] - actual[i]) <= tolerance * (1 + Math.Abs(want[i])), $"element {i}: {want[i]} vs {actual[i]}");
    }
}
