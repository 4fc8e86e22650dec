using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Tensors;
using static DeepSharp.Tests.GradCheck;

namespace DeepSharp.Tests.Losses;

/// <summary>Each loss against its closed form on a 2×3 batch, and a gradient check.</summary>
public class LossFormulaTests
{
    private static readonly float[] T = [0f, 1f, 0.5f, 1f, 0f, 0.2f];
    private static readonly float[] P = [0.2f, 0.7f, 0.4f, 0.9f, 0.3f, 0.1f];
    private static Tensor Targets => Tensor.FromArray((float[])T.Clone(), 2, 3);
    private static Tensor Predictions => Tensor.FromArray((float[])P.Clone(), 2, 3);

    /// <summary>Mean over rows of f applied to each row's (targets, predictions).</summary>
    private static double BatchMean(Func<double[], double[], double> perRow) =>
        (perRow(Row(T, 0), Row(P, 0)) + perRow(Row(T, 1), Row(P, 1))) / 2;

    private static double[] Row(float[] data, int r) => data.Skip(3 * r).Take(3).Select(v => (double)v).ToArray();

    private static void Near(double expected, Tensor actual) => Assert.Equal(expected, actual.Item(), 5);

    [Fact]
    public void MeanSquaredAndAbsoluteErrors()
    {
        Near(BatchMean((t, p) => t.Zip(p, (a, b) => (b - a) * (b - a)).Average()), new MeanSquaredError().Compute(Targets, Predictions));
        Near(BatchMean((t, p) => t.Zip(p, (a, b) => Math.Abs(b - a)).Average()), new MeanAbsoluteError().Compute(Targets, Predictions));
    }

    [Fact]
    public void HuberIsQuadraticInsideDeltaAndLinearOutside()
    {
        static double H(double e, double d) => Math.Abs(e) <= d ? 0.5 * e * e : d * Math.Abs(e) - 0.5 * d * d;
        Near(BatchMean((t, p) => t.Zip(p, (a, b) => H(b - a, 0.3)).Average()), new Huber(0.3f).Compute(Targets, Predictions));
        Near(BatchMean((t, p) => t.Zip(p, (a, b) => H(b - a, 1)).Average()), new Huber().Compute(Targets, Predictions));
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.2f)]
    public void BinaryCrossentropyOnProbabilitiesAndLogits(float smoothing)
    {
        double Bce(double[] t, double[] p) => t.Zip(p, (z, q) =>
        {
            z = z * (1 - smoothing) + 0.5 * smoothing;                       // z·(1 − s) + s/2
            return -(z * Math.Log(q) + (1 - z) * Math.Log(1 - q));
        }).Average();
        double expected = BatchMean(Bce);
        Near(expected, new BinaryCrossentropy(labelSmoothing: smoothing).Compute(Targets, Predictions));
        var logits = Tensor.FromArray(P.Select(q => MathF.Log(q / (1 - q))).ToArray(), 2, 3);
        Near(expected, new BinaryCrossentropy(fromLogits: true, labelSmoothing: smoothing).Compute(Targets, logits));
        logits.RequiresGrad = true;
        Near(expected, new BinaryCrossentropy(labelSmoothing: smoothing).Compute(Targets, Ops.Sigmoid(logits)));
    }

    [Fact]
    public void BinaryCrossentropyOnLogitsStaysFinite()
    {
        var logits = Tensor.FromArray([500f, -500f], 2, 1);
        var loss = new BinaryCrossentropy(fromLogits: true).Compute(Tensor.FromArray([0f, 1f], 2), logits);
        Assert.Equal(500.0, loss.Item(), 3);
    }

    [Fact]
    public void KLDivergenceAndCosineSimilarity()
    {
        Near(BatchMean((t, p) => t.Zip(p, (a, b) =>
        {
            a = Math.Max(a, 1e-7); b = Math.Max(b, 1e-7);
            return a * Math.Log(a / b);                                       // Σ t·log(t/p), clipped at 1e−7
        }).Sum()), new KLDivergence().Compute(Targets, Predictions));
        Near(BatchMean((t, p) =>
        {
            double dot = t.Zip(p, (a, b) => a * b).Sum();
            return -dot / Math.Sqrt(t.Sum(a => a * a)) / Math.Sqrt(p.Sum(b => b * b)); // −cos(t, p)
        }), new CosineSimilarity().Compute(Targets, Predictions));
    }

    [Fact]
    public void LabelSmoothingSpreadsTargetsOverClasses()
    {
        var logits = Tensor.FromArray([2f, 1f, 0.1f, -1f, 3f, 0.5f], 2, 3);
        var oneHot = Tensor.FromArray([1f, 0, 0, 0, 0, 1], 2, 3);
        double Row(double[] z, int label)
        {
            double lse = Math.Log(z.Sum(Math.Exp));
            double total = 0;
            for (int c = 0; c < 3; c++) total -= ((c == label ? 1 : 0) * 0.7 + 0.3 / 3) * (z[c] - lse); // t·(1 − s) + s/C
            return total;
        }
        double expected = (Row([2, 1, 0.1], 0) + Row([-1, 3, 0.5], 2)) / 2;
        Near(expected, new CategoricalCrossentropy(fromLogits: true, labelSmoothing: 0.3f).Compute(oneHot, logits));
        Near(expected, new SparseCategoricalCrossentropy(fromLogits: true, labelSmoothing: 0.3f).Compute(Tensor.FromArray(new[] { 0, 2 }, 2), logits));
        Near(expected, new CategoricalCrossentropy(labelSmoothing: 0.3f).Compute(oneHot, Ops.Softmax(logits)));
    }

    [Fact]
    public void SampleWeightsMultiplyPerSampleLossesAndDivideByBatchSize()
    {
        var perSample = new MeanSquaredError().PerSample(Targets, Predictions).ToArray();
        var weights = Tensor.FromArray([0.25f, 2f], 2);
        // sum_over_batch_size: Σ wᵢ·lᵢ / batch
        Near((0.25 * perSample[0] + 2 * perSample[1]) / 2, new MeanSquaredError().Compute(Targets, Predictions, weights));
    }

    [Theory]
    [InlineData("mse")]
    [InlineData("mae")]
    [InlineData("huber")]
    [InlineData("bce")]
    [InlineData("bce_logits")]
    [InlineData("kld")]
    [InlineData("cosine")]
    public void GradientsMatchFiniteDifferences(string name)
    {
        Loss loss = name switch
        {
            "mse" => new MeanSquaredError(),
            "mae" => new MeanAbsoluteError(),
            "huber" => new Huber(0.3f),
            "bce" => new BinaryCrossentropy(labelSmoothing: 0.1f),
            "bce_logits" => new BinaryCrossentropy(fromLogits: true),
            "kld" => new KLDivergence(),
            _ => new CosineSimilarity(),
        };
        var targets = Targets;
        // Predictions at least 0.05 from every target and kink, so finite differences stay on one side.
        var predictions = Tensor.FromArray([0.3f, 0.62f, 0.41f, 0.8f, 0.45f, 0.55f], 2, 3);
        Check(t => loss.PerSample(targets, t[0]), [predictions], epsilon: 1e-3f);
    }
}
