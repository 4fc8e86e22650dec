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
/// GroupNormalization and UnitNormalization: the layer harness (config, finite-difference gradients, a training step),
/// agreement with naive double-precision twins over several shapes and axes, Keras's config keys, Save/Load, Summary,
/// ONNX Runtime, and bad shapes refused with the layer's name.
/// </summary>
public sealed class GroupUnitNormalizationTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Models holding both layer types (also read by OnnxExportTests.EveryRegisteredLayerTypeExports).</summary>
    public static IEnumerable<Model> Samples() => [Images(), Vectors()];

    private static Sequential Images() => new(
        new Conv2D(6, (3, 3), padding: Padding.Same, inputShape: [5, 4, 2]),
        new GroupNormalization(groups: 3, name: "gn3"),
        new GroupNormalization(groups: 2, axis: 2, center: false, name: "gn_columns"), // the 4 columns as channels, in 2 groups
        new Flatten(),
        new Dense(4),
        new UnitNormalization());

    private static Sequential Vectors() => new(
        new Dense(8, inputShape: [3]),
        new GroupNormalization(groups: 4, scale: false),
        new Reshape([2, 4]),
        new UnitNormalization(axis: [1, 2]),
        new UnitNormalization(axis: 1),
        new Flatten(),
        new Dense(2));

    [Fact] public void HarnessGroupsOfTwoChannels() => LayerHarness.Run(() => new GroupNormalization(groups: 2), [3, 4], [3, 4], 8);
    [Fact] public void HarnessOneGroupImages() => LayerHarness.Run(() => new GroupNormalization(groups: 1, epsilon: 1e-2f), [2, 3, 3], [2, 3, 3], 6);
    [Fact] public void HarnessInstanceNormalizationOnAxisOne() => LayerHarness.Run(() => new GroupNormalization(groups: 3, axis: 1, center: false), [3, 2, 2], [3, 2, 2], 3);
    [Fact] public void HarnessFlatFeatures() => LayerHarness.Run(() => new GroupNormalization(groups: 3, scale: false), [6], [6], 6);
    [Fact] public void HarnessUnitLastAxis() => LayerHarness.Run(() => new UnitNormalization(), [2, 5], [2, 5], 0);
    [Fact] public void HarnessUnitAxisList() => LayerHarness.Run(() => new UnitNormalization(axis: [1, 3]), [3, 2, 2], [3, 2, 2], 0);

    /// <summary>The naive twin: per (sample, group) mean and biased variance in double over every position and the group's channels.</summary>
    private static float[] NaiveGroupNorm(Tensor x, int axis, int groups, float epsilon, float[]? gamma, float[]? beta)
    {
        var dims = x.Shape.ToArray();
        int rank = dims.Length, channels = dims[axis], perGroup = channels / groups;
        var v = x.ToArray();
        var sum = new double[dims[0] * groups];
        var squares = new double[dims[0] * groups];
        var count = new long[dims[0] * groups];
        int Key(int[] c) => c[0] * groups + c[axis] / perGroup;
        void Walk(Action<int, int[]> visit)
        {
            var c = new int[rank];
            for (int e = 0; e < v.Length; e++)
            {
                visit(e, c);
                for (int a = rank - 1; a >= 0 && ++c[a] == dims[a]; a--) c[a] = 0;
            }
        }
        Walk((e, c) => { sum[Key(c)] += v[e]; count[Key(c)]++; });
        Walk((e, c) => { double d = v[e] - sum[Key(c)] / count[Key(c)]; squares[Key(c)] += d * d; });
        var y = new float[v.Length];
        Walk((e, c) =>
        {
            int k = Key(c);
            double mean = sum[k] / count[k], variance = squares[k] / count[k];
            double n = (v[e] - mean) / Math.Sqrt(variance + epsilon);
            y[e] = (float)(n * (gamma?[c[axis]] ?? 1.0) + (beta?[c[axis]] ?? 0.0));
        });
        return y;
    }

    public static TheoryData<int[], int, int> GroupCases() => new()
    {
        { [2, 6], -1, 3 },
        { [3, 5, 4, 6], -1, 2 },
        { [2, 7, 3, 9], 3, 3 },
        { [2, 7, 3, 9], -1, 9 },
        { [1, 1, 1, 4], -1, 1 },
        { [2, 6, 5, 3], 1, 3 },   // channels first
        { [3, 4, 10], 2, 5 },
        { [2, 13, 32], -1, 32 },  // Keras's default of 32 groups, one channel each
    };

    [Theory]
    [MemberData(nameof(GroupCases))]
    public void GroupNormalizationMatchesTheNaiveTwin(int[] shape, int axis, int groups)
    {
        var x = Tensor.RandomUniform(new Shape(shape), -3f, 5f, new RandomGenerator(shape.Sum() + groups));
        var layer = new GroupNormalization(groups, axis);
        layer.Build(new Shape(shape).WithoutBatch());
        int channels = shape[axis < 0 ? axis + shape.Length : axis];
        var gamma = Tensor.RandomUniform(new Shape(channels), 0.5f, 1.5f, new RandomGenerator(1)).ToArray();
        var beta = Tensor.RandomUniform(new Shape(channels), -0.5f, 0.5f, new RandomGenerator(2)).ToArray();
        layer.SetWeights([Tensor.FromArray(gamma, channels), Tensor.FromArray(beta, channels)]);
        var actual = layer.Call(x).ToArray();
        var expected = NaiveGroupNorm(x, axis < 0 ? axis + shape.Length : axis, groups, 1e-3f, gamma, beta);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Abs(expected[i]) + 2e-5, $"element {i}: twin {expected[i]}, layer {actual[i]}");
    }

    [Fact]
    public void UnitNormalizationMatchesTheNaiveTwinAndKeepsZeroVectorsAtZero()
    {
        var x = Tensor.RandomUniform(new Shape(3, 4, 5), -2f, 2f, new RandomGenerator(7));
        var xs = x.ToArray();
        for (int k = 0; k < 5; k++) xs[k] = 0f; // sample 0, row 0: a zero vector
        x = Tensor.FromArray(xs, 3, 4, 5);
        foreach (int[] axes in new[] { new[] { 2 }, [1], [1, 2] })
        {
            var layer = new UnitNormalization(axes);
            var y = layer.Call(x).ToArray();
            var norms = new Dictionary<string, double>();
            string Key(int n, int r, int c) => $"{n},{(axes.Contains(1) ? -1 : r)},{(axes.Contains(2) ? -1 : c)}";
            for (int n = 0; n < 3; n++) for (int r = 0; r < 4; r++) for (int c = 0; c < 5; c++)
                norms[Key(n, r, c)] = norms.GetValueOrDefault(Key(n, r, c)) + (double)xs[(n * 4 + r) * 5 + c] * xs[(n * 4 + r) * 5 + c];
            for (int n = 0; n < 3; n++) for (int r = 0; r < 4; r++) for (int c = 0; c < 5; c++)
            {
                int i = (n * 4 + r) * 5 + c;
                double expected = xs[i] / Math.Max(Math.Sqrt(norms[Key(n, r, c)]), 1e-12);
                Assert.True(Math.Abs(expected - y[i]) <= 1e-6, $"axes [{string.Join(", ", axes)}] element {i}: twin {expected}, layer {y[i]}");
            }
        }
        // Keras's docstring example: each row of arange(6).reshape(2, 3) gets norm 1.
        var rows = new UnitNormalization().Call(Tensor.FromArray([0f, 1f, 2f, 3f, 4f, 5f], 2, 3)).ToArray();
        Assert.Equal(1.0, rows[3] * rows[3] + rows[4] * rows[4] + rows[5] * rows[5], 1e-6);
        Assert.Equal(1f / MathF.Sqrt(5f), rows[1], 1e-6f);
        // A zero vector: zero out, finite gradient.
        var zero = Tensor.Zeros(1, 3);
        zero.RequiresGrad = true;
        var loss = Ops.Sum(new UnitNormalization().Call(zero));
        loss.Backward();
        Assert.All(zero.Grad!.ToArray(), g => Assert.True(float.IsFinite(g)));
    }

    [Fact]
    public void KerasConfigKeysAndDefaults()
    {
        var g = new GroupNormalization(name: "gn").GetConfig();
        Assert.Equal(32, g["groups"]!.GetValue<int>());
        Assert.Equal(-1, g["axis"]!.GetValue<int>());
        Assert.Equal(1e-3f, g["epsilon"]!.GetValue<float>());
        Assert.True(g["center"]!.GetValue<bool>() && g["scale"]!.GetValue<bool>());
        // A config as Keras writes it (its initializer keys are ignored: γ starts at ones, β at zeros as Keras's defaults).
        var keras = System.Text.Json.Nodes.JsonNode.Parse("""{"name":"group_normalization","trainable":true,"dtype":"float32","groups":4,"axis":-1,"epsilon":0.001,"center":true,"scale":false,"beta_initializer":{"class_name":"Zeros","config":{}}}""")!.AsObject();
        var layer = Assert.IsType<GroupNormalization>(LayerRegistry.Create("GroupNormalization", keras));
        Assert.Equal(4, layer.Groups);
        Assert.False(layer.Scale);
        Assert.Equal("[1,2]", new UnitNormalization([1, 2]).GetConfig()["axis"]!.ToJsonString());
        Assert.Equal("-1", new UnitNormalization().GetConfig()["axis"]!.ToJsonString());
        var unit = Assert.IsType<UnitNormalization>(LayerRegistry.Create("UnitNormalization", System.Text.Json.Nodes.JsonNode.Parse("""{"name":"u","axis":[1,2]}""")!.AsObject()));
        Assert.Equal([1, 2], unit.Axis);
    }

    [Fact]
    public void BadShapesAndConfigsAreRefusedNamingTheLayer()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GroupNormalization(groups: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GroupNormalization(axis: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GroupNormalization(epsilon: 0f));
        var e = Assert.Throws<ShapeMismatchException>(() => new GroupNormalization(groups: 4, name: "odd").Call(Tensor.Zeros(2, 3, 6)));
        Assert.Contains("'odd'", e.Message);
        Assert.Contains("6 channels", e.Message);
        Assert.Contains("4 groups", e.Message);
        Assert.Contains("'few'", Assert.Throws<ShapeMismatchException>(() => new GroupNormalization(name: "few").Call(Tensor.Zeros(2, 16))).Message); // 32 groups, 16 channels
        Assert.Contains("'far'", Assert.Throws<ShapeMismatchException>(() => new GroupNormalization(groups: 1, axis: 3, name: "far").Call(Tensor.Zeros(2, 4))).Message);
        Assert.Throws<ArgumentException>(() => new UnitNormalization(Array.Empty<int>()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new UnitNormalization(0));
        Assert.Contains("'unit'", Assert.Throws<ShapeMismatchException>(() => new UnitNormalization(axis: 3, name: "unit").Call(Tensor.Zeros(2, 4))).Message);
        foreach (string json in new[] { """{"name":"g","groups":0}""", """{"name":"g","axis":0}""", """{"name":"g","epsilon":-1}""", """{"name":"g","groups":"many"}""" })
            Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("GroupNormalization", System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject()));
        foreach (string json in new[] { """{"name":"u","axis":0}""", """{"name":"u","axis":[]}""", """{"name":"u","axis":"last"}""" })
            Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("UnitNormalization", System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject()));
    }

    [Theory]
    [InlineData("images")]
    [InlineData("vectors")]
    public void TrainsSavesLoadsSummarizesAndExportsToOnnx(string which)
    {
        RandomGenerator.SetGlobalSeed(4);
        var model = which == "images" ? Images() : Vectors();
        var inputShape = model.Layers[0].BuiltInputShape!.Value;
        var x = Tensor.RandomUniform(inputShape.WithBatch(16), -1f, 1f, new RandomGenerator(8));
        var outputs = model.Layers[^1].ComputeOutputShape(model.Layers[^1].BuiltInputShape!.Value);
        var y = Tensor.RandomUniform(outputs.WithBatch(16), -0.5f, 0.5f, new RandomGenerator(9));
        model.Compile(new Adam(0.01f), "mse");
        var history = model.Fit(x, y, epochs: 8, batchSize: 8, verbose: 0);
        Assert.True(history["loss"][^1] < history["loss"][0], $"loss {history["loss"][0]} → {history["loss"][^1]}");

        string summary = model.Summary(_ => { });
        Assert.Contains(which == "images" ? "gn3 (GroupNormalization)" : "unit_normalization", summary); // long rows are cut to the column's width

        string path = _temp.File(which + ".safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(model.Layers.Select(l => l.TypeName), loaded.Layers.Select(l => l.TypeName));
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());

        OnnxRunner.AssertMatches(model, [x], $"GroupNormalization/UnitNormalization, {which}");
    }
}
