using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// RMSNormalization (Keras 3.9): the layer harness (config, finite-difference gradients, a training step), Keras's
/// documented values, a naive double-precision twin over several shapes and axes, Keras's config keys, Save/Load,
/// Summary, ONNX Runtime, and bad axes refused with the layer's name.
/// </summary>
public sealed class RmsNormalizationTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A model holding the layer (also read by OnnxExportTests.EveryRegisteredLayerTypeExports).</summary>
    public static IEnumerable<Model> Samples() => [Sample()];

    private static Sequential Sample() => new(
        new Dense(12, inputShape: [3]),
        new Reshape([3, 4]),
        new RmsNormalization(axis: [-2, -1], name: "rms_both"),
        new RmsNormalization(axis: 1, epsilon: 1e-3f, name: "rms_rows"),
        new RmsNormalization(),
        new Flatten(),
        new Dense(2));

    [Fact] public void HarnessLastAxis() => LayerHarness.Run(() => new RmsNormalization(), [3, 4], [3, 4], 4);
    [Fact] public void HarnessAxisList() => LayerHarness.Run(() => new RmsNormalization(axis: [-1, -2]), [2, 3], [2, 3], 6);
    [Fact] public void HarnessAxisOne() => LayerHarness.Run(() => new RmsNormalization(axis: 1, epsilon: 1e-2f), [3, 4], [3, 4], 3);

    [Fact]
    public void KerasDocumentedValues()
    {
        // Keras's rms_normalization_test: arange(10) normalised over its last axis; mean(x²) = 28.5.
        var y = new RmsNormalization().Call(Tensor.FromArray([0f, 1, 2, 3, 4, 5, 6, 7, 8, 9], 1, 10)).ToArray();
        float[] keras = [0f, 0.18731716f, 0.37463433f, 0.5619515f, 0.74926865f, 0.9365858f, 1.123903f, 1.3112202f, 1.4985373f, 1.6858544f];
        for (int i = 0; i < 10; i++) Assert.Equal(keras[i], y[i], 1e-6f);
        Assert.Equal(1.0 / Math.Sqrt(28.5 + 1e-6), y[1], 1e-6);
        // Keras's unsorted negative axes: scale (4, 8) for inputs (2, 4, 8); ones in, ones out.
        var layer = new RmsNormalization(axis: [-1, -2]);
        var ones = layer.Call(Tensor.Ones(2, 4, 8));
        Assert.Equal(new Shape(4, 8), layer.Scale!.Shape);
        Assert.All(ones.ToArray(), v => Assert.Equal(1f / MathF.Sqrt(1f + 1e-6f), v, 1e-6f));
    }

    public static TheoryData<int[], int[]> Cases() => new()
    {
        { [2, 7], [-1] },
        { [3, 5, 4], [2] },
        { [3, 5, 4], [1] },
        { [2, 3, 4, 5], [1, 3] },
        { [2, 3, 4, 5], [-1, -2, -3] },
        { [1, 1, 1], [-1] },
        { [4, 17], [1] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheNaiveTwin(int[] shape, int[] axes)
    {
        var x = Tensor.RandomUniform(new Shape(shape), -3f, 5f, new RandomGenerator(shape.Sum() + axes.Length));
        var layer = new RmsNormalization(axes, epsilon: 1e-5f);
        layer.Build(new Shape(shape).WithoutBatch());
        var scale = Tensor.RandomUniform(layer.Scale!.Shape, 0.5f, 1.5f, new RandomGenerator(3));
        layer.SetWeights([scale]);
        var actual = layer.Call(x).ToArray();
        var resolved = axes.Select(a => a < 0 ? a + shape.Length : a).Order().ToArray();
        var v = x.ToArray();
        var s = scale.ToArray();
        // Group elements by their coordinates outside the axes; the scale index is the coordinates on them.
        var sums = new Dictionary<string, (double Sum, int Count)>();
        string Key(int[] c) => string.Join(",", c.Select((ci, a) => resolved.Contains(a) ? -1 : ci));
        int ScaleIndex(int[] c) { int i = 0; foreach (int a in resolved) i = i * shape[a] + c[a]; return i; }
        var coordinates = new List<int[]>();
        var at = new int[shape.Length];
        for (int e = 0; e < v.Length; e++)
        {
            coordinates.Add((int[])at.Clone());
            var (sum, count) = sums.GetValueOrDefault(Key(at));
            sums[Key(at)] = (sum + (double)v[e] * v[e], count + 1);
            for (int a = shape.Length - 1; a >= 0 && ++at[a] == shape[a]; a--) at[a] = 0;
        }
        for (int e = 0; e < v.Length; e++)
        {
            var (sum, count) = sums[Key(coordinates[e])];
            double expected = v[e] / Math.Sqrt(sum / count + 1e-5) * s[ScaleIndex(coordinates[e])];
            Assert.True(Math.Abs(expected - actual[e]) <= 1e-5 * Math.Abs(expected) + 1e-6, $"element {e}: twin {expected}, layer {actual[e]}");
        }
    }

    [Fact]
    public void KerasConfigKeysAndDefaults()
    {
        var config = new RmsNormalization(name: "rms").GetConfig();
        Assert.Equal(-1, config["axis"]!.GetValue<int>());
        Assert.Equal(1e-6f, config["epsilon"]!.GetValue<float>());
        Assert.Equal("[-2,-1]", new RmsNormalization([-2, -1]).GetConfig()["axis"]!.ToJsonString());
        var keras = JsonNode.Parse("""{"name":"rms_normalization","trainable":true,"dtype":"float32","axis":[-1],"epsilon":1e-05}""")!.AsObject();
        var layer = Assert.IsType<RmsNormalization>(LayerRegistry.Create("RMSNormalization", keras));
        Assert.Equal([-1], layer.Axis);
        Assert.Equal(1e-5f, layer.Epsilon);
        layer.Build(new Shape(3, 6));
        Assert.Equal(("rms_normalization/scale", new Shape(6)), (layer.Parameters.Single().Path, layer.Parameters.Single().Shape));
        Assert.All(layer.Scale!.ToArray(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void BadAxesAndConfigsAreRefusedNamingTheLayer()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RmsNormalization(axis: 0));
        Assert.Throws<ArgumentException>(() => new RmsNormalization(Array.Empty<int>()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RmsNormalization(epsilon: -1f));
        var e = Assert.Throws<ShapeMismatchException>(() => new RmsNormalization(axis: 3, name: "far").Call(Tensor.Zeros(2, 4)));
        Assert.Contains("'far'", e.Message);
        Assert.Contains("RMSNormalization", e.Message);
        Assert.Contains("(None, 4)", e.Message);
        Assert.Contains("'twice'", Assert.Throws<ShapeMismatchException>(() => new RmsNormalization([1, -2], name: "twice").Call(Tensor.Zeros(2, 3, 4))).Message);
        foreach (string json in new[] { """{"name":"r","axis":0}""", """{"name":"r","axis":[]}""", """{"name":"r","epsilon":-1}""", """{"name":"r","axis":"last"}""" })
            Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("RMSNormalization", JsonNode.Parse(json)!.AsObject()));
    }

    [Fact]
    public void TheFusedOpRefusesBadInputNamingTheShapes()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => Ops.RmsNorm(Tensor.Zeros(2, 5), Tensor.Ones(4), 1e-6f));
        Assert.Contains("RmsNorm", e.Message);
        Assert.Contains("(2, 5)", e.Message);
        Assert.Contains("(4", e.Message);
        Assert.Contains("RmsNorm", Assert.Throws<ShapeMismatchException>(() => Ops.RmsNorm(Tensor.Scalar(1f), null, 1e-6f)).Message);
        Assert.Contains("(2, 5)", Assert.Throws<ArgumentOutOfRangeException>(() => Ops.RmsNorm(Tensor.Zeros(2, 5), null, -1f)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.RmsNorm(Tensor.Zeros(2, 5), null, float.NaN));
    }

    /// <summary>Keras's example values through the op itself, with and without a scale, and a zero row (y = 0, not NaN).</summary>
    [Fact]
    public void TheFusedOpGivesKerasValues()
    {
        var x = Tensor.FromArray([0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 2, 10);
        var plain = Ops.RmsNorm(x, null, 1e-6f).ToArray();
        var scaled = Ops.RmsNorm(x, Tensor.FromArray([1f, 2, 3, 4, 5, 6, 7, 8, 9, 10], 10), 1e-6f).ToArray();
        for (int i = 0; i < 10; i++)
        {
            double expected = i / Math.Sqrt(28.5 + 1e-6);
            Assert.Equal(expected, plain[i], 1e-6);
            Assert.Equal(expected * (i + 1), scaled[i], 1e-5);
            Assert.Equal(0f, plain[10 + i]);
            Assert.Equal(0f, scaled[10 + i]);
        }
    }

    [Fact]
    public void TrainsSavesLoadsSummarizesAndExportsToOnnx()
    {
        RandomGenerator.SetGlobalSeed(4);
        var model = Sample();
        var x = Tensor.RandomUniform(new Shape(16, 3), -1f, 1f, new RandomGenerator(8));
        var y = Tensor.RandomUniform(new Shape(16, 2), -0.5f, 0.5f, new RandomGenerator(9));
        model.Compile(new Adam(0.01f), "mse");
        var history = model.Fit(x, y, epochs: 8, batchSize: 8, verbose: 0);
        Assert.True(history["loss"][^1] < history["loss"][0], $"loss {history["loss"][0]} → {history["loss"][^1]}");
        Assert.Contains("rms_both (RMSNormalization)", model.Summary(_ => { }));

        string path = _temp.File("rms.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(model.Layers.Select(l => l.TypeName), loaded.Layers.Select(l => l.TypeName));
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());

        OnnxRunner.AssertMatches(model, [x], "RMSNormalization");
    }
}
