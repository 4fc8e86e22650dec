using DeepSharp.Data;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// Keras's preprocessing Normalization: the layer harness (config, gradient), Adapt against a naive double-precision
/// mean and variance for several kept axes, invert, Sequential and functional models through Fit, Summary, Save/Load
/// and ONNX, and every bad statistic refused with the layer's name.
/// </summary>
public sealed class PreprocessingNormalizationTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact] public void HarnessWithGivenStatistics() => LayerHarness.Run(() => new Normalization(mean: [0.5f, -1f, 2f], variance: [4f, 0.25f, 1f]), [2, 3], [2, 3], 6);
    [Fact] public void HarnessKeepingTheFirstAxis() => LayerHarness.Run(() => new Normalization(axis: 1, mean: [0.1f, 0.2f], variance: [2f, 3f]), [2, 3], [2, 3], 4);
    [Fact] public void HarnessOneStatisticForAll() => LayerHarness.Run(() => new Normalization(axis: [], mean: [0.3f], variance: [0.5f]), [4], [4], 2);
    [Fact] public void HarnessInverted() => LayerHarness.Run(() => new Normalization(mean: [1f, 2f], variance: [9f, 0.5f], invert: true), [3, 2], [3, 2], 4);

    /// <summary>The naive twin: mean and population variance per kept position, in double.</summary>
    private static (double[] Mean, double[] Variance) Naive(Tensor data, Func<int[], int> keptIndex, int kept)
    {
        var sum = new double[kept];
        var squares = new double[kept];
        var count = new long[kept];
        var dims = data.Shape.ToArray();
        var x = data.ToArray();
        var coordinates = new int[dims.Length];
        for (int e = 0; e < x.Length; e++)
        {
            int k = keptIndex(coordinates);
            sum[k] += x[e];
            count[k]++;
            for (int a = dims.Length - 1; a >= 0 && ++coordinates[a] == dims[a]; a--) coordinates[a] = 0;
        }
        var mean = sum.Select((s, k) => s / count[k]).ToArray();
        Array.Clear(coordinates);
        for (int e = 0; e < x.Length; e++)
        {
            int k = keptIndex(coordinates);
            squares[k] += (x[e] - mean[k]) * (x[e] - mean[k]);
            for (int a = dims.Length - 1; a >= 0 && ++coordinates[a] == dims[a]; a--) coordinates[a] = 0;
        }
        return (mean, squares.Select((s, k) => s / count[k]).ToArray());
    }

    public static TheoryData<int[], int[]> AdaptCases() => new()
    {
        { [7, 4], [-1] },
        { [5, 3, 4, 2], [-1] },
        { [5, 3, 4, 2], [1, 2] },
        { [5, 3, 4, 2], [1, 3] },
        { [6, 3, 5], [] },
        { [1, 5], [-1] },
    };

    [Theory]
    [MemberData(nameof(AdaptCases))]
    public void AdaptMatchesTheNaiveStatistics(int[] shape, int[] axis)
    {
        // Data far from 0 with a small spread: a one-pass sum of squares in float would lose the variance.
        var data = Ops(Tensor.RandomUniform(new Shape(shape), -1f, 1f, new RandomGenerator(11)), 1000f, 0.5f);
        var layer = new Normalization(axis);
        layer.Adapt(data);
        int rank = shape.Length;
        var kept = axis.Select(a => a < 0 ? a + rank : a).Order().ToArray();
        int keptSize = kept.Aggregate(1, (p, a) => p * shape[a]);
        int KeptIndex(int[] c) => kept.Aggregate(0, (k, a) => k * shape[a] + c[a]);
        var (mean, variance) = Naive(data, KeptIndex, keptSize);
        Assert.Equal(keptSize, layer.Mean!.Size);
        for (int k = 0; k < keptSize; k++)
        {
            Assert.Equal(mean[k], layer.Mean.Span[k], 1e-3 * 1000 * 1e-4 + 1e-4);
            Assert.True(Math.Abs(variance[k] - layer.Variance!.Span[k]) <= 1e-5 + 1e-4 * variance[k], $"variance[{k}]: naive {variance[k]}, layer {layer.Variance.Span[k]}");
        }
        Assert.True(layer.IsAdapted);

        // The layer's output: (x − mean) / max(√var, 1e-7), element by element.
        var y = layer.Call(data).ToArray();
        var x = data.ToArray();
        var coordinates = new int[rank];
        for (int e = 0; e < x.Length; e++)
        {
            int k = KeptIndex(coordinates);
            float std = MathF.Max(MathF.Sqrt(layer.Variance!.Span[k]), 1e-7f);
            Assert.Equal((x[e] - layer.Mean.Span[k]) / std, y[e], 1e-6f);
            for (int a = rank - 1; a >= 0 && ++coordinates[a] == shape[a]; a--) coordinates[a] = 0;
        }
    }

    private static Tensor Ops(Tensor x, float shift, float scale) => DeepSharp.Autograd.Ops.Affine(x, scale, shift);

    [Fact]
    public void AdaptOverBatchesEqualsAdaptOverTheWholeTensor()
    {
        var data = Tensor.RandomNormal(new Shape(10, 3), generator: new RandomGenerator(4));
        var whole = new Normalization();
        whole.Adapt(data);
        var batched = new Normalization();
        batched.Adapt(new DataLoader(new TensorDataset(data, Tensor.Zeros(10, 1)), batchSize: 3, shuffle: false));
        var parts = new Normalization();
        parts.Adapt([Tensor.FromArray(data.ToArray()[..12], 4, 3), Tensor.FromArray(data.ToArray()[12..], 6, 3)]);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(whole.Mean!.Span[i], batched.Mean!.Span[i], 1e-6f);
            Assert.Equal(whole.Variance!.Span[i], batched.Variance!.Span[i], 1e-6f);
            Assert.Equal(whole.Mean.Span[i], parts.Mean!.Span[i], 1e-6f);
            Assert.Equal(whole.Variance.Span[i], parts.Variance!.Span[i], 1e-6f);
        }
    }

    [Fact]
    public void WholeNumberDataAndANullAxisAreKerassToo()
    {
        var counts = new Normalization();
        counts.Adapt(Tensor.FromArray([1, 10, 3, 20], 2, 2)); // int32 features, cast as Keras casts them
        Assert.Equal([2f, 15f], counts.Mean!.ToArray());
        Assert.Equal([1f, 25f], counts.Variance!.ToArray());
        var all = new Normalization(axis: null);
        all.Adapt(Tensor.FromArray([1f, 3f, 5f, 7f], 2, 2));
        Assert.Equal([4f], all.Mean!.ToArray());
        Assert.Equal([5f], all.Variance!.ToArray());
    }

    [Fact]
    public void InvertUndoesNormalization()
    {
        var data = Tensor.RandomNormal(new Shape(8, 3), generator: new RandomGenerator(2));
        var forward = new Normalization();
        forward.Adapt(data);
        var back = new Normalization(mean: forward.Mean!.ToArray(), variance: forward.Variance!.ToArray(), invert: true);
        var roundTrip = back.Call(forward.Call(data)).ToArray();
        var x = data.ToArray();
        for (int i = 0; i < x.Length; i++) Assert.Equal(x[i], roundTrip[i], 1e-5f);
    }

    [Fact]
    public void ConstantFeatureDividesByTheSmallestDeviationNotZero()
    {
        var layer = new Normalization();
        layer.Adapt(Tensor.FromArray([2f, 1f, 2f, 3f], 2, 2));
        Assert.Equal(0f, layer.Variance!.Span[0]);
        var y = layer.Call(Tensor.FromArray([2f, 5f], 1, 2)).ToArray();
        Assert.Equal(0f, y[0]);
        Assert.True(float.IsFinite(y[1]));
    }

    private static (Tensor X, Tensor Y) Regression()
    {
        var x = Ops(Tensor.RandomUniform(new Shape(64, 4), -1f, 1f, new RandomGenerator(9)), 50f, 20f);
        var w = new[] { 0.02f, -0.03f, 0.01f, 0.05f };
        var xs = x.ToArray();
        var y = new float[64];
        for (int i = 0; i < 64; i++) for (int j = 0; j < 4; j++) y[i] += (xs[i * 4 + j] - 50f) * w[j];
        return (x, Tensor.FromArray(y, 64, 1));
    }

    [Fact]
    public void SequentialModelTrainsSavesLoadsAndExports()
    {
        var (x, y) = Regression();
        RandomGenerator.SetGlobalSeed(1);
        var normalizer = new Normalization(inputShape: [4]);
        normalizer.Adapt(x);
        var model = new Sequential(normalizer, new Dense(8, Activation.Relu), new Dense(1));
        model.Compile(new Adam(0.01f), "mse");
        var history = model.Fit(x, y, epochs: 20, batchSize: 16, verbose: 0);
        Assert.True(history["loss"][^1] < history["loss"][0] / 2, $"loss {history["loss"][0]} → {history["loss"][^1]}");
        // Training leaves the statistics alone.
        var (mean, _) = Naive(x, c => c[1], 4);
        for (int i = 0; i < 4; i++) Assert.Equal(mean[i], normalizer.Mean!.Span[i], 1e-3);

        string summary = model.Summary(_ => { });
        Assert.Contains("Normalization", summary);
        Assert.Contains("Non-trainable params: 8", summary);

        string path = _temp.File("normalized.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        var copy = Assert.IsType<Normalization>(loaded.Layers[0]);
        Assert.Equal(normalizer.Mean!.ToArray(), copy.Mean!.ToArray());
        Assert.Equal(normalizer.Variance!.ToArray(), copy.Variance!.ToArray());
        Assert.True(copy.IsAdapted);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        Assert.Equal(model.Evaluate(x, y, verbose: 0)["loss"], loaded.Evaluate(x, y, verbose: 0)["loss"], 1e-6);

        OnnxRunner.AssertMatches(model, [x], "Normalization, Sequential", tolerance: 1e-5);
    }

    [Fact]
    public void QuantizationKeepsTheFloatNormalizationInFront()
    {
        var (x, y) = Regression();
        RandomGenerator.SetGlobalSeed(2);
        var normalizer = new Normalization(inputShape: [4]);
        normalizer.Adapt(x);
        var model = new Sequential(normalizer, new Dense(16, Activation.Relu), new Dense(1));
        model.Compile(new Adam(0.01f), "mse");
        model.Fit(x, y, epochs: 10, batchSize: 16, verbose: 0);
        var quantized = DeepSharp.Compression.Quantization.Quantize(model, x);
        var q = Assert.IsType<Normalization>(quantized.Layers[0]);
        Assert.Equal(normalizer.Mean!.ToArray(), q.Mean!.ToArray());
        float[] expected = model.Predict(x).ToArray(), actual = quantized.Predict(x).ToArray();
        double spread = expected.Max() - expected.Min();
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 0.05 * spread, $"sample {i}: float {expected[i]}, int8 {actual[i]}");
        string path = _temp.File("quantized.safetensors");
        quantized.Save(path);
        Assert.Equal(actual, Model.Load(path).Predict(x).ToArray());
    }

    [Fact]
    public void FunctionalModelWithKeptPixelAxesExportsToOnnx()
    {
        var images = Tensor.RandomUniform(new Shape(6, 3, 4, 2), 0f, 255f, new RandomGenerator(3));
        var normalizer = new Normalization(axis: [1, 2]);
        normalizer.Adapt(images);
        var input = Model.Input([3, 4, 2]);
        var output = new Dense(2).Call(new Flatten().Call(normalizer.Call(input)));
        var model = new Model(input, output);
        OnnxRunner.AssertMatches(model, [images], "Normalization axis [1, 2], functional", tolerance: 1e-5);
        var inverted = new Sequential(new Normalization(axis: [], mean: [3f], variance: [4f], invert: true, inputShape: [3, 4, 2]));
        OnnxRunner.AssertMatches(inverted, [images], "Normalization inverted, one statistic", tolerance: 1e-5);

        string path = _temp.File("functional.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(model.Predict(images).ToArray(), loaded.Predict(images).ToArray());
    }

    [Fact]
    public void GivenStatisticsKeepTheirKerasConfig()
    {
        var layer = new Normalization(axis: -1, mean: [1f, 2f], variance: [3f, 4f], invert: true, name: "norm");
        var config = layer.GetConfig();
        Assert.Equal("[-1]", config["axis"]!.ToJsonString());
        Assert.Equal("[1,2]", config["mean"]!.ToJsonString());
        Assert.Equal("[3,4]", config["variance"]!.ToJsonString());
        Assert.True(config["invert"]!.GetValue<bool>());
        var all = new Normalization(axis: []).GetConfig();
        Assert.Equal("[]", all["axis"]!.ToJsonString());
        Assert.Null(all["mean"]);
        var clone = Assert.IsType<Normalization>(LayerRegistry.Create("Normalization", all));
        Assert.Empty(clone.Axis);
    }

    [Fact]
    public void BadStatisticsAndDataAreRefusedNamingTheLayer()
    {
        Assert.Contains("variance[1]", Assert.Throws<ArgumentException>(() => new Normalization(mean: [0f, 0f], variance: [1f, -1f])).Message);
        Assert.Contains("mean[0]", Assert.Throws<ArgumentException>(() => new Normalization(mean: [float.NaN], variance: [1f])).Message);
        Assert.Contains("both", Assert.Throws<ArgumentException>(() => new Normalization(mean: [0f])).Message);
        Assert.Throws<ArgumentException>(() => new Normalization(mean: [0f, 1f], variance: [1f]));
        Assert.Throws<ArgumentException>(() => new Normalization(axis: 0));
        // Three values for four features.
        var wrong = new Normalization(mean: [0f, 1f, 2f], variance: [1f, 1f, 1f], name: "wrong");
        var e = Assert.Throws<ShapeMismatchException>(() => wrong.Build(new Shape(4)));
        Assert.Contains("'wrong'", e.Message);

        var given = new Normalization(mean: [0f], variance: [1f]);
        Assert.Throws<InvalidOperationException>(() => given.Adapt(Tensor.Zeros(2, 3)));
        var layer = new Normalization(name: "adapted");
        Assert.Throws<ArgumentException>(() => layer.Adapt(Array.Empty<Tensor>()));
        Assert.Contains("not finite", Assert.Throws<ArgumentException>(() => new Normalization().Adapt(Tensor.FromArray([1f, float.NaN], 1, 2))).Message);
        layer.Adapt(Tensor.Zeros(2, 3));
        Assert.Throws<ShapeMismatchException>(() => layer.Adapt(Tensor.Zeros(2, 4)));
    }

    [Fact]
    public void HostileStatisticsInAModelFileAreRefused()
    {
        var model = new Sequential(new Normalization(name: "norm", inputShape: [3]), new Dense(1));
        model.Layers[0].SetWeights([Tensor.FromArray([0f, 1f, 2f], 3), Tensor.FromArray([1f, -2f, 1f], 3)]);
        string negative = _temp.File("negative.safetensors");
        model.Save(negative);
        var e = Assert.Throws<DataFormatException>(() => Model.Load(negative));
        Assert.Contains("'norm'", e.Message);
        Assert.Contains("variance[1] is -2", e.Message);
        Assert.Contains("negative.safetensors", e.Message);
        // The layer itself refuses to run on them too (SetWeights is not checked).
        Assert.Throws<ArgumentException>(() => model.Predict(Tensor.Zeros(1, 3)));

        model.Layers[0].SetWeights([Tensor.FromArray([0f, float.NaN, 2f], 3), Tensor.FromArray([1f, 1f, 1f], 3)]);
        string nan = _temp.File("nan.safetensors");
        model.Save(nan);
        var nanError = Assert.Throws<DataFormatException>(() => Model.Load(nan));
        Assert.Contains("'norm/mean' holds NaN", nanError.Message); // the weights reader refuses NaN weights of every layer
        var target = new Sequential(new Normalization(name: "norm", inputShape: [3]), new Dense(1));
        Assert.Throws<DataFormatException>(() => target.LoadWeights(nan));

        // A file whose statistics have the wrong length does not fit the architecture.
        var other = new Sequential(new Normalization(name: "norm", inputShape: [4]), new Dense(1));
        string four = _temp.File("four.safetensors");
        other.SaveWeights(four);
        Assert.Throws<WeightMismatchException>(() => target.LoadWeights(four));

        // A config whose given variance is negative or whose mean is not a list of numbers.
        var config = new Normalization(mean: [0f], variance: [1f]).GetConfig();
        config["variance"] = new System.Text.Json.Nodes.JsonArray(-1f);
        Assert.Contains("variance", Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("Normalization", config)).Message);
        config["variance"] = new System.Text.Json.Nodes.JsonArray(1f);
        config["mean"] = "zero";
        Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("Normalization", config));
    }
}
