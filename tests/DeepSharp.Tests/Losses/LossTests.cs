using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Losses;

public class LossTests
{
    private static readonly Tensor Logits = Tensor.FromArray([2f, 1f, 0.1f, -1f, 3f, 0.5f], 2, 3);
    private static readonly Tensor OneHot = Tensor.FromArray([1f, 0, 0, 0, 0, 1], 2, 3);
    private static readonly Tensor Labels = Tensor.FromArray(new[] { 0, 2 }, 2);

    private static double Expected()
    {
        double Row(double[] z, int label) => -(z[label] - Math.Log(z.Sum(Math.Exp)));
        return (Row([2, 1, 0.1], 0) + Row([-1, 3, 0.5], 2)) / 2;
    }

    [Fact]
    public void AllFormsAgreeWithTheClosedForm()
    {
        var probabilities = Ops.Softmax(Logits);
        Assert.Equal(Expected(), new CategoricalCrossentropy(fromLogits: true).Compute(OneHot, Logits).Item(), 5);
        Assert.Equal(Expected(), new CategoricalCrossentropy().Compute(OneHot, probabilities).Item(), 5);
        Assert.Equal(Expected(), new SparseCategoricalCrossentropy(fromLogits: true).Compute(Labels, Logits).Item(), 5);
        Assert.Equal(Expected(), new SparseCategoricalCrossentropy().Compute(Labels, probabilities).Item(), 5);
        Assert.Equal(Expected(), new SparseCategoricalCrossentropy().Compute(Tensor.FromArray([0f, 2f], 2, 1), probabilities).Item(), 5);

        // Probabilities that did not come from a softmax op take Keras's clipped path.
        var detached = probabilities.Clone();
        Assert.Equal(Expected(), new CategoricalCrossentropy().Compute(OneHot, detached).Item(), 5);
    }

    [Fact]
    public void FusedSoftmaxStaysFiniteForExtremeLogits()
    {
        var logits = Tensor.FromArray([1000f, -1000f, 0f, -500f, 500f, 0f], 2, 3);
        logits.RequiresGrad = true;
        var loss = new CategoricalCrossentropy().Compute(OneHot, Ops.Softmax(logits));
        Assert.True(float.IsFinite(loss.Item()));
        loss.Backward();
        Assert.All(logits.Grad!.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void ClippedProbabilitiesBoundTheLoss()
    {
        var p = Tensor.FromArray([0f, 1f, 0f], 1, 3);
        var t = Tensor.FromArray([1f, 0f, 0f], 1, 3);
        Assert.Equal(-Math.Log(1e-7), new CategoricalCrossentropy().Compute(t, p).Item(), 2);
    }

    [Fact]
    public void ProbabilityPathHasCorrectGradients() =>
        GradCheck.Check(x => new CategoricalCrossentropy().PerSample(OneHot, Ops.Sigmoid(x[0])), [GradCheck.Random(4, 2, 3)], epsilon: 1e-3f);

    [Fact]
    public void BadLabelsAreRejectedWithContext()
    {
        var e = Assert.Throws<DeepSharpException>(() => new SparseCategoricalCrossentropy(true).Compute(Tensor.FromArray(new[] { 0, 3 }, 2), Logits));
        Assert.Contains("label 3", e.Message);
        Assert.Throws<ShapeMismatchException>(() => new CategoricalCrossentropy().Compute(Labels, Logits));
    }

    [Fact]
    public void AccuracyHandlesOneHotSparseAndBinary()
    {
        var acc = new Accuracy();
        acc.Update(OneHot, Logits);      // row 0 right (argmax 0), row 1 wrong (argmax 1, label 2)
        Assert.Equal(0.5, acc.Result());
        acc.Reset();
        acc.Update(Tensor.FromArray(new[] { 0, 1 }, 2), Logits);
        Assert.Equal(1.0, acc.Result());
        acc.Reset();
        acc.Update(Tensor.FromArray([1f, 0f, 1f], 3, 1), Tensor.FromArray([0.9f, 0.2f, 0.4f], 3, 1));
        Assert.Equal(2 / 3.0, acc.Result(), 6);
    }
}
