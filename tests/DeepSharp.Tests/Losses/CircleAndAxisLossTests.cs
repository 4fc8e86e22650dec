using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using static DeepSharp.Tests.GradCheck;
using Lm = DeepSharp.Metrics.LossMetrics;

namespace DeepSharp.Tests.Losses;

/// <summary>
/// Circle loss against Keras's test values and its formula computed here in double, CategoricalFocalCrossentropy's
/// per-class alpha, and the axis argument of CategoricalCrossentropy and CosineSimilarity (losses and metrics):
/// values, finite-difference gradients, names, model files and bad input.
/// </summary>
public sealed class CircleAndAxisLossTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    // keras/src/losses/losses_test.py, CircleTest.
    private static readonly int[] s_labels = [1, 1, 2, 2, 3];
    private static readonly float[] s_embeddings =
    [
        0.70014004f, -0.42008403f, 0.14002801f, 0.56011203f,
        0.17609018f, 0.70436073f, -0.52827054f, 0.44022545f,
        -0.34050261f, 0.25537696f, -0.68100522f, 0.59587957f,
        0.32163376f, -0.75047877f, 0.53605627f, -0.21442251f,
        0.51261459f, -0.34174306f, 0.17087153f, 0.76892189f,
    ];
    private static readonly int[] s_refLabels = [1, 1, 2, 2, 3, 4];
    private static readonly float[] s_refEmbeddings =
    [
        0.40824829f, -0.54433105f, 0.27216553f, 0.68041382f,
        0.76376261f, 0.10910895f, -0.54554473f, 0.32732684f,
        -0.74420841f, 0.24806947f, 0.49613894f, -0.3721042f,
        0.52981294f, -0.13245324f, 0.79471941f, -0.26490647f,
        0.54554473f, -0.32732684f, 0.10910895f, 0.76376261f,
        -0.27216553f, 0.68041382f, 0.40824829f, -0.54433105f,
    ];

    private static Tensor Labels(int[] labels) => Tensor.FromArray((int[])labels.Clone(), labels.Length);
    private static Tensor Embeddings(float[] values) => Tensor.FromArray((float[])values.Clone(), values.Length / 4, 4);

    /// <summary>The circle loss of each sample from the paper's formula, in double: softplus(lse over positives + lse over negatives).</summary>
    private static double[] CircleByHand(int[] labels, float[] embeddings, int dims, double gamma, double margin, bool removeDiagonal)
    {
        int n = labels.Length;
        var losses = new double[n];
        for (int i = 0; i < n; i++)
        {
            var pos = new List<double>();
            var neg = new List<double>();
            for (int j = 0; j < n; j++)
            {
                double cos = 0;
                for (int k = 0; k < dims; k++) cos += (double)embeddings[i * dims + k] * embeddings[j * dims + k];
                double d = Math.Max(1 - cos, 0);
                if (labels[i] != labels[j]) neg.Add(gamma * Math.Max(1 + margin - d, 0) * (1 - margin - d));
                else if (!(removeDiagonal && i == j)) pos.Add(-gamma * Math.Max(margin + d, 0) * (margin - d));
            }
            if (pos.Count == 0 || neg.Count == 0) continue;
            static double Lse(List<double> v) { double m = v.Max(); return m + Math.Log(v.Sum(x => Math.Exp(x - m))); }
            double z = Lse(pos) + Lse(neg);
            losses[i] = Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z)));
        }
        return losses;
    }

    [Fact]
    public void CircleMatchesKerasTests()
    {
        Assert.Equal(188.3883, new Circle(80f, 0.4f).Compute(Labels(s_labels), Embeddings(s_embeddings)).Item(), 2);
        Assert.Equal(652.7617, new Circle(256f, 0.25f).Compute(Labels(s_labels), Embeddings(s_embeddings)).Item(), 1);
        var weights = Tensor.FromArray([2f, 2f, 1f, 1f, 0.5f], 5);
        Assert.Equal(244.91918, new Circle().Compute(Labels(s_labels), Embeddings(s_embeddings), weights).Item(), 2);
        // Keras's reduction=None on the reference set: samples without a negative or positive pair are 0 and masked out.
        var byHand = CircleByHand(s_refLabels, s_refEmbeddings, 4, 80, 0.4, removeDiagonal: true);
        double[] keras = [82.9116, 36.7942, 92.4590, 52.6798, 0.0, 0.0];
        for (int i = 0; i < 6; i++) Assert.Equal(keras[i], byHand[i], 2);
        Assert.Equal(264.845 / 4, new Circle().Compute(Labels(s_refLabels), Embeddings(s_refEmbeddings)).Item(), 2);
    }

    [Theory]
    [InlineData(80f, 0.4f, true)]
    [InlineData(2f, 0.25f, false)]
    [InlineData(5f, -0.1f, true)]
    public void CircleFollowsItsFormula(float gamma, float margin, bool removeDiagonal)
    {
        var rng = new RandomGenerator(3);
        var values = Tensor.RandomUniform(new Shape(7, 3), -0.6f, 0.6f, rng).ToArray();
        int[] labels = [0, 1, 0, 2, 1, 1, 3];
        var byHand = CircleByHand(labels, values, 3, gamma, margin, removeDiagonal);
        int counted = byHand.Count(v => v > 0);
        var loss = new Circle(gamma, margin, removeDiagonal).Compute(Labels(labels), Tensor.FromArray(values, 7, 3));
        Assert.Equal(byHand.Sum() / counted, loss.Item(), 3);
        // The masked reduction (Fit passes the output's mask) keeps the loss's own mask too.
        var mask = Tensor.FromArray([1f, 1f, 1f, 1f, 1f, 0f, 1f], 7);
        var masked = new Circle(gamma, margin, removeDiagonal).Compute(Labels(labels), Tensor.FromArray(values, 7, 3), mask: mask);
        int kept = byHand.Where((v, i) => v > 0 && i != 5).Count();
        Assert.Equal(byHand.Where((_, i) => i != 5).Sum() / kept, masked.Item(), 3);
    }

    [Theory]
    [InlineData(2f, 0.4f, true)]
    [InlineData(3f, 0.25f, false)]
    public void CircleGradientsMatchFiniteDifferences(float gamma, float margin, bool removeDiagonal)
    {
        var embeddings = Tensor.RandomUniform(new Shape(6, 3), -0.5f, 0.5f, new RandomGenerator(5));
        var labels = Labels([0, 1, 0, 1, 2, 0]);
        Check(x => new Circle(gamma, margin, removeDiagonal).PerSample(labels, x[0]), [embeddings], epsilon: 1e-3f, rtol: 3e-2, atol: 5e-3);
    }

    [Fact]
    public void CircleTrainsByNameAndKeepsItsSettingsInAModelFile()
    {
        RandomGenerator.SetGlobalSeed(6);
        var x = Tensor.RandomNormal(new Shape(32, 5));
        var labels = x.ToArray().Chunk(5).Select(r => r[0] > 0 ? 1 : 0).ToArray();
        var y = Tensor.FromArray(labels, 32);
        var model = new Sequential(new Dense(8, inputShape: [5]), new UnitNormalization());
        model.Compile(new Adam(0.01f), "circle");
        Assert.IsType<Circle>(model.Losses[0]);
        var history = model.Fit(x, y, batchSize: 32, epochs: 10, verbose: 0);
        Assert.True(history["loss"][^1] < history["loss"][0], $"circle: loss went from {history["loss"][0]} to {history["loss"][^1]}");

        model.Compile(new Adam(), new Circle(gamma: 64f, margin: 0.3f, removeDiagonal: false));
        string path = Path.Combine(_temp.Path, "circle.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        var back = Assert.IsType<Circle>(loaded.Losses[0]);
        Assert.Equal((64f, 0.3f, false), (back.Gamma, back.Margin, back.RemoveDiagonal));
        Assert.Equal(model.Evaluate(x, y, batchSize: 32)["loss"], loaded.Evaluate(x, y, batchSize: 32)["loss"], 5);
        var defaults = new Circle();
        Assert.Equal((80f, 0.4f, true, "circle"), (defaults.Gamma, defaults.Margin, defaults.RemoveDiagonal, defaults.Name));
    }

    [Fact]
    public void CircleBadInputNamesTheLossAndTheShapes()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => new Circle().Compute(Labels([1, 2, 3]), Tensor.Zeros(new Shape(3, 2, 2))));
        Assert.Contains("Circle", e.Message);
        Assert.Contains("(3, 2, 2)", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => new Circle().PerSample(Tensor.Zeros(new Shape(3, 2)), Tensor.Zeros(new Shape(3, 4))));
        Assert.Contains("(3, 2)", e.Message);
        Assert.Throws<DeepSharpException>(() => new Circle().PerSample(Tensor.FromArray([0.5f, 1f], 2), Tensor.Zeros(new Shape(2, 4))));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Circle(gamma: 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Circle(margin: float.NaN));
    }

    [Fact]
    public void FocalAlphaPerClassWeighsEachClass()
    {
        var t = Tensor.FromArray([0f, 1f, 0f, 0f, 0f, 1f], 2, 3);
        var p = Tensor.FromArray([0.05f, 0.9f, 0.05f, 0.1f, 0.85f, 0.05f], 2, 3);
        float[] alpha = [0.2f, 0.5f, 0.3f];
        var rows = new CategoricalFocalCrossentropy(alpha).PerSample(t, p).ToArray();
        // −α_c·(1 − p_c)²·log p_c for each sample's class c.
        Assert.Equal(-0.5 * Math.Pow(1 - 0.9, 2) * Math.Log(0.9), rows[0], 6);
        Assert.Equal(-0.3 * Math.Pow(1 - 0.05, 2) * Math.Log(0.05), rows[1], 5);
        // One α for every class is the same as a list of it; Keras's documented example with the default 0.25.
        var uniform = new CategoricalFocalCrossentropy([0.25f, 0.25f, 0.25f]).PerSample(t, p).ToArray();
        Assert.Equal(2.63401289e-04, uniform[0], 7);
        Assert.Equal(6.75912094e-01, uniform[1], 5);
        var logits = GradCheck.Random(2, 4, 3);
        var soft = Tensor.FromArray([0.1f, 0.7f, 0.2f, 0.3f, 0.3f, 0.4f, 1f, 0f, 0f, 0f, 0f, 1f], 4, 3);
        Check(x => new CategoricalFocalCrossentropy([0.2f, 0.5f, 0.3f], gamma: 1.5f, fromLogits: true, labelSmoothing: 0.1f).PerSample(soft, x[0]), [logits]);
        var e = Assert.Throws<ShapeMismatchException>(() => new CategoricalFocalCrossentropy([0.5f, 0.5f]).PerSample(t, p));
        Assert.Contains("2 class weights", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CategoricalFocalCrossentropy([0.5f, -1f]));
        Assert.Throws<ArgumentException>(() => new CategoricalFocalCrossentropy(Array.Empty<float>()));
    }

    [Fact]
    public void FocalAlphaPerClassSurvivesAModelFile()
    {
        RandomGenerator.SetGlobalSeed(2);
        var model = new Sequential(new Dense(3, Activation.Softmax, inputShape: [4]));
        model.Compile("adam", new CategoricalFocalCrossentropy([0.2f, 0.5f, 0.3f], gamma: 1f));
        string path = Path.Combine(_temp.Path, "focal.safetensors");
        model.Save(path);
        var back = Assert.IsType<CategoricalFocalCrossentropy>(Model.Load(path).Losses[0]);
        Assert.Equal(new[] { 0.2f, 0.5f, 0.3f }, back.ClassAlphas!);
        Assert.Equal(1f, back.Gamma);
        Assert.Null(new CategoricalFocalCrossentropy().ClassAlphas);
    }

    [Fact]
    public void AxisNamesTheClassesAxis()
    {
        // (batch 2, classes 3, positions 2): axis 1 is the same as moving the classes last.
        var rng = new RandomGenerator(8);
        var logits = Tensor.RandomUniform(new Shape(2, 3, 2), -1f, 1f, rng);
        var targets = Tensor.FromArray([1f, 0f, 0f, 1f, 0f, 0f, 0f, 0f, 1f, 0f, 0f, 1f], 2, 3, 2);
        var moved = Ops.Permute(logits, 0, 2, 1);
        var movedTargets = Ops.Permute(targets, 0, 2, 1);
        var alongAxis = new CategoricalCrossentropy(fromLogits: true, axis: 1).PerSample(targets, logits);
        Assert.Equal(new Shape(2, 2), alongAxis.Shape);
        Assert.Equal(new CategoricalCrossentropy(fromLogits: true).PerSample(movedTargets, moved).ToArray(), alongAxis.ToArray());
        // By hand: −log softmax at the target class, per (sample, position).
        var l = logits.ToArray();
        var t = targets.ToArray();
        for (int b = 0; b < 2; b++)
            for (int q = 0; q < 2; q++)
            {
                double[] row = [.. Enumerable.Range(0, 3).Select(c => (double)l[b * 6 + c * 2 + q])];
                int target = Enumerable.Range(0, 3).Single(c => t[b * 6 + c * 2 + q] == 1f);
                double expected = Math.Log(row.Sum(Math.Exp)) - row[target];
                Assert.Equal(expected, alongAxis.ToArray()[b * 2 + q], 5);
            }
        Check(x => new CategoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1f, axis: -2).PerSample(targets, x[0]), [GradCheck.Random(3, 2, 3, 2)]);

        var cosine = new CosineSimilarity(axis: 1).PerSample(targets, logits).ToArray();
        for (int b = 0; b < 2; b++)
            for (int q = 0; q < 2; q++)
            {
                double dot = 0, tt = 0, pp = 0;
                for (int c = 0; c < 3; c++)
                {
                    double a = t[b * 6 + c * 2 + q], v = l[b * 6 + c * 2 + q];
                    (dot, tt, pp) = (dot + a * v, tt + a * a, pp + v * v);
                }
                Assert.Equal(-dot / Math.Sqrt(tt * pp), cosine[b * 2 + q], 5);
            }
        Check(x => new CosineSimilarity(axis: 1).PerSample(targets, x[0]), [GradCheck.Random(4, 2, 3, 2)]);

        // The metrics score the same axis, averaged over (sample, position).
        var metric = new Lm.CosineSimilarity(axis: 1);
        metric.Update(targets, logits);
        Assert.Equal(-cosine.Average(), metric.Result(), 5);
        var cce = new Lm.CategoricalCrossentropy(fromLogits: true, axis: 1);
        cce.Update(targets, logits);
        Assert.Equal(alongAxis.ToArray().Average(), cce.Result(), 5);

        var e = Assert.Throws<ShapeMismatchException>(() => new CategoricalCrossentropy(axis: 3).PerSample(targets, logits));
        Assert.Contains("axis 3", e.Message);
        Assert.Contains("(2, 3, 2)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineSimilarity(axis: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Lm.CategoricalCrossentropy(axis: 0));
        Assert.Throws<ShapeMismatchException>(() => new Lm.CosineSimilarity(axis: 5).Update(targets, logits));
    }

    [Fact]
    public void AxisSurvivesAModelFile()
    {
        RandomGenerator.SetGlobalSeed(3);
        var model = new Sequential(new Dense(3, inputShape: [4]));
        model.Compile("adam", new CosineSimilarity(axis: -1), [new Lm.CosineSimilarity(axis: 1), new Lm.CategoricalCrossentropy(fromLogits: true, axis: -1)]);
        string path = Path.Combine(_temp.Path, "axis.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(-1, Assert.IsType<CosineSimilarity>(loaded.Losses[0]).Axis);
        Assert.Equal(1, Assert.IsType<Lm.CosineSimilarity>(loaded.Metrics[0]).Axis);
        var cce = Assert.IsType<Lm.CategoricalCrossentropy>(loaded.Metrics[1]);
        Assert.Equal((true, -1), (cce.FromLogits, cce.Axis));

        model.Compile("adam", new CategoricalCrossentropy(fromLogits: true, axis: 1));
        model.Save(path);
        Assert.Equal(1, Assert.IsType<CategoricalCrossentropy>(Model.Load(path).Losses[0]).Axis);
    }
}
