using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Tensors;
using static DeepSharp.Tests.GradCheck;

namespace DeepSharp.Tests.Losses;

/// <summary>
/// The losses added after the cross-entropies: each against Keras's documented example where its docstring has
/// numbers, against its formula computed here in double on a 2×3 batch, and a finite-difference gradient check.
/// </summary>
public class KerasLossValueTests
{
    private static readonly float[] T = [0f, 1f, 1f, 1f, 0f, 0f];
    private static readonly float[] P = [0.2f, 0.7f, 0.4f, 0.9f, 0.3f, 0.1f];
    private static Tensor Targets => Tensor.FromArray((float[])T.Clone(), 2, 3);
    private static Tensor Predictions => Tensor.FromArray((float[])P.Clone(), 2, 3);

    private static double BatchMean(Func<double[], double[], double> perRow) =>
        (perRow(Row(T, 0), Row(P, 0)) + perRow(Row(T, 1), Row(P, 1))) / 2;

    private static double[] Row(float[] data, int r) => data.Skip(3 * r).Take(3).Select(v => (double)v).ToArray();

    private static void Near(double expected, Tensor actual, int digits = 5) => Assert.Equal(expected, actual.Item(), digits);

    private static Tensor M(float[] values, params int[] shape) => Tensor.FromArray(values, shape);

    [Fact]
    public void KerasDocumentedExamples()
    {
        var t = M([0f, 1f, 0f, 0f], 2, 2);
        var p = M([0.6f, 0.4f, 0.4f, 0.6f], 2, 2);
        Near(1.3, new Hinge().Compute(t, p));                       // tf.keras.losses.Hinge docstring
        Near(1.86, new SquaredHinge().Compute(t, p));
        Near(1.4, new CategoricalHinge().Compute(t, p));
        Near(0.5, new Poisson().Compute(t, M([1f, 1f, 0f, 0f], 2, 2)));
        Near(Math.Pow(Math.Log(2), 2) / 2, new MeanSquaredLogarithmicError().Compute(t, M([1f, 1f, 1f, 0f], 2, 2)));
        Near(50.0, new MeanAbsolutePercentageError().Compute(M([2f, 1f, 2f, 3f], 2, 2), M([1f, 1f, 1f, 0f], 2, 2)), 4);
        Near(Math.Log(Math.Cosh(1)) / 4, new LogCosh().Compute(M([0f, 1f, 0f, 0f], 2, 2), M([1f, 1f, 0f, 0f], 2, 2)));

        var focal = new BinaryFocalCrossentropy(gamma: 2f).PerSample(t, p).ToArray();   // keras.losses.binary_focal_crossentropy: [0.330, 0.206]
        Assert.Equal(0.330, focal[0], 3);
        Assert.Equal(0.206, focal[1], 3);
        var categorical = new CategoricalFocalCrossentropy().PerSample(M([0f, 1f, 0f, 0f, 0f, 1f], 2, 3), M([0.05f, 0.9f, 0.05f, 0.1f, 0.85f, 0.05f], 2, 3)).ToArray();
        Assert.Equal(2.63401289e-04, categorical[0], 7);              // keras.losses.categorical_focal_crossentropy
        Assert.Equal(6.75912094e-01, categorical[1], 5);

        var masks = M([1f, 1f, 0f, 0f, 1f, 1f, 0f, 0f], 2, 2, 2, 1);   // keras.losses.Dice docstring
        var scores = M([0f, 1f, 0f, 1f, 0.4f, 0f, 0f, 0.9f], 2, 2, 2, 1);
        Near(0.6164384, new Dice().Compute(masks, scores));
        var perSample = new Dice([1, 2, 3]).PerSample(masks, scores).ToArray();
        Assert.Equal(0.5, perSample[0], 5);
        Assert.Equal(0.75757575, perSample[1], 5);
    }

    [Fact]
    public void HingeFamilyFollowsItsFormulas()
    {
        static double Signed(double t) => 2 * t - 1;                                    // {0, 1} targets become {−1, 1}
        Near(BatchMean((t, p) => t.Zip(p, (a, b) => Math.Max(1 - Signed(a) * b, 0)).Average()), new Hinge().Compute(Targets, Predictions));
        Near(BatchMean((t, p) => t.Zip(p, (a, b) => Math.Pow(Math.Max(1 - Signed(a) * b, 0), 2)).Average()), new SquaredHinge().Compute(Targets, Predictions));
        // Targets already −1/1, or not binary at all, are used as they are.
        var signed = M([-1f, 1f, 1f, 1f, -1f, -1f], 2, 3);
        Assert.Equal(new Hinge().Compute(Targets, Predictions).Item(), new Hinge().Compute(signed, Predictions).Item(), 6);
        var soft = M([0.5f, 1f, 1f, 1f, 0f, 0f], 2, 3);
        double row0 = (Math.Max(1 - 0.5 * 0.2, 0) + Math.Max(1 - 0.7, 0) + Math.Max(1 - 0.4, 0)) / 3;   // 0.5 is not binary: nothing converts
        double row1 = (Math.Max(1 - 0.9, 0) + 1 + 1) / 3;
        Near((row0 + row1) / 2, new Hinge().Compute(soft, Predictions));
        Near(BatchMean((t, p) =>
        {
            double pos = t.Zip(p, (a, b) => a * b).Sum();
            double neg = t.Zip(p, (a, b) => (1 - a) * b).Max();
            return Math.Max(neg - pos + 1, 0);
        }), new CategoricalHinge().Compute(Targets, Predictions));
    }

    [Fact]
    public void RegressionLossesFollowTheirFormulas()
    {
        const double eps = 1e-7;
        Near(BatchMean((t, p) => t.Zip(p, (a, b) => Math.Log(Math.Cosh(b - a))).Average()), new LogCosh().Compute(Targets, Predictions));
        Near(BatchMean((t, p) => t.Zip(p, (a, b) => b - a * Math.Log(b + eps)).Average()), new Poisson().Compute(Targets, Predictions));
        Near(BatchMean((t, p) => t.Zip(p, (a, b) => Math.Pow(Math.Log(Math.Max(b, eps) + 1) - Math.Log(Math.Max(a, eps) + 1), 2)).Average()),
            new MeanSquaredLogarithmicError().Compute(Targets, Predictions));
        // MAPE: a target 0 counts as ε, so its term is |p|·1e9 %; the float result agrees to float precision.
        double mape = BatchMean((t, p) => t.Zip(p, (a, b) => 100 * Math.Abs(a - b) / Math.Max(Math.Abs(a), eps)).Average());
        Assert.Equal(1, new MeanAbsolutePercentageError().Compute(Targets, Predictions).Item() / mape, 6);
        float[] positive = [0.5f, 1f, 1f, 1f, 0.25f, 0.2f];
        double expected = Enumerable.Range(0, 6).Average(i => 100 * Math.Abs(positive[i] - (double)P[i]) / positive[i]);
        Near(expected, new MeanAbsolutePercentageError().Compute(M(positive, 2, 3), Predictions), 3);
        // A huge error stays finite: log cosh(e) ≈ |e| − log 2.
        Near(1000 - Math.Log(2), new LogCosh().Compute(M([0f], 1, 1), M([1000f], 1, 1)), 3);
    }

    [Theory]
    [InlineData(false, 0.25f, 2f, 0f)]
    [InlineData(true, 0.4f, 1.5f, 0.1f)]
    [InlineData(true, 0.25f, 0f, 0f)]
    public void BinaryFocalCrossentropyOnProbabilitiesAndLogits(bool balance, float alpha, float gamma, float smoothing)
    {
        double Focal(double[] t, double[] p) => t.Zip(p, (z, q) =>
        {
            z = z * (1 - smoothing) + 0.5 * smoothing;
            double bce = -(z * Math.Log(q) + (1 - z) * Math.Log(1 - q));
            double pt = z * q + (1 - z) * (1 - q);
            double weight = balance ? z * alpha + (1 - z) * (1 - alpha) : 1;
            return weight * Math.Pow(1 - pt, gamma) * bce;
        }).Average();
        double expected = BatchMean(Focal);
        Near(expected, new BinaryFocalCrossentropy(balance, alpha, gamma, labelSmoothing: smoothing).Compute(Targets, Predictions));
        var logits = M(P.Select(q => MathF.Log(q / (1 - q))).ToArray(), 2, 3);
        Near(expected, new BinaryFocalCrossentropy(balance, alpha, gamma, fromLogits: true, labelSmoothing: smoothing).Compute(Targets, logits));
        logits.RequiresGrad = true;
        Near(expected, new BinaryFocalCrossentropy(balance, alpha, gamma, labelSmoothing: smoothing).Compute(Targets, Ops.Sigmoid(logits)));
    }

    [Theory]
    [InlineData(0.25f, 2f, 0f)]
    [InlineData(0.5f, 1f, 0.2f)]
    public void CategoricalFocalCrossentropyOnProbabilitiesAndLogits(float alpha, float gamma, float smoothing)
    {
        float[] z = [2f, 1f, 0.1f, -1f, 3f, 0.5f];
        var oneHot = M([1f, 0f, 0f, 0f, 0f, 1f], 2, 3);
        double Row(double[] logits, int label)
        {
            double lse = Math.Log(logits.Sum(Math.Exp));
            double total = 0;
            for (int c = 0; c < 3; c++)
            {
                double p = Math.Exp(logits[c] - lse);
                double t = (c == label ? 1 : 0) * (1 - smoothing) + smoothing / 3;
                total -= alpha * Math.Pow(1 - p, gamma) * t * Math.Log(p);
            }
            return total;
        }
        double expected = (Row([2, 1, 0.1], 0) + Row([-1, 3, 0.5], 2)) / 2;
        var logits = M(z, 2, 3);
        Near(expected, new CategoricalFocalCrossentropy(alpha, gamma, fromLogits: true, labelSmoothing: smoothing).Compute(oneHot, logits));
        Near(expected, new CategoricalFocalCrossentropy(alpha, gamma, labelSmoothing: smoothing).Compute(oneHot, Ops.Softmax(logits)));
        // Sequence outputs: one loss per position, the same rows.
        var perPosition = new CategoricalFocalCrossentropy(alpha, gamma, true, smoothing).PerSample(oneHot.View(1, 2, 3), logits.View(1, 2, 3));
        Assert.Equal(new Shape(1, 2), perPosition.Shape);
        Assert.Equal(Row([-1, 3, 0.5], 2), perPosition.ToArray()[1], 5);
    }

    [Fact]
    public void DiceAndTverskyFollowTheirFormulas()
    {
        double st = T.Sum(), sp = P.Sum(v => (double)v), tp = T.Zip(P, (a, b) => (double)a * b).Sum();
        Near(1 - 2 * tp / (st + sp + 1e-7), new Dice().Compute(Targets, Predictions));
        // Keras's terms: α on Σ(1 − p)·t, β on Σp·(1 − t).
        double a = T.Zip(P, (x, y) => (1.0 - y) * x).Sum(), b = T.Zip(P, (x, y) => (double)y * (1 - x)).Sum();
        Near(1 - tp / (tp + 0.3 * a + 0.7 * b + 1e-7), new Tversky(0.3f, 0.7f).Compute(Targets, Predictions));
        Near(new Dice().Compute(Targets, Predictions).Item(), new Tversky().Compute(Targets, Predictions), 5);   // α = β = ½ is Dice
        var rows = new Tversky(0.3f, 0.7f, axis: [-1]).PerSample(Targets, Predictions).ToArray();
        double Row0(int r)
        {
            double t0 = 0, a0 = 0, b0 = 0;
            for (int c = 0; c < 3; c++) { double x = T[3 * r + c], y = P[3 * r + c]; t0 += x * y; a0 += (1 - y) * x; b0 += y * (1 - x); }
            return 1 - t0 / (t0 + 0.3 * a0 + 0.7 * b0 + 1e-7);
        }
        Assert.Equal(Row0(0), rows[0], 5);
        Assert.Equal(Row0(1), rows[1], 5);
        // The whole-batch value weighted: Keras multiplies it by the weights' mean.
        var weights = M([0.5f, 2f], 2);
        Near(new Dice().Compute(Targets, Predictions).Item() * 1.25, new Dice().Compute(Targets, Predictions, weights));
    }

    [Fact]
    public void IntegerTargetsWorkAsFloats()
    {
        var ints = Tensor.FromArray(T.Select(v => (int)v).ToArray(), 2, 3);
        foreach (var name in new[] { "hinge", "squared_hinge", "categorical_hinge", "log_cosh", "poisson", "msle", "mape", "binary_focal_crossentropy", "categorical_focal_crossentropy", "dice", "tversky" })
            Assert.Equal(Loss.FromName(name).Compute(Targets, Predictions).Item(), Loss.FromName(name).Compute(ints, Predictions).Item());
    }

    [Fact]
    public void BadInputNamesTheLossAndTheShapes()
    {
        foreach (var name in new[] { "hinge", "poisson", "mape", "binary_focal_crossentropy", "categorical_focal_crossentropy", "dice", "tversky", "categorical_hinge" })
        {
            var loss = Loss.FromName(name);
            var e = Assert.ThrowsAny<DeepSharpException>(() => loss.Compute(Tensor.FromArray([1f, 0f, 1f, 0f], 2, 2), Predictions));
            Assert.Contains("(2, 2)", e.Message);
            Assert.Contains("(2, 3)", e.Message);
        }
        Assert.Contains("Dice", Assert.Throws<ShapeMismatchException>(() => new Dice([3]).Compute(Targets, Predictions)).Message);
        Assert.Throws<ArgumentException>(() => new Dice([0, 1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BinaryFocalCrossentropy(alpha: 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CategoricalFocalCrossentropy(gamma: -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Tversky(beta: float.NaN));
    }

    [Theory]
    [InlineData("hinge")]
    [InlineData("squared_hinge")]
    [InlineData("categorical_hinge")]
    [InlineData("log_cosh")]
    [InlineData("poisson")]
    [InlineData("msle")]
    [InlineData("mape")]
    [InlineData("binary_focal")]
    [InlineData("binary_focal_logits")]
    [InlineData("categorical_focal")]
    [InlineData("categorical_focal_logits")]
    [InlineData("dice")]
    [InlineData("tversky")]
    [InlineData("tversky_rows")]
    public void GradientsMatchFiniteDifferences(string name)
    {
        Loss loss = name switch
        {
            "binary_focal" => new BinaryFocalCrossentropy(true, 0.4f, 1.5f, labelSmoothing: 0.1f),
            "binary_focal_logits" => new BinaryFocalCrossentropy(fromLogits: true),
            "categorical_focal" => new CategoricalFocalCrossentropy(0.5f, 1.5f, labelSmoothing: 0.1f),
            "categorical_focal_logits" => new CategoricalFocalCrossentropy(fromLogits: true),
            "tversky" => new Tversky(0.3f, 0.7f),
            "tversky_rows" => new Tversky(0.2f, 0.9f, [1]),
            _ => Loss.FromName(name),
        };
        // MAPE divides by max(|t|, ε): targets away from 0, or the finite differences drown in 1e9-sized terms.
        var targets = name == "mape" ? M([0.5f, 1f, 1f, 1f, 0.25f, 0.2f], 2, 3) : Targets;
        // Predictions at least 0.05 from every target and kink, so finite differences stay on one side.
        var predictions = M([0.3f, 0.62f, 0.41f, 0.8f, 0.45f, 0.55f], 2, 3);
        Check(t => loss.PerSample(targets, t[0]), [predictions], epsilon: 1e-3f);
    }
}
