using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Losses;

/// <summary>Sparse cross-entropy over sequence outputs and with an ignored (padding) class.</summary>
public class SequenceCrossentropyTests
{
    [Fact]
    public void SequenceOutputsAreScoredPerPositionAsFlattenedRows()
    {
        var logits = GradCheck.Random(1, 2, 3, 5);
        var labels = Tensor.FromArray([1, 4, 0, 2, 2, 3], 2, 3);
        var loss = new SparseCategoricalCrossentropy(fromLogits: true);
        float sequence = loss.Compute(labels, logits).Item();
        float flat = loss.Compute(labels.View(6), logits.View(6, 5)).Item();
        Assert.Equal(flat, sequence, 6);
    }

    [Fact]
    public void AnIgnoredClassAddsNothingAndTheMeanRunsOverTheRest()
    {
        var logits = GradCheck.Random(2, 2, 3, 5);
        var labels = Tensor.FromArray([1, 4, 0, 2, 0, 0], 2, 3);   // 0 is padding
        float masked = new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: 0).Compute(labels, logits).Item();

        var rows = logits.View(6, 5);
        var keep = new[] { 0, 1, 3 };
        var kept = rows.GatherRows(keep);
        float expected = new SparseCategoricalCrossentropy(fromLogits: true).Compute(Tensor.FromArray([1, 4, 2], 3), kept).Item();
        Assert.Equal(expected, masked, 5);

        GradCheck.Check(t => new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: 0).Compute(labels, t[0]), [logits]);
    }

    [Fact]
    public void LabelsOutsideTheClassesAreRejected()
    {
        var logits = GradCheck.Random(3, 1, 2, 4);
        var error = Assert.Throws<DeepSharpException>(() => new SparseCategoricalCrossentropy(true, ignoreClass: 0).Compute(Tensor.FromArray([1, 7], 1, 2), logits));
        Assert.Contains("label 7", error.Message);
    }
}
