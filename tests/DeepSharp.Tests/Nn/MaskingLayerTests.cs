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
/// Keras's Masking layer: values and mask by hand, the gradient (the mask is a constant), padded
/// sequences through Masking → LSTM → Dense predicting as the unpadded ones, files and ONNX.
/// </summary>
public class MaskingLayerTests
{
    [Fact]
    public void Harness() => LayerHarness.Run(() => new Masking(5f), [4, 3], [4, 3], 0);

    [Fact]
    public void ZeroesStepsWhoseFeaturesAllEqualTheMaskValueAndMasksThem()
    {
        // (2, 3, 2): step (0, 1) is all 0 (masked), step (1, 0) has one 0 only (kept), step (1, 2) is all 0.
        var x = Tensor.FromArray([1f, 2f, 0f, 0f, 3f, 0f, 0f, 4f, 5f, 6f, 0f, 0f], 2, 3, 2);
        var (y, mask) = new Masking().CallMasked(x, null);
        Assert.Equal([1f, 2f, 0f, 0f, 3f, 0f, 0f, 4f, 5f, 6f, 0f, 0f], y.ToArray());
        Assert.Equal(new Shape(2, 3), mask!.Shape);
        Assert.Equal([1f, 0f, 1f, 1f, 1f, 0f], mask.ToArray());

        // Another mask value: masked steps become zeros, an incoming mask is replaced (Keras recomputes it).
        var padded = Tensor.FromArray([-1f, -1f, 2f, -1f, -1f, -1f], 1, 3, 2);
        var (z, m) = new Masking(-1f).CallMasked(padded, Tensor.Ones(1, 3));
        Assert.Equal([0f, 0f, 2f, -1f, 0f, 0f], z.ToArray());
        Assert.Equal([0f, 1f, 0f], m!.ToArray());
    }

    [Fact]
    public void MasksEveryAxisButTheLast()
    {
        var x = Tensor.FromArray([7f, 7f, 1f, 7f, 7f, 7f, 7f, 7f], 1, 2, 2, 2);
        var (y, mask) = new Masking(7f).CallMasked(x, null);
        Assert.Equal(new Shape(1, 2, 2), mask!.Shape);
        Assert.Equal([0f, 1f, 0f, 0f], mask.ToArray());
        Assert.Equal([0f, 0f, 1f, 7f, 0f, 0f, 0f, 0f], y.ToArray());
    }

    [Fact]
    public void GradientIsTheKeepMask()
    {
        // y = x · keep with keep constant: d(Σ w·y)/dx = w · keep.
        var x = Tensor.FromArray([1f, 0f, 0f, 0f, 0f, 3f], 1, 3, 2);
        x.RequiresGrad = true;
        var w = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 1, 3, 2);
        Ops.Sum(Ops.Multiply(new Masking().Call(x), w)).Backward();
        Assert.Equal([1f, 2f, 0f, 0f, 5f, 6f], x.Grad!.ToArray());
        // Finite differences where no step is near the mask value.
        var far = GradCheck.Random(4, 2, 3, 4);
        GradCheck.Check(t => new Masking(3f).Call(t[0]), [far], epsilon: 1e-3f);
    }

    private static Sequential PaddedModel(int time) => new(
        new Masking(inputShape: [time, 2]),
        new Lstm(4),
        new Dense(1));

    [Fact]
    public void PaddedSequencesPredictAsTheUnpaddedSequence()
    {
        RandomGenerator.SetGlobalSeed(21);
        var model = PaddedModel(6);
        var sequence = new[] { 0.5f, -1f, 0.25f, 0.75f, -0.5f, 1f }; // three steps of two features
        var padded = new float[3 * 12];
        sequence.CopyTo(padded, 0);          // padded after
        sequence.CopyTo(padded, 12 + 6);     // padded before
        for (int s = 0; s < 3; s++)          // padding between the steps
            Array.Copy(sequence, 2 * s, padded, 24 + 4 * s, 2);
        var y = model.Predict(Tensor.FromArray(padded, 3, 6, 2)).ToArray();

        var unpaddedModel = PaddedModel(3);
        unpaddedModel.Build(new Shape(3, 2));
        CopyWeights(model, unpaddedModel);
        float expected = unpaddedModel.Predict(Tensor.FromArray(sequence, 1, 3, 2))[0, 0];
        for (int b = 0; b < 3; b++) Assert.True(Math.Abs(expected - y[b]) < 1e-6f, $"row {b}: {y[b]} vs {expected}");

        // Without Masking the padding changes the prediction (the test can fail).
        var plain = new Sequential(new Lstm(4, inputShape: [6, 2]), new Dense(1));
        plain.Build(new Shape(6, 2));
        CopyWeights(model, plain);
        Assert.NotEqual(expected, plain.Predict(Tensor.FromArray(padded, 3, 6, 2))[0, 0]);
    }

    private static void CopyWeights(Model from, Model to)
    {
        var source = from.Parameters.ToArray();
        var target = to.Parameters.ToArray();
        Assert.Equal(source.Length, target.Length);
        for (int i = 0; i < source.Length; i++) source[i].Value.Span.CopyTo(target[i].Value.Span);
    }

    [Fact]
    public void FitTrainsThroughTheMask()
    {
        RandomGenerator.SetGlobalSeed(22);
        var model = PaddedModel(5);
        model.Compile(new Adam(0.02f), new MeanSquaredError());
        var x = Tensor.RandomUniform(new Shape(64, 5, 2), -1f, 1f, new RandomGenerator(3)).ToArray();
        var y = new float[64];
        for (int i = 0; i < 64; i++)
        {
            int length = 1 + i % 5; // steps after the length are padding
            Array.Clear(x, (i * 5 + length) * 2, (5 - length) * 2);
            y[i] = x[i * 10];
        }
        var loss = model.Fit(Tensor.FromArray(x, 64, 5, 2), Tensor.FromArray(y, 64, 1), epochs: 4, batchSize: 16, verbose: 0)["loss"];
        Assert.True(loss[^1] < loss[0], $"loss {loss[0]} → {loss[^1]}");
    }

    internal static Model Sample() => new Sequential(new Masking(-1f, inputShape: [5, 3]), new Lstm(3, returnSequences: true), new Gru(2), new Dense(2));

    /// <summary>Models holding Masking, for the test that every registered type exports.</summary>
    public static IEnumerable<Model> Samples() => [Sample()];

    /// <summary>Padding at the end (what ONNX's recurrent operators express), or also at the start and in between.</summary>
    private static Tensor PaddedInputs(bool rightOnly)
    {
        var x = Tensor.RandomUniform(new Shape(4, 5, 3), -0.9f, 1f, new RandomGenerator(8)).ToArray();
        var padded = rightOnly ? new[] { (0, 3), (0, 4), (1, 4), (2, 2), (2, 3), (2, 4) } : [(0, 3), (0, 4), (1, 0), (2, 2)];
        foreach (var (b, t) in padded)
            for (int f = 0; f < 3; f++) x[(b * 5 + t) * 3 + f] = -1f;
        x[(3 * 5 + 1) * 3] = -1f; // one feature at the mask value: not masked
        return Tensor.FromArray(x, 4, 5, 3);
    }

    [Fact]
    public void SaveLoadAndOnnxAgree()
    {
        RandomGenerator.SetGlobalSeed(23);
        var model = Sample();
        var x = PaddedInputs(rightOnly: false);
        using var folder = new TempFolder();
        string path = folder.File("masking.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(-1f, ((Masking)loaded.Layers[0]).MaskValue);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        // ONNX's recurrent operators take real-step counts: right padding exports exactly (other padding gives NaN, see OnnxRecurrentRules).
        OnnxRunner.AssertMatches(model, [PaddedInputs(rightOnly: true)], "masking", tolerance: 1e-5);
    }

    [Fact]
    public void ConfigAndErrors()
    {
        Assert.Equal("""{"name":"m","mask_value":-1}""", new Masking(-1f, name: "m").GetConfig().ToJsonString());
        Assert.Equal(0f, ((Masking)LayerRegistry.Create("Masking", new JsonObject { ["name"] = "m" })).MaskValue);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Masking(float.NaN));
        var e = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("Masking", new JsonObject { ["name"] = "m", ["mask_value"] = "zero" }));
        Assert.Contains("'m'", e.Message);
        var rank = Assert.Throws<ShapeMismatchException>(() => new Masking(name: "pad").Call(Tensor.Zeros(2, 3)));
        Assert.Contains("'pad'", rank.Message);
        Assert.Contains("(None, 3)", rank.Message);
    }
}
