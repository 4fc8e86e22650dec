using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// Keras 3's volumetric layers (Conv3D, MaxPooling3D, AveragePooling3D, the global 3-D poolings, UpSampling3D,
/// ZeroPadding3D, Cropping3D, SpatialDropout3D): values worked out by hand and from Keras's documented shapes,
/// the 2-D layers they reduce to, finite-difference gradients, configs, errors, files, ONNX and a training run.
/// </summary>
public sealed class VolumeLayerTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static Tensor Ramp(params int[] shape)
    {
        int size = shape.Aggregate(1, (a, b) => a * b);
        return Tensor.FromArray(Enumerable.Range(0, size).Select(i => (float)i).ToArray(), shape);
    }

    private static Tensor Ones(params int[] shape) => Tensor.FromArray(Enumerable.Repeat(1f, shape.Aggregate(1, (a, b) => a * b)).ToArray(), shape);

    [Fact]
    public void Conv3DMatchesHandValuesAndKerasShapes()
    {
        // Keras's example: 28³ volumes of one channel, Conv3D(2, 3) → 26³ × 2.
        Assert.Equal(new Shape(26, 26, 26, 2), new Conv3D(2, 3).ComputeOutputShape(new Shape(28, 28, 28, 1)));
        // A 2×2×2 kernel of ones over a 2×2×2 ramp: the sum 0 + … + 7 = 28, plus the bias.
        var conv = new Conv3D(1, 2);
        conv.Build(new Shape(2, 2, 2, 1));
        conv.Parameters[0].Value.Span.Fill(1f);
        conv.Parameters[1].Value.Span.Fill(0.5f);
        Assert.Equal([28.5f], conv.Call(Ramp(1, 2, 2, 2, 1)).ToArray());
        // Depth 4, kernel (3, 1, 1) of ones, stride 2, 'same': output 2, one plane of padding at the back only (Keras's rule).
        var same = new Conv3D(1, (3, 1, 1), (2, 1, 1), Padding.Same, useBias: false);
        same.Build(new Shape(4, 1, 1, 1));
        same.Parameters[0].Value.Span.Fill(1f);
        Assert.Equal([1f + 2 + 3, 3f + 4], same.Call(Tensor.FromArray([1f, 2, 3, 4], 1, 4, 1, 1, 1)).ToArray());
        // Dilation 2 along the depth: taps 0 and 2 of a (2, 1, 1) kernel [1, 10].
        var dilated = new Conv3D(1, (2, 1, 1), dilationRate: (2, 1, 1), useBias: false);
        dilated.Build(new Shape(4, 1, 1, 1));
        dilated.Parameters[0].Value.Span[1] = 10f;
        dilated.Parameters[0].Value.Span[0] = 1f;
        Assert.Equal([1f + 30, 2f + 40], dilated.Call(Tensor.FromArray([1f, 2, 3, 4], 1, 4, 1, 1, 1)).ToArray());
    }

    [Fact]
    public void Conv3DOnOnePlaneEqualsConv2D()
    {
        // A (1, kh, kw) kernel over volumes of depth 1 is Conv2D, stride, padding and dilation included.
        var x = Tensor.RandomUniform(new Shape(2, 1, 7, 6, 3), -1f, 1f, new RandomGenerator(1));
        var image = Ops.Reshape(x, 2, 7, 6, 3);
        foreach (var (strides, padding, dilation) in new[] { ((1, 1), Padding.Valid, (1, 1)), ((2, 2), Padding.Same, (1, 1)), ((1, 1), Padding.Same, (2, 1)) })
        {
            var c3 = new Conv3D(4, (1, 3, 2), (1, strides.Item1, strides.Item2), padding, (1, dilation.Item1, dilation.Item2), biasInitializer: Initializer.RandomUniform(-1f, 1f));
            var y3 = c3.Call(x);
            var c2 = new Conv2D(4, (3, 2), strides, padding, dilationRate: dilation);
            c2.Build(new Shape(7, 6, 3));
            c3.Parameters[0].Value.Span.CopyTo(c2.Parameters[0].Value.Span);
            c3.Parameters[1].Value.Span.CopyTo(c2.Parameters[1].Value.Span);
            var y2 = c2.Call(image);
            Assert.Equal(y2.Shape.ToArray(), y3.Shape.ToArray().Where((_, i) => i != 1).ToArray());
            AssertClose(y2.ToArray(), y3.ToArray(), 1e-5f);
        }
    }

    [Fact]
    public void GroupedConv3DIsTwoConvolutionsOnTheChannelHalves()
    {
        var x = Tensor.RandomUniform(new Shape(2, 4, 3, 5, 4), -1f, 1f, new RandomGenerator(2));
        var grouped = new Conv3D(6, (2, 2, 3), padding: Padding.Same, groups: 2);
        var y = grouped.Call(x);
        Assert.Equal(new Shape(2, 4, 3, 5, 6), y.Shape);
        Assert.Equal(new Shape(2, 2, 3, 2, 6), grouped.Parameters[0].Value.Shape);
        var kernel = grouped.Parameters[0].Value;
        var bias = grouped.Parameters[1].Value;
        for (int g = 0; g < 2; g++)
        {
            var half = Ops.Conv3D(Ops.Slice(x, 4, 2 * g, 2), Ops.Slice(kernel, 4, 3 * g, 3), Ops.Slice(bias, 0, 3 * g, 3), (1, 1, 1), true);
            AssertClose(half.ToArray(), Ops.Slice(y, 4, 3 * g, 3).ToArray(), 1e-6f);
        }
    }

    [Fact]
    public void Conv3DGradientsMatchFiniteDifferences()
    {
        foreach (var (strides, same, dilation, groups) in new[]
        {
            ((1, 1, 1), false, (1, 1, 1), 1), ((2, 2, 1), true, (1, 1, 1), 1), ((1, 1, 1), true, (2, 1, 2), 1), ((1, 2, 1), false, (1, 1, 1), 2),
        })
        {
            var x = GradCheck.Random(11, 2, 5, 4, 3, 2);
            var kernel = GradCheck.Random(12, 2, 3, 2, 2 / groups, 4);
            var bias = GradCheck.Random(13, 4);
            GradCheck.Check(t => Ops.Conv3D(t[0], t[1], t[2], strides, same, dilation, groups), [x, kernel, bias], epsilon: 1e-2f);
        }
    }

    [Fact]
    public void PoolingMatchesHandValues()
    {
        var ramp = Ramp(1, 2, 2, 2, 1);
        Assert.Equal([7f], new MaxPooling3D().Call(ramp).ToArray());
        Assert.Equal([3.5f], new AveragePooling3D().Call(ramp).ToArray());
        // Depth 3, pool 2, stride 2, 'same': the last window holds only plane 2 (mean 2, not 1), as Keras counts real voxels only.
        var deep = Tensor.FromArray([0f, 1, 2], 1, 3, 1, 1, 1);
        Assert.Equal([0.5f, 2f], new AveragePooling3D((2, 1, 1), padding: Padding.Same).Call(deep).ToArray());
        Assert.Equal([1f, 2f], new MaxPooling3D((2, 1, 1), padding: Padding.Same).Call(deep).ToArray());
        // Strides default to the pool size; 'valid' floors.
        var pool = new MaxPooling3D((2, 2, 3), (1, 2, 2));
        Assert.Equal((2, 2, 3), pool.PoolSize);
        Assert.Equal(new Shape(4, 2, 3, 5), pool.ComputeOutputShape(new Shape(5, 5, 8, 5)));
        Assert.Equal((2, 2, 2), new AveragePooling3D(2).Strides);
    }

    [Fact]
    public void GlobalPoolingReducesDepthHeightAndWidth()
    {
        var x = Ramp(2, 2, 3, 2, 2); // channel c of sample n holds n·24 + 2·i + c
        var max = new GlobalMaxPooling3D().Call(x);
        Assert.Equal(new Shape(2, 2), max.Shape);
        Assert.Equal([22f, 23f, 46f, 47f], max.ToArray());
        var mean = new GlobalAveragePooling3D(keepDims: true).Call(x);
        Assert.Equal(new Shape(2, 1, 1, 1, 2), mean.Shape);
        Assert.Equal([11f, 12f, 35f, 36f], mean.ToArray());
        GradCheck.Check(t => new GlobalMaxPooling3D().Call(t[0]), [GradCheck.Random(21, 2, 2, 3, 2, 3)]);
        GradCheck.Check(t => new GlobalAveragePooling3D(keepDims: true).Call(t[0]), [GradCheck.Random(22, 2, 2, 3, 2, 3)]);
    }

    [Fact]
    public void PoolingGradientsMatchFiniteDifferences()
    {
        // Distinct values (no ties within ε) for max pooling.
        var x = Tensor.FromArray(Enumerable.Range(0, 2 * 5 * 4 * 3 * 2).Select(i => (float)((i * 37) % 240) / 24f).ToArray(), 2, 5, 4, 3, 2);
        foreach (bool same in new[] { false, true })
        {
            GradCheck.Check(t => Ops.MaxPool3D(t[0], (2, 2, 2), (2, 1, 2), same), [x], epsilon: 1e-3f);
            GradCheck.Check(t => Ops.AvgPool3D(t[0], (3, 2, 2), (2, 2, 1), same), [x], epsilon: 1e-2f);
        }
    }

    [Fact]
    public void UpSamplingPaddingAndCroppingMatchHandValues()
    {
        var x = Ramp(1, 2, 2, 3, 2);
        var up = new UpSampling3D((2, 3, 1)).Call(x);
        Assert.Equal(new Shape(1, 4, 6, 3, 2), up.Shape);
        var u = up.ToArray();
        var v = x.ToArray();
        for (int d = 0; d < 4; d++)
            for (int h = 0; h < 6; h++)
                for (int w = 0; w < 3; w++)
                    for (int c = 0; c < 2; c++)
                        Assert.Equal(v[((d / 2 * 2 + h / 3) * 3 + w) * 2 + c], u[((d * 6 + h) * 3 + w) * 2 + c]);
        Assert.Equal((2, 2, 2), new UpSampling3D().Size);

        var padded = new ZeroPadding3D((1, 0), (0, 2), (1, 1)).Call(x);
        Assert.Equal(new Shape(1, 3, 4, 5, 2), padded.Shape);
        var p = padded.ToArray();
        Assert.Equal(0f, p.Take(4 * 5 * 2).Sum()); // the front plane
        Assert.Equal(v[((1 * 2 + 1) * 3 + 2) * 2 + 1], p[((2 * 4 + 1) * 5 + 3) * 2 + 1]); // voxel (1, 1, 2) moves to (2, 1, 3)
        Assert.Equal(v.Sum(), p.Sum());
        Assert.Equal(new Shape(4, 4, 4, 1), new ZeroPadding3D().ComputeOutputShape(new Shape(2, 2, 2, 1)));

        // Keras's example: (2, 28, 28, 10, 3) cropped by (2, 4, 2) → (2, 24, 20, 6, 3).
        Assert.Equal(new Shape(24, 20, 6, 3), new Cropping3D((2, 4, 2)).ComputeOutputShape(new Shape(28, 28, 10, 3)));
        Assert.Equal(new Shape(3, 3, 3, 1), new Cropping3D().ComputeOutputShape(new Shape(5, 5, 5, 1))); // Keras's default crops 1 everywhere
        var cropped = new Cropping3D((1, 0), (0, 1), (1, 1)).Call(Ramp(1, 2, 3, 4, 1));
        Assert.Equal(new Shape(1, 1, 2, 2, 1), cropped.Shape);
        Assert.Equal([13f, 14f, 17f, 18f], cropped.ToArray());
        // Padding then cropping by the same margins is the identity.
        var back = new Cropping3D((1, 0), (0, 2), (1, 1)).Call(new ZeroPadding3D((1, 0), (0, 2), (1, 1)).Call(x));
        Assert.Equal(v, back.ToArray());
    }

    [Fact]
    public void ReshapingLayerGradientsMatchFiniteDifferences()
    {
        var x = GradCheck.Random(31, 2, 2, 3, 2, 2);
        GradCheck.Check(t => new UpSampling3D((2, 1, 2)).Call(t[0]), [x], epsilon: 1e-3f);
        GradCheck.Check(t => new ZeroPadding3D((1, 2), (0, 1), (1, 0)).Call(t[0]), [x], epsilon: 1e-3f);
        GradCheck.Check(t => new Cropping3D((1, 0), (1, 1), (0, 1)).Call(t[0]), [x], epsilon: 1e-3f);
    }

    [Fact]
    public void SpatialDropout3DDropsWholeChannelVolumes()
    {
        var layer = new SpatialDropout3D(0.5f, seed: 3);
        var x = Ones(4, 3, 2, 2, 8);
        Assert.Equal(x.ToArray(), layer.Call(x).ToArray()); // inference: the identity
        var y = layer.Call(x, training: true).ToArray();
        int dropped = 0;
        for (int n = 0; n < 4; n++)
            for (int c = 0; c < 8; c++)
            {
                var values = Enumerable.Range(0, 12).Select(p => y[(n * 12 + p) * 8 + c]).Distinct().ToArray();
                Assert.Single(values); // one decision per sample and channel, over depth, height and width
                Assert.Contains(values[0], new[] { 0f, 2f });
                if (values[0] == 0f) dropped++;
            }
        Assert.InRange(dropped, 4, 28);
        var e = Assert.Throws<ShapeMismatchException>(() => new SpatialDropout3D(0.5f).Call(Ones(2, 3, 3, 2)));
        Assert.Contains("(batch, depth, height, width, channels)", e.Message);
    }

    [Fact]
    public void ConfigsRoundTripAndReadKerasForms()
    {
        var layers = new Layer[]
        {
            new Conv3D(6, (1, 2, 3), (1, 2, 1), Padding.Same, groups: 2, activation: Activation.Relu, useBias: false, name: "c"),
            new Conv3D(4, (3, 3, 3), dilationRate: (2, 1, 2), name: "d"),
            new MaxPooling3D((1, 2, 2), (1, 1, 2), Padding.Same, name: "m"), new AveragePooling3D((3, 1, 2), name: "a"),
            new GlobalMaxPooling3D(true, name: "gm"), new GlobalAveragePooling3D(name: "ga"), new UpSampling3D((1, 2, 3), name: "u"),
            new ZeroPadding3D((1, 2), (3, 4), (5, 6), name: "z"), new Cropping3D((0, 1), (2, 0), (1, 1), name: "k"), new SpatialDropout3D(0.3f, seed: 5, name: "s"),
        };
        foreach (var layer in layers)
        {
            var config = layer.GetConfig();
            var back = LayerRegistry.Create(layer.TypeName, config);
            Assert.Equal(config.ToJsonString(), back.GetConfig().ToJsonString());
        }
        var c = (Conv3D)LayerRegistry.Create("Conv3D", Json("""{"name":"k","filters":8,"kernel_size":3,"strides":[1,2,2],"padding":"same","groups":1,"data_format":"channels_last"}"""));
        Assert.Equal(((3, 3, 3), (1, 2, 2), Padding.Same), (c.KernelSize, c.Strides, c.Padding));
        var z = (ZeroPadding3D)LayerRegistry.Create("ZeroPadding3D", Json("""{"name":"z","padding":[1,2,3]}"""));
        Assert.Equal(((1, 1), (2, 2), (3, 3)), (z.Depth, z.Rows, z.Columns));
        var k = (Cropping3D)LayerRegistry.Create("Cropping3D", Json("""{"name":"k","cropping":[[1,2],[3,4],[5,6]]}"""));
        Assert.Equal(((1, 2), (3, 4), (5, 6)), (k.Depth, k.Rows, k.Columns));
        var p = (MaxPooling3D)LayerRegistry.Create("MaxPooling3D", Json("""{"name":"p","pool_size":3,"strides":null}"""));
        Assert.Equal(((3, 3, 3), (3, 3, 3)), (p.PoolSize, p.Strides));
        Assert.True(((GlobalAveragePooling3D)LayerRegistry.Create("GlobalAveragePooling3D", Json("""{"name":"g","keepdims":true}"""))).KeepDims);
        var first = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("Conv3D", Json("""{"name":"k","filters":2,"kernel_size":3,"data_format":"channels_first"}""")));
        Assert.Contains("channels_first", first.Message);
        var pair = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("Conv3D", Json("""{"name":"k","filters":2,"kernel_size":[3,3]}""")));
        Assert.Contains("kernel_size", pair.Message);
    }

    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    [Fact]
    public void BadInputsAreRefusedNamingTheLayerAndShapes()
    {
        var rank = Assert.Throws<ShapeMismatchException>(() => new Conv3D(2, 3, name: "vol").Call(Ones(2, 5, 5, 1)));
        Assert.Contains("'vol'", rank.Message);
        Assert.Contains("(batch, depth, height, width, channels)", rank.Message);
        var big = Assert.Throws<ShapeMismatchException>(() => new Conv3D(2, (5, 3, 3), name: "big").Call(Ones(1, 4, 6, 6, 1)));
        Assert.Contains("'big'", big.Message);
        Assert.Contains("depth", big.Message);
        Assert.Contains("(None, 4, 6, 6, 1)", big.Message);
        var groups = Assert.Throws<ShapeMismatchException>(() => new Conv3D(4, 1, groups: 2, name: "g").Call(Ones(1, 2, 2, 2, 3)));
        Assert.Contains("groups 2", groups.Message);
        Assert.Throws<ArgumentException>(() => new Conv3D(3, 1, groups: 2));
        Assert.Throws<ArgumentException>(() => new Conv3D(3, (3, 3, 3), (2, 1, 1), dilationRate: (1, 2, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv3D(3, (3, 0, 3)));
        var pool = Assert.Throws<ShapeMismatchException>(() => new MaxPooling3D(3, name: "p").Call(Ones(1, 2, 4, 4, 1)));
        Assert.Contains("'p'", pool.Message);
        Assert.Contains("a pool of 3", pool.Message);
        Assert.Throws<ShapeMismatchException>(() => new AveragePooling3D().Call(Ones(1, 4, 4, 1)));
        Assert.Throws<ShapeMismatchException>(() => new GlobalAveragePooling3D().Call(Ones(2, 4, 4, 1)));
        var crop = Assert.Throws<ShapeMismatchException>(() => new Cropping3D(2, name: "k").Call(Ones(1, 4, 5, 5, 1)));
        Assert.Contains("'k'", crop.Message);
        Assert.Contains("leave nothing", crop.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZeroPadding3D(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new UpSampling3D((1, 0, 1)));
        var channels = Assert.Throws<ShapeMismatchException>(() =>
        {
            var conv = new Conv3D(2, 1, name: "c");
            conv.Call(Ones(1, 2, 2, 2, 3));
            conv.Call(Ones(1, 2, 2, 2, 4));
        });
        Assert.Contains("'c'", channels.Message);
    }

    internal static Model Sample() => new Sequential(
        new ZeroPadding3D((1, 0), (0, 1), (1, 1), inputShape: [4, 5, 4, 2]),
        new Conv3D(4, (2, 3, 2), padding: Padding.Same, activation: Activation.Relu),
        new Conv3D(4, (3, 2, 2), (2, 1, 1), Padding.Same, groups: 2),
        new SpatialDropout3D(0.2f, seed: 3),
        new MaxPooling3D((1, 2, 2), padding: Padding.Same),
        new UpSampling3D((2, 1, 2)),
        new Cropping3D((1, 0), (0, 1), (1, 0)),
        new AveragePooling3D((2, 2, 2), (1, 1, 1), Padding.Same),
        new Conv3D(3, 1, activation: Activation.Tanh),
        new Conv3DTranspose(3, (2, 2, 1), (2, 1, 1), Padding.Same, outputPadding: (1, 0, 0)),
        new GlobalMaxPooling3D(keepDims: true),
        new GlobalAveragePooling3D(),
        new Dense(2));

    /// <summary>Models holding these layers, for the test that every registered type exports.</summary>
    public static IEnumerable<Model> Samples() => [Sample()];

    [Fact]
    public void AModelSavesLoadsSummarisesAndExportsToOnnx()
    {
        RandomGenerator.SetGlobalSeed(5);
        var model = Sample();
        var x = Tensor.RandomUniform(new Shape(3, 4, 5, 4, 2), -1f, 1f, new RandomGenerator(6));
        string path = _temp.File("volumes.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        string summary = model.Summary(_ => { });
        Assert.Contains("Conv3D", summary);
        Assert.Contains("(None, 5, 6, 6, 4)", summary);
        Assert.Contains("(None, 1, 1, 1, 3)", summary); // GlobalMaxPooling3D with keepDims
        OnnxRunner.AssertMatches(model, [x], "3-D layers", tolerance: 1e-5);
        // 'valid' and strided variants too (the far-side pads of ONNX's Conv and pools).
        var strided = new Sequential(new Conv3D(3, (3, 3, 2), (2, 2, 1), Padding.Same, inputShape: [6, 7, 5, 2]),
            new AveragePooling3D((2, 3, 2), (2, 2, 1), Padding.Same), new Conv3D(2, 2, padding: Padding.Valid), new MaxPooling3D((1, 1, 2)),
            new GlobalAveragePooling3D(keepDims: true));
        OnnxRunner.AssertMatches(strided, [Tensor.RandomUniform(new Shape(2, 6, 7, 5, 2), -1f, 1f, new RandomGenerator(7))], "strided 3-D layers", tolerance: 1e-5);
    }

    [Fact]
    public void ATiny3DCnnLearnsOnSyntheticVolumes()
    {
        // Class 1 volumes hold a bright 2×2×2 cube somewhere, class 0 volumes only noise.
        RandomGenerator.SetGlobalSeed(8);
        var rng = new RandomGenerator(9);
        const int count = 48, side = 6;
        var volumes = new float[count * side * side * side];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % 2;
            for (int v = 0; v < side * side * side; v++) volumes[i * side * side * side + v] = rng.NextFloat() * 0.3f;
            if (labels[i] == 0) continue;
            int d = rng.NextInt(side - 1), h = rng.NextInt(side - 1), w = rng.NextInt(side - 1);
            for (int a = 0; a < 2; a++)
                for (int b = 0; b < 2; b++)
                    for (int c = 0; c < 2; c++)
                        volumes[i * side * side * side + ((d + a) * side + h + b) * side + w + c] = 1f;
        }
        var x = Tensor.FromArray(volumes, count, side, side, side, 1);
        var y = Tensor.FromArray(labels, count);
        var model = new Sequential(
            new Conv3D(4, 3, padding: Padding.Same, activation: Activation.Relu, inputShape: [side, side, side, 1]),
            new MaxPooling3D(2),
            new Conv3D(8, 3, padding: Padding.Same, activation: Activation.Relu),
            new GlobalMaxPooling3D(),
            new Dense(2));
        model.Compile(new Adam(0.01f), new SparseCategoricalCrossentropy(fromLogits: true));
        var history = model.Fit(x, y, batchSize: 16, epochs: 6, verbose: 0);
        Assert.True(history["loss"][^1] < 0.7 * history["loss"][0], $"loss {history["loss"][0]} → {history["loss"][^1]}");
    }

    private static void AssertClose(float[] want, float[] actual, float tolerance)
    {
        Assert.Equal(want.Length, actual.Length);
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(want[i] - actual[i]) <= tolerance * (1 + Math.Abs(want[i])), $"element {i}: {want[i]} vs {actual[i]}");
    }
}
