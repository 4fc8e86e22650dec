using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Losses;

/// <summary>Categorical cross-entropy over sequence outputs (batch, time, classes), as Keras scores them.</summary>
public class SequenceCategoricalTests
{
    [Fact]
    public void EachPositionIsScoredAndThePositionsAreAveraged()
    {
        // Position 1: logits (0, 0), class 0 → ln 2. Position 2: logits (ln 3, 0), class 1 → ln 4.
        var logits = Tensor.FromArray([0f, 0f, MathF.Log(3f), 0f], 1, 2, 2);
        var targets = Tensor.FromArray([1f, 0f, 0f, 1f], 1, 2, 2);
        var loss = new CategoricalCrossentropy(fromLogits: true);
        var perPosition = loss.PerSample(targets, logits);
        Assert.Equal(new Shape(1, 2), perPosition.Shape);
        Assert.Equal(Math.Log(2), perPosition.Span[0], 5);
        Assert.Equal(Math.Log(4), perPosition.Span[1], 5);
        Assert.Equal(1.5 * Math.Log(2), loss.Compute(targets, logits).Item(), 5);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ASequenceEqualsItsPositionsAsRows(bool fromLogits)
    {
        var raw = GradCheck.Random(4, 2, 3, 5);
        var predictions = fromLogits ? raw : Ops.Affine(raw, 0.5f, 1f); // positive, not from a softmax
        var targets = Tensor.FromArray([.. Enumerable.Range(0, 30).Select(i => i % 5 == i / 5 % 5 ? 1f : 0f)], 2, 3, 5);
        var loss = new CategoricalCrossentropy(fromLogits, labelSmoothing: 0.1f);
        float sequence = loss.Compute(targets, predictions).Item();
        float rows = loss.Compute(targets.View(6, 5), predictions.View(6, 5)).Item();
        Assert.Equal(rows, sequence, 5);
    }

    [Fact]
    public void ASoftmaxOverASequenceIsFusedWithTheLoss()
    {
        // Softmax of (100, 0) for class 1 is e^-100: fused the loss is 100, clipped it would be −ln 1e−7 ≈ 16.1.
        var logits = Tensor.FromArray([100f, 0f, 0f, 0f], 1, 2, 2);
        logits.RequiresGrad = true; // as in training: the softmax is then recorded and can be fused
        var onehot = Tensor.FromArray([0f, 1f, 1f, 0f], 1, 2, 2);
        float expected = (100f + MathF.Log(2f)) / 2;
        Assert.Equal(expected, new CategoricalCrossentropy().Compute(onehot, Ops.Softmax(logits)).Item(), 3);
        var labels = Tensor.FromArray([1, 0], 1, 2);
        Assert.Equal(expected, new SparseCategoricalCrossentropy().Compute(labels, Ops.Softmax(logits)).Item(), 3);
    }

    [Fact]
    public void GradientsMatchFiniteDifferencesForSequences()
    {
        var targets = Tensor.FromArray([.. Enumerable.Range(0, 24).Select(i => i % 4 == i / 4 % 4 ? 1f : 0f)], 2, 3, 4);
        GradCheck.Check(t => new CategoricalCrossentropy(fromLogits: true).PerSample(targets, t[0]), [GradCheck.Random(5, 2, 3, 4)]);
        GradCheck.Check(t => new CategoricalCrossentropy().Compute(targets, Ops.Softmax(t[0])), [GradCheck.Random(6, 2, 3, 4)]);
    }

    [Fact]
    public void TargetsOfAnotherShapeAreRejected()
    {
        var error = Assert.Throws<ShapeMismatchException>(() => new CategoricalCrossentropy(true).Compute(Tensor.Zeros(2, 3), GradCheck.Random(1, 2, 3, 4)));
        Assert.Contains("(2, 3, 4)", error.Message);
    }
}
