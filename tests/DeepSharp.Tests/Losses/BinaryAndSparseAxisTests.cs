using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using static DeepSharp.Tests.GradCheck;
using Lm = DeepSharp.Metrics.LossMetrics;

namespace DeepSharp.Tests.Losses;

/// <summary>
/// Keras's <c>axis</c> on BinaryCrossentropy and BinaryFocalCrossentropy (the axis averaged over) and on
/// SparseCategoricalCrossentropy, loss and metric (the classes axis of the predictions): Keras's documented values laid
/// out along another axis, the formulas computed here in double, finite-difference gradients, model files and bad input.
/// </summary>
public sealed class BinaryAndSparseAxisTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Keras's docstring batch [[0, 1], [0, 0]] with its two features moved to axis 1 of (1, features, positions).</summary>
    private static Tensor Transposed(float[] rows) => Tensor.FromArray([rows[0], rows[2], rows[1], rows[3]], 1, 2, 2);

    [Fact]
    public void BinaryCrossentropiesAverageOverTheAxis()
    {
        float[] t = [0f, 1f, 0f, 0f], p = [0.6f, 0.4f, 0.4f, 0.6f], logits = [-18.6f, 0.51f, 2.94f, -12.8f];
        // keras.losses.BinaryCrossentropy docstring: 0.815 on these probabilities, 0.865 on these logits.
        var perPosition = new BinaryCrossentropy(axis: 1).PerSample(Transposed(t), Transposed(p));
        Assert.Equal(new Shape(1, 2), perPosition.Shape);
        Assert.Equal(0.815, new BinaryCrossentropy(axis: 1).Compute(Transposed(t), Transposed(p)).Item(), 3);
        Assert.Equal(0.865, new BinaryCrossentropy(fromLogits: true, axis: -2).Compute(Transposed(t), Transposed(logits)).Item(), 3);
        // keras.losses.binary_focal_crossentropy docstring (γ = 2): [0.330, 0.206], now one per position.
        var focal = new BinaryFocalCrossentropy(gamma: 2f, axis: 1).PerSample(Transposed(t), Transposed(p)).ToArray();
        Assert.Equal(0.330, focal[0], 3);
        Assert.Equal(0.206, focal[1], 3);

        // (batch 2, features 3, positions 2) by hand: each position's mean over the 3 features.
        var rng = new RandomGenerator(5);
        var targets = Tensor.RandomUniform(new Shape(2, 3, 2), 0f, 1f, rng);
        var scores = Tensor.RandomUniform(new Shape(2, 3, 2), -2f, 2f, rng);
        var bce = new BinaryCrossentropy(fromLogits: true, labelSmoothing: 0.1f, axis: 1).PerSample(targets, scores).ToArray();
        var balanced = new BinaryFocalCrossentropy(applyClassBalancing: true, alpha: 0.3f, gamma: 1.5f, fromLogits: true, axis: 1).PerSample(targets, scores).ToArray();
        var z = targets.ToArray();
        var x = scores.ToArray();
        for (int b = 0; b < 2; b++)
            for (int q = 0; q < 2; q++)
            {
                double plain = 0, weighted = 0;
                for (int c = 0; c < 3; c++)
                {
                    int at = b * 6 + c * 2 + q;
                    double smoothed = z[at] * 0.9 + 0.05, logit = x[at], prob = 1 / (1 + Math.Exp(-logit));
                    plain += Math.Max(logit, 0) - logit * smoothed + Math.Log(1 + Math.Exp(-Math.Abs(logit)));
                    double crossEntropy = -(z[at] * Math.Log(prob) + (1 - z[at]) * Math.Log(1 - prob));
                    double miss = z[at] * (1 - prob) + (1 - z[at]) * prob;
                    weighted += (z[at] * 0.3 + (1 - z[at]) * 0.7) * Math.Pow(miss, 1.5) * crossEntropy;
                }
                Assert.Equal(plain / 3, bce[b * 2 + q], 5);
                Assert.Equal(weighted / 3, balanced[b * 2 + q], 5);
            }
        // Moving the axis last by hand gives the same numbers.
        var moved = new BinaryCrossentropy(fromLogits: true, labelSmoothing: 0.1f).PerSample(Ops.Permute(targets, 0, 2, 1), Ops.Permute(scores, 0, 2, 1)).ToArray();
        for (int i = 0; i < moved.Length; i++) Assert.Equal(moved[i], bce[i], 6);

        Check(v => new BinaryCrossentropy(fromLogits: true, axis: 1).PerSample(targets, v[0]), [Random(3, 2, 3, 2)]);
        Check(v => new BinaryCrossentropy(labelSmoothing: 0.2f, axis: -2).PerSample(targets, Ops.Affine(v[0], 0.3f, 0.5f)), [Random(4, 2, 3, 2)]);
        Check(v => new BinaryFocalCrossentropy(applyClassBalancing: true, fromLogits: true, axis: 1).PerSample(targets, v[0]), [Random(5, 2, 3, 2)]);
        Check(v => new BinaryFocalCrossentropy(gamma: 2f, axis: 1).PerSample(targets, Ops.Affine(v[0], 0.3f, 0.5f)), [Random(6, 2, 3, 2)]);
        // A sigmoid's output along axis 1 still fuses with it (the stable form) and still has the sigmoid's gradient.
        Check(v => new BinaryCrossentropy(axis: 1).PerSample(targets, Ops.Sigmoid(v[0])), [Random(7, 2, 3, 2)]);
    }

    [Fact]
    public void SparseCrossentropyTakesTheClassesAxis()
    {
        // keras.losses.sparse_categorical_crossentropy docstring: labels [1, 2] against [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
        // give [0.0513, 2.303]; here the classes lie on axis 1 of (2, 3, 1), one position per sample.
        var probabilities = Tensor.FromArray([0.05f, 0.95f, 0f, 0.1f, 0.8f, 0.1f], 2, 3, 1);
        var labels = Tensor.FromArray([1, 2], 2, 1);
        var losses = new SparseCategoricalCrossentropy(axis: 1).PerSample(labels, probabilities);
        Assert.Equal(new Shape(2, 1), losses.Shape);
        Assert.Equal(0.0513, losses.ToArray()[0], 4);
        Assert.Equal(2.303, losses.ToArray()[1], 3);
        var metric = new Lm.SparseCategoricalCrossentropy(axis: 1);
        metric.Update(labels, probabilities);
        Assert.Equal(1.177, metric.Result(), 3);   // the docstring's mean

        // (batch 2, classes 3, positions 2), PyTorch's CrossEntropyLoss layout, by hand: −log softmax at the label.
        var logits = Tensor.RandomUniform(new Shape(2, 3, 2), -1f, 1f, new RandomGenerator(9));
        var positions = Tensor.FromArray([2, 0, 1, 1], 2, 2);
        var alongAxis = new SparseCategoricalCrossentropy(fromLogits: true, axis: 1).PerSample(positions, logits).ToArray();
        var l = logits.ToArray();
        int[] y = [2, 0, 1, 1];
        for (int b = 0; b < 2; b++)
            for (int q = 0; q < 2; q++)
            {
                double[] row = [.. Enumerable.Range(0, 3).Select(c => (double)l[b * 6 + c * 2 + q])];
                Assert.Equal(Math.Log(row.Sum(Math.Exp)) - row[y[b * 2 + q]], alongAxis[b * 2 + q], 5);
            }
        var logged = new Lm.SparseCategoricalCrossentropy(fromLogits: true, axis: -2);
        logged.Update(positions, logits);
        Assert.Equal(alongAxis.Average(), logged.Result(), 5);

        // ignoreClass along the axis: the ignored position adds nothing and the mean runs over the others.
        var ignoring = new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: 0, axis: 1).Compute(positions, logits).Item();
        Assert.Equal((alongAxis[0] + alongAxis[2] + alongAxis[3]) / 3, ignoring, 5);

        Check(v => new SparseCategoricalCrossentropy(fromLogits: true, axis: 1).PerSample(positions, v[0]), [Random(3, 2, 3, 2)]);
        Check(v => new SparseCategoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1f, axis: 1).PerSample(positions, v[0]), [Random(4, 2, 3, 2)]);
        Check(v => new SparseCategoricalCrossentropy(axis: 1).PerSample(positions, Ops.Affine(v[0], 0.3f, 0.5f)), [Random(5, 2, 3, 2)]);
    }

    [Fact]
    public void BadAxesNameTheLossAndTheShape()
    {
        var targets = Tensor.Zeros(new Shape(2, 3, 2));
        var e = Assert.Throws<ShapeMismatchException>(() => new BinaryCrossentropy(axis: 3).PerSample(targets, Tensor.Zeros(new Shape(2, 3, 2))));
        Assert.Contains("BinaryCrossentropy", e.Message);
        Assert.Contains("axis 3", e.Message);
        Assert.Contains("(2, 3, 2)", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => new BinaryFocalCrossentropy(axis: -4).PerSample(targets, Tensor.Zeros(new Shape(2, 3, 2))));
        Assert.Contains("BinaryFocalCrossentropy: axis -4", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => new SparseCategoricalCrossentropy(axis: 2).PerSample(Tensor.FromArray([0, 1], 2), Tensor.Zeros(new Shape(2, 3))));
        Assert.Contains("SparseCategoricalCrossentropy: axis 2", e.Message);
        // Labels that do not fit the positions left beside the classes axis: both shapes and the axis are named.
        e = Assert.Throws<ShapeMismatchException>(() => new SparseCategoricalCrossentropy(axis: 1).PerSample(Tensor.FromArray([0, 1, 2], 3), Tensor.Zeros(new Shape(2, 3, 2))));
        Assert.Contains("(2, 3, 2)", e.Message);
        Assert.Contains("classes axis 1", e.Message);
        Assert.Throws<ShapeMismatchException>(() => new Lm.SparseCategoricalCrossentropy(axis: 5).Update(Tensor.FromArray([0, 1], 2), Tensor.Zeros(new Shape(2, 3))));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BinaryCrossentropy(axis: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BinaryFocalCrossentropy(axis: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SparseCategoricalCrossentropy(axis: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Lm.SparseCategoricalCrossentropy(axis: 0));
    }

    [Fact]
    public void AxesSurviveAModelFile()
    {
        RandomGenerator.SetGlobalSeed(4);
        string path = Path.Combine(_temp.Path, "axes.safetensors");
        var model = new Sequential(new Dense(3, inputShape: [4]));
        model.Compile("adam", new BinaryCrossentropy(fromLogits: true, labelSmoothing: 0.1f, axis: 1), [new Lm.SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: 2, axis: 1)]);
        model.Save(path);
        var loaded = Model.Load(path);
        var bce = Assert.IsType<BinaryCrossentropy>(loaded.Losses[0]);
        Assert.Equal((true, 0.1f, 1), (bce.FromLogits, bce.LabelSmoothing, bce.Axis));
        var metric = Assert.IsType<Lm.SparseCategoricalCrossentropy>(loaded.Metrics[0]);
        Assert.Equal((true, (int?)2, 1), (metric.FromLogits, metric.IgnoreClass, metric.Axis));

        model.Compile("adam", new BinaryFocalCrossentropy(applyClassBalancing: true, gamma: 3f, axis: -2));
        model.Save(path);
        var focal = Assert.IsType<BinaryFocalCrossentropy>(Model.Load(path).Losses[0]);
        Assert.Equal((true, 3f, -2), (focal.ApplyClassBalancing, focal.Gamma, focal.Axis));

        model.Compile("adam", new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: 0, axis: 1));
        model.Save(path);
        var sparse = Assert.IsType<SparseCategoricalCrossentropy>(Model.Load(path).Losses[0]);
        Assert.Equal((true, (int?)0, 1), (sparse.FromLogits, sparse.IgnoreClass, sparse.Axis));

        // Keras's defaults by name: the last axis.
        Assert.Equal(-1, Assert.IsType<BinaryCrossentropy>(Loss.FromName("binary_crossentropy")).Axis);
        Assert.Equal(-1, Assert.IsType<BinaryFocalCrossentropy>(Loss.FromName("binary_focal_crossentropy")).Axis);
        Assert.Equal(-1, Assert.IsType<SparseCategoricalCrossentropy>(Loss.FromName("sparse_categorical_crossentropy")).Axis);
    }
}
