using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Losses;

/// <summary>
/// CTC against its definition: −log of the summed probability of every frame-by-frame path (C^T of them,
/// enumerated here) that collapses to the label sequence once repeats are merged and blanks (class 0) dropped.
/// </summary>
public class CtcTests
{
    /// <summary>−log Σ over all paths of length <paramref name="frames"/> that collapse to <paramref name="labels"/>.</summary>
    private static double BruteForce(float[] logits, int frames, int classes, int[] labels, int blank = 0)
    {
        var p = new double[frames * classes];
        for (int t = 0; t < frames; t++)
        {
            double sum = 0;
            for (int k = 0; k < classes; k++) sum += Math.Exp(logits[t * classes + k]);
            for (int k = 0; k < classes; k++) p[t * classes + k] = Math.Exp(logits[t * classes + k]) / sum;
        }
        double total = 0;
        var path = new int[frames];
        int count = (int)Math.Pow(classes, frames);
        for (int n = 0; n < count; n++)
        {
            int rest = n;
            for (int t = 0; t < frames; t++) { path[t] = rest % classes; rest /= classes; }
            var collapsed = new List<int>();
            for (int t = 0; t < frames; t++)
                if (path[t] != blank && (t == 0 || path[t] != path[t - 1])) collapsed.Add(path[t]);
            if (!collapsed.SequenceEqual(labels)) continue;
            double probability = 1;
            for (int t = 0; t < frames; t++) probability *= p[t * classes + path[t]];
            total += probability;
        }
        return -Math.Log(total);
    }

    private static float[] Logits(int seed, int n) => GradCheck.Random(seed, n).ToArray().Select(v => 2f * v).ToArray();

    [Fact]
    public void OneFrameAndTwoFramesByHand()
    {
        // T = 1, label [1]: the one path is "1"; loss = −log softmax(z)[1].
        var one = Tensor.FromArray([0.5f, -0.25f], 1, 1, 2);
        double p1 = Math.Exp(-0.25) / (Math.Exp(0.5) + Math.Exp(-0.25));
        Assert.Equal(-Math.Log(p1), new Ctc().Compute(Tensor.FromArray([1], 1, 1), one).Item(), 5);

        // T = 2, label [1]: paths "11", "01", "10".
        var two = Tensor.FromArray([0.5f, -0.25f, 1f, 0f], 1, 2, 2);
        double a1 = p1, a0 = 1 - p1, b1 = 1 / (1 + Math.Exp(1)), b0 = 1 - b1;
        Assert.Equal(-Math.Log(a1 * b1 + a0 * b1 + a1 * b0), new Ctc().Compute(Tensor.FromArray([1], 1, 1), two).Item(), 5);
    }

    [Theory]
    [InlineData(4, 3, new[] { 1, 2 })]
    [InlineData(4, 3, new[] { 1, 1 })]    // a repeat needs a blank between: paths such as 1 0 1 1
    [InlineData(5, 4, new[] { 3, 1, 3 })]
    [InlineData(5, 3, new int[0])]        // empty label: only the all-blank path
    [InlineData(6, 3, new[] { 2, 2, 2 })]
    public void EqualsTheSumOverEveryAlignment(int frames, int classes, int[] labels)
    {
        var z = Logits(frames * 10 + classes, frames * classes);
        int width = Math.Max(1, labels.Length + 1);
        var padded = labels.Concat(Enumerable.Repeat(0, width - labels.Length)).ToArray();   // Keras pads with 0
        float loss = new Ctc().Compute(Tensor.FromArray(padded, 1, width), Tensor.FromArray(z, 1, frames, classes)).Item();
        Assert.Equal(BruteForce(z, frames, classes, labels), loss, 4);
    }

    [Fact]
    public void ABatchAveragesItsSamplesAndLengthsLimitEach()
    {
        const int frames = 5, classes = 3;
        var z = Logits(21, 2 * frames * classes);
        var logits = Tensor.FromArray(z, 2, frames, classes);
        var labels = Tensor.FromArray([1, 2, 2, 2, 1, 0], 2, 3);
        // Sample 1 uses 3 of its 5 frames and 1 of its labels, through the op's lengths.
        var perSample = Ops.CtcLoss(logits, labels, Tensor.FromArray([3, 1], 2), Tensor.FromArray([5, 3], 2)).ToArray();
        Assert.Equal(BruteForce(z[..15], frames, classes, [1, 2, 2]), perSample[0], 4);
        Assert.Equal(BruteForce(z[15..24], 3, classes, [2]), perSample[1], 4);

        // The Keras loss: label lengths from the nonzero labels, every frame; the batch mean.
        var keras = new Ctc().Compute(labels, logits).Item();
        Assert.Equal((BruteForce(z[..15], frames, classes, [1, 2, 2]) + BruteForce(z[15..], frames, classes, [2, 1])) / 2, keras, 4);

        // A mask on the predictions gives the frames: the same as the op's logit lengths.
        var mask = Tensor.FromArray([1f, 1, 1, 1, 1, 1, 1, 1, 0, 0], 2, frames);
        var masked = new Ctc().Compute(labels, logits, mask: mask).Item();
        var lengths = Ops.CtcLoss(logits, labels, Tensor.FromArray([3, 2], 2), Tensor.FromArray([5, 3], 2)).ToArray();
        Assert.Equal((lengths[0] + lengths[1]) / 2, masked, 5);
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        var labels = Tensor.FromArray([1, 2, 1, 3, 3, 0], 2, 3);
        var logits = GradCheck.Random(5, 2, 6, 4);
        GradCheck.Check(x => new Ctc().PerSample(labels, x[0]), [logits], epsilon: 1e-2f, maxElementsPerInput: 48);
        // Frames past a sample's length get no gradient; the others are checked too.
        var shorter = GradCheck.Random(6, 2, 6, 4);
        GradCheck.Check(x => Ops.CtcLoss(x[0], labels, Tensor.FromArray([3, 2], 2), Tensor.FromArray([6, 4], 2)), [shorter], epsilon: 1e-2f, maxElementsPerInput: 48);
        var grad = shorter.Grad!.ToArray();
        Assert.All(grad[(6 * 4 + 4 * 4)..], g => Assert.Equal(0f, g));
    }

    [Fact]
    public void LongSequencesAndLargeLogitsStayFinite()
    {
        const int frames = 400, classes = 6;
        var z = GradCheck.Random(9, frames * classes).ToArray().Select(v => 60f * v).ToArray();
        var logits = Tensor.FromArray(z, 1, frames, classes);
        logits.RequiresGrad = true;
        var labels = Tensor.FromArray(Enumerable.Range(0, 50).Select(i => 1 + i % 5).ToArray(), 1, 50);
        var loss = new Ctc().Compute(labels, logits);
        Assert.True(float.IsFinite(loss.Item()) && loss.Item() > 0, $"loss {loss.Item()}");
        loss.Backward();
        var g = logits.Grad!.ToArray();
        Assert.All(g, v => Assert.True(float.IsFinite(v)));
        // Each frame's gradient is softmax minus a distribution: it sums to 0.
        for (int t = 0; t < frames; t++) Assert.Equal(0.0, g.Skip(t * classes).Take(classes).Sum(v => (double)v), 4);
    }

    [Fact]
    public void ALargeBatchSpreadOverThreadsGivesEachSamplesOwnLossAndGradient()
    {
        const int batch = 8, frames = 100, classes = 8, width = 15;
        var logits = GradCheck.Random(12, batch, frames, classes);
        logits.RequiresGrad = true;
        var ids = Enumerable.Range(0, batch * width).Select(i => 1 + (i * 7 + i / width) % (classes - 1)).ToArray();
        var labelLengths = Enumerable.Range(0, batch).Select(b => 5 + b).ToArray();
        var frameLengths = Enumerable.Range(0, batch).Select(b => frames - 3 * b).ToArray();
        var all = Ops.CtcLoss(logits, Tensor.FromArray(ids, batch, width), Tensor.FromArray(labelLengths, batch), Tensor.FromArray(frameLengths, batch));
        Ops.Sum(all).Backward();
        var losses = all.ToArray();
        var gradient = logits.Grad!.ToArray();
        for (int b = 0; b < batch; b++)
        {
            var one = Tensor.FromArray(logits.ToArray()[(b * frames * classes)..((b + 1) * frames * classes)], 1, frames, classes);
            one.RequiresGrad = true;
            var alone = Ops.CtcLoss(one, Tensor.FromArray(ids[(b * width)..((b + 1) * width)], 1, width), Tensor.FromArray([labelLengths[b]], 1), Tensor.FromArray([frameLengths[b]], 1));
            Ops.Sum(alone).Backward();
            Assert.Equal(alone.ToArray()[0], losses[b]);
            Assert.Equal(one.Grad!.ToArray(), gradient[(b * frames * classes)..((b + 1) * frames * classes)]);
        }
    }

    [Fact]
    public void LabelsThatCannotFitTheFramesGiveInfinityAndNoGradient()
    {
        var logits = GradCheck.Random(3, 1, 2, 3);
        logits.RequiresGrad = true;
        var loss = Ops.CtcLoss(logits, Tensor.FromArray([1, 1], 1, 2), Tensor.FromArray([2], 1), Tensor.FromArray([2], 1));   // "1 1" needs 3 frames
        Assert.True(float.IsPositiveInfinity(loss.ToArray()[0]));
        Ops.Sum(loss).Backward();
        Assert.All(logits.Grad!.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void BadInputIsNamed()
    {
        var logits = GradCheck.Random(4, 2, 4, 3);
        Assert.Contains("(batch, frames, classes)", Assert.Throws<ShapeMismatchException>(() => new Ctc().Compute(Tensor.FromArray([1, 2], 2, 1), logits.View(2, 12))).Message);
        Assert.Contains("(batch, max_length)", Assert.Throws<ShapeMismatchException>(() => new Ctc().Compute(Tensor.FromArray([1, 2], 2), logits)).Message);
        Assert.Contains("label 3", Assert.Throws<DeepSharpException>(() => new Ctc().Compute(Tensor.FromArray([1, 3], 2, 1), logits)).Message);
        Assert.Contains("after the padding 0", Assert.Throws<DeepSharpException>(() => new Ctc().Compute(Tensor.FromArray([1, 0, 0, 2], 2, 2), logits)).Message);
        Assert.Contains("logit length 5", Assert.Throws<DeepSharpException>(() =>
            Ops.CtcLoss(logits, Tensor.FromArray([1, 2], 2, 1), Tensor.FromArray([1, 1], 2), Tensor.FromArray([5, 4], 2))).Message);
        Assert.Contains("kept frames must come first", Assert.Throws<DeepSharpException>(() =>
            new Ctc().Compute(Tensor.FromArray([1, 2], 2, 1), logits, mask: Tensor.FromArray([1f, 0, 1, 1, 1, 1, 1, 1], 2, 4))).Message);
    }
}
