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
/// Keras's Identity, ActivityRegularization and AlphaDropout: values from their formulas by hand,
/// finite-difference gradients, AlphaDropout's mean and variance on SELU-normalized inputs, files and ONNX.
/// </summary>
public class CoreLayerTests
{
    [Fact] public void IdentityHarness() => LayerHarness.Run(() => new Identity(), [3, 2], [3, 2], 0);
    [Fact] public void ActivityRegularizationHarness() => LayerHarness.Run(() => new ActivityRegularization(0.01f, 0.02f), [5], [5], 0);
    [Fact] public void AlphaDropoutHarness() => LayerHarness.Run(() => new AlphaDropout(0.2f, [null, 1, null], seed: 3), [4, 3], [4, 3], 0);

    [Fact]
    public void IdentityReturnsItsInputAndPassesTheMask()
    {
        var x = GradCheck.Random(1, 2, 3, 4);
        var mask = Tensor.FromArray([1f, 1f, 0f, 1f, 0f, 0f], 2, 3);
        var (y, m) = new Identity().CallMasked(x, mask);
        Assert.Same(x, y);
        Assert.Same(mask, m);
    }

    [Fact]
    public void ActivityRegularizationAddsItsPenaltyOverTheBatchSize()
    {
        // l1·Σ|x| + l2·Σx² over the batch of 2: (0.1·6 + 0.01·14) / 2 = 0.37.
        var layer = new ActivityRegularization(l1: 0.1f, l2: 0.01f);
        var x = Tensor.FromArray([1f, -2f, 3f, 0f], 2, 2);
        x.RequiresGrad = true;
        Assert.Same(x, layer.Call(x));
        var penalty = Assert.Single(layer.RegularizationLosses);
        Assert.Equal(0.37f, penalty.Item(), 6);
        penalty.Backward();
        // d/dx = (l1·sign(x) + 2·l2·x) / 2.
        double[] expected = [(0.1 + 0.02) / 2, (-0.1 - 0.04) / 2, (0.1 + 0.06) / 2, 0];
        var grad = x.Grad!.ToArray();
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], grad[i], 6);

        // Central differences of the penalty (recorded only with gradients on, so by hand rather than GradCheck).
        float[] far = [0.5f, -0.7f, 0.9f, -0.3f, 0.4f, 0.8f];
        static Tensor Penalty(float[] values, out Tensor input)
        {
            var fresh = new ActivityRegularization(0.3f, 0.2f);
            input = Tensor.FromArray(values, 3, 2);
            input.RequiresGrad = true;
            fresh.Call(input);
            return fresh.RegularizationLosses[0];
        }
        Penalty(far, out var at).Backward();
        var analytic = at.Grad!.ToArray();
        for (int i = 0; i < far.Length; i++)
        {
            const float h = 1e-3f;
            float[] up = [.. far], down = [.. far];
            up[i] += h;
            down[i] -= h;
            double numeric = (Penalty(up, out _).Item() - Penalty(down, out _).Item()) / (2 * h);
            Assert.True(Math.Abs(numeric - analytic[i]) < 2e-3, $"element {i}: finite difference {numeric}, gradient {analytic[i]}");
        }
    }

    [Fact]
    public void EvaluateAddsTheActivityPenaltyToTheLoss()
    {
        // mse of x against zeros: 30/4 = 7.5; penalty 0.5·30/2 = 7.5.
        var model = new Sequential(new Identity(inputShape: [2]), new ActivityRegularization(l2: 0.5f));
        model.Compile(new Sgd(0.1f), new MeanSquaredError());
        var result = model.Evaluate(Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2), Tensor.Zeros(2, 2), batchSize: 2);
        Assert.Equal(15.0, result["loss"], 5);
        Assert.Equal("""{"name":"r","l1":0,"l2":0.5}""", new ActivityRegularization(l2: 0.5f, name: "r").GetConfig().ToJsonString());
    }

    private const double Lambda0 = 1.0507009873554804934193349852946, Alpha0 = 1.6732632423543772848170429916717;

    /// <summary>a and b of the affine map, from the formula (Klambauer et al. 2017, eq. 11) in double precision.</summary>
    private static (double A, double B, double Dropped) Affine(double rate)
    {
        double alphaPrime = -Lambda0 * Alpha0;
        double a = 1 / Math.Sqrt((1 - rate) * (1 + rate * alphaPrime * alphaPrime));
        return (a, -a * alphaPrime * rate, a * alphaPrime + -a * alphaPrime * rate);
    }

    [Fact]
    public void AlphaDropoutSetsDroppedInputsToTheSaturationAndMapsAffinely()
    {
        const float rate = 0.3f;
        var (a, b, dropped) = Affine(rate);
        var x = GradCheck.Random(5, 100, 100);
        x.RequiresGrad = true;
        var y = new AlphaDropout(rate, seed: 11).Call(x, training: true);
        Ops.Sum(y).Backward();
        var xs = x.ToArray();
        var ys = y.ToArray();
        var grad = x.Grad!.ToArray();
        int drops = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            bool isDropped = Math.Abs(ys[i] - dropped) < 1e-5 && Math.Abs(ys[i] - (a * xs[i] + b)) > 1e-5;
            if (isDropped) { drops++; Assert.Equal(0f, grad[i]); }
            else
            {
                Assert.True(Math.Abs(ys[i] - (a * xs[i] + b)) < 1e-5, $"element {i}: {ys[i]} is neither a·x + b = {a * xs[i] + b} nor {dropped}");
                Assert.Equal(a, grad[i], 5);
            }
        }
        Assert.InRange(drops / (double)xs.Length, 0.28, 0.32);
        Assert.Same(x, new AlphaDropout(rate).Call(x)); // the identity at inference
    }

    [Theory]
    [InlineData(0.05f)]
    [InlineData(0.2f)]
    [InlineData(0.5f)]
    public void AlphaDropoutKeepsMeanZeroAndVarianceOne(float rate)
    {
        // Inputs of mean 0 and variance 1 (a SELU network's fixed point): the output keeps both.
        var x = Tensor.RandomNormal(new Shape(300, 300), 0f, 1f, new RandomGenerator(4));
        var y = new AlphaDropout(rate, seed: 6).Call(x, training: true).ToArray();
        double mean = y.Average(v => (double)v);
        double variance = y.Average(v => (v - mean) * (v - mean));
        Assert.InRange(mean, -0.02, 0.02);
        Assert.InRange(variance, 0.97, 1.03);
        // A plain Dropout at the same rate would not: variance 1/(1 − p).
        var plain = new Dropout(rate, seed: 6).Call(x, training: true).ToArray();
        double plainVariance = plain.Average(v => (double)v * v);
        Assert.True(plainVariance > 1.03, $"Dropout's variance {plainVariance}");
    }

    [Fact]
    public void AlphaDropoutGradientMatchesFiniteDifferences()
    {
        // A fresh layer with the same seed draws the same decisions on every evaluation.
        var x = GradCheck.Random(3, 4, 6);
        GradCheck.Check(t => new AlphaDropout(0.4f, seed: 9).Call(t[0], training: true), [x], epsilon: 1e-3f);
    }

    [Fact]
    public void AlphaDropoutNoiseShapeSharesDecisionsAlongItsOnes()
    {
        var (_, _, dropped) = Affine(0.5f);
        var x = GradCheck.Random(2, 8, 5, 6);
        var y = new AlphaDropout(0.5f, [null, 1, null], seed: 2).Call(x, training: true);
        int drops = 0;
        for (int n = 0; n < 8; n++)
            for (int c = 0; c < 6; c++)
            {
                bool first = Math.Abs(y[n, 0, c] - dropped) < 1e-5;
                if (first) drops++;
                for (int t = 1; t < 5; t++) Assert.Equal(first, Math.Abs(y[n, t, c] - dropped) < 1e-5);
            }
        Assert.InRange(drops, 1, 47); // some dropped, some kept

        var e = Assert.Throws<ShapeMismatchException>(() => new AlphaDropout(0.5f, [null, 3, null], name: "ad").Call(x, training: true));
        Assert.Contains("'ad'", e.Message);
        Assert.Contains("(None, 3, None)", e.Message);
        Assert.Contains("(None, 5, 6)", e.Message);
        var rank = Assert.Throws<ShapeMismatchException>(() => new AlphaDropout(0.5f, [null, 1], name: "ad2").Call(x));
        Assert.Contains("'ad2'", rank.Message);
    }

    [Fact]
    public void AlphaDropoutConfigAndErrors()
    {
        Assert.Equal("""{"name":"a","rate":0.25,"noise_shape":[null,1,4],"seed":3}""",
            new AlphaDropout(0.25f, [null, 1, 4], seed: 3, name: "a").GetConfig().ToJsonString());
        var clone = (AlphaDropout)LayerRegistry.Create("AlphaDropout", new JsonObject { ["name"] = "a", ["rate"] = 0.25, ["noise_shape"] = new JsonArray(null, 1, 4) });
        Assert.Equal([null, 1, 4], clone.NoiseShape!);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlphaDropout(1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlphaDropout(0.1f, [null, 0]));
        var e = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("AlphaDropout", new JsonObject { ["name"] = "a", ["rate"] = 0.1, ["noise_shape"] = "x" }));
        Assert.Contains("'a'", e.Message);
        Assert.Contains("noise_shape", e.Message);
        Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("AlphaDropout", new JsonObject { ["name"] = "a" }));
    }

    internal static Model Sample() => new Sequential(
        new Dense(4, Activation.Selu, inputShape: [3]),
        new AlphaDropout(0.1f, seed: 1),
        new Identity(),
        new ActivityRegularization(0.001f, 0.002f),
        new Dense(2));

    /// <summary>Models holding these layers, for the test that every registered type exports.</summary>
    public static IEnumerable<Model> Samples() => [Sample()];

    [Fact]
    public void ModelsTrainSaveLoadAndExport()
    {
        RandomGenerator.SetGlobalSeed(12);
        var model = Sample();
        model.Compile(new Adam(0.01f), new MeanSquaredError());
        var x = GradCheck.Random(1, 32, 3);
        var history = model.Fit(x, GradCheck.Random(2, 32, 2), epochs: 3, batchSize: 8, verbose: 0);
        Assert.True(history["loss"][^1] < history["loss"][0], $"loss {history["loss"][0]} → {history["loss"][^1]}");
        using var folder = new TempFolder();
        string path = folder.File("core.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        OnnxRunner.AssertMatches(model, [x], "core-layers", tolerance: 1e-5);
    }
}
