using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// Keras 3's celu, hard_shrink, soft_shrink, tanh_shrink, hard_tanh, log_sigmoid, sparse_plus, sparse_sigmoid,
/// squareplus and sparsemax: values computed in double from their definitions, keras.io's documented examples,
/// gradients by finite differences on both sides of every kink, names, configs and model files.
/// </summary>
public class ShrinkActivationTests
{
    private static readonly float[] s_x = [-4f, -1.5f, -0.7f, 0f, 0.3f, 0.7f, 2f];

    public static TheoryData<string, float[]> Expected() => new()
    {
        // x ≥ 0 ? x : eˣ − 1; x where |x| > ½; x ∓ ½ outside [−½, ½]; x − tanh x; clip(x, −1, 1); −log(1 + e^−x);
        // (x + 1)²/4 on (−1, 1); (x + 1)/2 on (−1, 1); (x + √(x² + 4))/2
        { "celu", [-0.9816844f, -0.7768698f, -0.5034147f, 0f, 0.3f, 0.7f, 2f] },
        { "hard_shrink", [-4f, -1.5f, -0.7f, 0f, 0f, 0.7f, 2f] },
        { "soft_shrink", [-3.5f, -1f, -0.2f, 0f, 0f, 0.2f, 1.5f] },
        { "tanh_shrink", [-3.000671f, -0.5948517f, -0.09563222f, 0f, 0.008687388f, 0.09563222f, 1.035972f] },
        { "hard_tanh", [-1f, -1f, -0.7f, 0f, 0.3f, 0.7f, 1f] },
        { "log_sigmoid", [-4.01815f, -1.701413f, -1.103186f, -0.6931472f, -0.5543552f, -0.403186f, -0.126928f] },
        { "sparse_plus", [0f, 0f, 0.0225f, 0.25f, 0.4225f, 0.7225f, 2f] },
        { "sparse_sigmoid", [0f, 0f, 0.15f, 0.5f, 0.65f, 0.85f, 1f] },
        { "squareplus", [0.236068f, 0.5f, 0.709481f, 1f, 1.161187f, 1.409481f, 2.414214f] },
    };

    [Theory]
    [MemberData(nameof(Expected))]
    public void ValuesFollowTheDefinitions(string name, float[] expected)
    {
        var y = new ActivationLayer(name).Call(Tensor.FromArray(s_x, 1, 7)).ToArray();
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(y[i] - expected[i]) <= 2e-6 + 1e-6 * Math.Abs(expected[i]), $"{name} at {s_x[i]}: {y[i]}, expected {expected[i]}");
    }

    [Theory]
    [InlineData("celu", new float[] { -1f, 0f, 1f }, new float[] { -0.63212056f, 0f, 1f })]
    [InlineData("hard_shrink", new float[] { -0.5f, 0f, 1f }, new float[] { 0f, 0f, 1f })]
    [InlineData("soft_shrink", new float[] { -1f, 0f, 1f }, new float[] { -0.5f, 0f, 0.5f })]
    [InlineData("tanh_shrink", new float[] { -1f, 0f, 1f }, new float[] { -0.23840584f, 0f, 0.23840584f })]
    [InlineData("hard_tanh", new float[] { -2f, -1f, 0f, 1f, 2f }, new float[] { -1f, -1f, 0f, 1f, 1f })]
    [InlineData("log_sigmoid", new float[] { -0.541391f, 0f, 0.5f, 5f }, new float[] { -1.0000418f, -0.6931472f, -0.474077f, -0.00671535f })]
    [InlineData("sparse_plus", new float[] { -1f, 0f, 1f }, new float[] { 0f, 0.25f, 1f })]
    [InlineData("sparse_sigmoid", new float[] { -6f, 1f, 0f, 1f, 6f }, new float[] { 0f, 1f, 0.5f, 1f, 1f })]
    [InlineData("squareplus", new float[] { -1f, 0f, 1f }, new float[] { 0.618034f, 1f, 1.618034f })]
    [InlineData("sparsemax", new float[] { -1f, 0f, 1f }, new float[] { 0f, 0f, 1f })]
    public void MatchKerasDocumentedExamples(string name, float[] x, float[] keras)
    {
        var y = Activation.FromName(name).Apply(Tensor.FromArray(x, x.Length)).ToArray();
        for (int i = 0; i < keras.Length; i++) Assert.True(Math.Abs(y[i] - keras[i]) < 2e-6, $"{name} at {x[i]}: {y[i]} vs {keras[i]}");
    }

    [Fact]
    public void SparsemaxProjectsEachRowOntoTheSimplex()
    {
        // Row 1 by hand: sorted 0.6, 0.5, 0.1; 1 + 3·0.1 > 1.2, so all three are in the support and τ = (1.2 − 1)/3.
        // Row 2: only the largest is (1 + 2·1 = 3 ≤ 3 + 1), τ = 3 − 1 = 2.
        var y = Ops.Sparsemax(Tensor.FromArray([0.1f, 0.5f, 0.6f, 1f, 3f, 1f], 2, 3)).ToArray();
        float tau = 0.2f / 3;
        float[] expected = [0.1f - tau, 0.5f - tau, 0.6f - tau, 0f, 1f, 0f];
        for (int i = 0; i < 6; i++) Assert.True(Math.Abs(y[i] - expected[i]) < 1e-6, $"{i}: {y[i]} vs {expected[i]}");
        var rows = Ops.Sparsemax(GradCheck.Random(3, [5, 11])).ToArray();
        for (int r = 0; r < 5; r++) Assert.Equal(1f, rows.AsSpan(r * 11, 11).ToArray().Sum(), 5);
        Assert.Throws<ShapeMismatchException>(() => Ops.Sparsemax(Tensor.Scalar(1f)));
    }

    [Fact]
    public void LogSigmoidStaysFiniteForLargeInputs()
    {
        var y = Activation.LogSigmoid.Apply(Tensor.FromArray([-200f, -90f, 90f, 200f], 4)).ToArray();
        Assert.Equal([-200f, -90f, 0f, 0f], y.Select(v => MathF.Round(v, 4)));
    }

    [Theory]
    [InlineData("celu")]
    [InlineData("hard_shrink")]
    [InlineData("soft_shrink")]
    [InlineData("tanh_shrink")]
    [InlineData("hard_tanh")]
    [InlineData("log_sigmoid")]
    [InlineData("sparse_plus")]
    [InlineData("sparse_sigmoid")]
    [InlineData("squareplus")]
    public void GradientsMatchFiniteDifferences(string name)
    {
        // Away from the kinks (0, ±½, ±1) by more than the step, on both sides of each.
        var x = Tensor.FromArray([-5f, -1.3f, -0.8f, -0.35f, -0.1f, 0.15f, 0.4f, 0.65f, 1.2f, 3.1f], 2, 5);
        var activation = Activation.FromName(name);
        GradCheck.Check(t => activation.Apply(t[0]), [x], epsilon: 1e-2f);
    }

    [Fact]
    public void SparsemaxGradientMatchesFiniteDifferences()
    {
        // Rows whose support changes nowhere within the step: gaps between sorted values and τ above 0.05.
        var x = Tensor.FromArray([0.1f, 0.5f, 0.62f, -1f, 0.9f, 0.3f, 0.75f, -0.4f, 2f, 1.7f, 1.2f, 1.55f], 2, 6);
        GradCheck.Check(t => Ops.Sparsemax(t[0]), [x], epsilon: 1e-3f);
    }

    [Fact]
    public void ParametersFollowKerasAndAreChecked()
    {
        var x = Tensor.FromArray([-1f, 0.2f, 0.9f], 3);
        Assert.Equal([2f * (MathF.Exp(-0.5f) - 1f), 0.2f, 0.9f], Ops.Celu(x, 2f).ToArray()); // α·(e^(x/α) − 1) with α = 2
        Assert.Equal([-1f, 0f, 0.9f], Ops.HardShrink(x, 0.25f).ToArray());
        Assert.Equal([-0.75f, 0f, 0.65f], Ops.SoftShrink(x, 0.25f).ToArray());
        Assert.Equal([0f, 0.2f, 0.9f], Ops.Squareplus(x, 0f).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Celu(x, 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.HardShrink(x, -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Squareplus(x, float.NaN));
    }

    [Fact]
    public void GluGatesTheFirstHalfByTheSecond()
    {
        // a·σ(b): (1·σ(0), 2·σ(ln 3)) = (0.5, 1.5)
        var y = Ops.Glu(Tensor.FromArray([1f, 2f, 0f, MathF.Log(3f)], 1, 4));
        Assert.Equal(new Shape(1, 2), y.Shape);
        Assert.Equal(0.5f, y.ToArray()[0], 6);
        Assert.Equal(1.5f, y.ToArray()[1], 6);
        GradCheck.Check(t => Ops.Glu(t[0]), [GradCheck.Random(2, [3, 6])]);
        Assert.Contains("odd", Assert.Throws<ShapeMismatchException>(() => Ops.Glu(Tensor.Zeros(2, 3))).Message);
    }

    [Fact]
    public void ThresholdKeepsValuesAboveIt()
    {
        // Keras's threshold(x, 0.5, -1): x where x > 0.5, −1 elsewhere (0.5 itself is replaced).
        var x = Tensor.FromArray([-2f, 0.5f, 0.7f, 3f], 4);
        Assert.Equal([-1f, -1f, 0.7f, 3f], Ops.Threshold(x, 0.5f, -1f).ToArray());
        GradCheck.Check(t => Ops.Threshold(t[0], 0.5f, -1f), [Tensor.FromArray([-2f, 0.2f, 0.8f, 3f], 4)]);
    }

    [Fact]
    public void ModelFilesKeepTheNames()
    {
        RandomGenerator.SetGlobalSeed(5);
        var model = new Sequential(new Dense(4, "celu", inputShape: [3]), new Dense(4, "squareplus"), new ActivationLayer("soft_shrink"),
            new Dense(4, "log_sigmoid"), new Dense(3, "sparsemax"));
        var x = Tensor.FromArray([0.5f, -1f, 2f, 0.25f, 1.5f, -0.3f], 2, 3);
        var before = model.Predict(x).ToArray();
        using var folder = new TempFolder();
        model.Save(folder.File("shrink.safetensors"));
        var loaded = Model.Load(folder.File("shrink.safetensors"));
        Assert.Equal(before, loaded.Predict(x).ToArray());
        Assert.Contains("\"sparsemax\"", loaded.ToJson());
        Assert.Throws<ArgumentException>(() => Activation.Custom("sparse_plus", v => v));
    }
}
