using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Tensors;
using DeepSharp.Text;

namespace DeepSharp.Tests.Text;

/// <summary>BERT's 80/10/10 masking: its statistics, its labels, and a loss that counts the chosen positions only.</summary>
public class MaskedLanguageModelMaskingTests
{
    private const int Vocabulary = 1000;

    /// <summary>Ids in [2, Vocabulary) with the last quarter of every row padding.</summary>
    private static Tensor Tokens(int rows, int length, int seed)
    {
        var random = new Random(seed);
        var ids = new int[rows * length];
        for (int r = 0; r < rows; r++)
            for (int t = 0; t < length * 3 / 4; t++)
                ids[r * length + t] = random.Next(2, Vocabulary);
        return Tensor.FromArray(ids, rows, length);
    }

    [Fact]
    public void ChoosesFifteenPercentOfRealTokensAndSplitsThem801010()
    {
        var tokens = Tokens(400, 100, 1);
        var masking = new MaskedLanguageModelMasking(Vocabulary, maskTokenId: Vocabulary);
        var (inputs, labels) = masking.Mask(tokens, seed: 7);
        Assert.Equal(DType.Int32, inputs.DType);
        Assert.Equal(tokens.Shape, labels.Shape);
        var t = tokens.IntSpan.ToArray();
        var x = inputs.IntSpan.ToArray();
        var y = labels.IntSpan.ToArray();
        int real = 0, chosen = 0, masked = 0, replaced = 0, kept = 0;
        for (int i = 0; i < t.Length; i++)
        {
            if (t[i] == 0)
            {
                Assert.Equal(MaskedLanguageModelMasking.IgnoredLabel, y[i]); // padding is never chosen
                Assert.Equal(0, x[i]);
                continue;
            }
            real++;
            if (y[i] == MaskedLanguageModelMasking.IgnoredLabel)
            {
                Assert.Equal(t[i], x[i]); // not chosen: unchanged
                continue;
            }
            chosen++;
            Assert.Equal(t[i], y[i]); // the label is the original token
            if (x[i] == Vocabulary) masked++;
            else if (x[i] == t[i]) kept++;
            else { replaced++; Assert.InRange(x[i], 2, Vocabulary - 1); }
        }
        // 30,000 real tokens: 4,500 chosen; standard deviations ≈ 0.2 % of the rate, 0.6 % and 0.45 % of the split.
        Assert.InRange(chosen / (double)real, 0.14, 0.16);
        Assert.InRange(masked / (double)chosen, 0.77, 0.83);
        // A random replacement equals the original token with probability 1/998: counted among the kept.
        Assert.InRange(replaced / (double)chosen, 0.085, 0.115);
        Assert.InRange(kept / (double)chosen, 0.085, 0.115);
    }

    [Fact]
    public void SameSeedSameMasksOtherSeedOtherMasks()
    {
        var tokens = Tokens(20, 30, 2);
        var masking = new MaskedLanguageModelMasking(Vocabulary, Vocabulary);
        var (a, la) = masking.Mask(tokens, 3);
        var (b, lb) = masking.Mask(tokens, 3);
        var (c, _) = masking.Mask(tokens, 4);
        Assert.Equal(a.IntSpan.ToArray(), b.IntSpan.ToArray());
        Assert.Equal(la.IntSpan.ToArray(), lb.IntSpan.ToArray());
        Assert.NotEqual(a.IntSpan.ToArray(), c.IntSpan.ToArray());
        Assert.Equal(Tokens(20, 30, 2).IntSpan.ToArray(), tokens.IntSpan.ToArray()); // the input is left as it was
    }

    [Fact]
    public void RejectsBadTokensAndRates()
    {
        var masking = new MaskedLanguageModelMasking(10, 10);
        var error = Assert.Throws<ArgumentException>(() => masking.Mask(Tensor.FromArray(new[] { 1, 2, 11 }, 1, 3), 0));
        Assert.Contains("token id 11", error.Message);
        Assert.Throws<ArgumentException>(() => masking.Mask(Tensor.FromArray(new[] { 1f, 2f }, 1, 2), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaskedLanguageModelMasking(10, 10, selectionRate: 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaskedLanguageModelMasking(10, 10, maskRate: 0.95f, randomRate: 0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaskedLanguageModelMasking(10, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaskedLanguageModelMasking(10, 10, firstRandomId: 10));
    }

    [Fact]
    public void TheLossCountsOnlyTheChosenPositions()
    {
        const int classes = 12, rows = 3, length = 10;
        var random = new Random(4);
        var ids = Enumerable.Range(0, rows * length).Select(i => i % length < 8 ? random.Next(2, classes) : 0).ToArray();
        var (_, labels) = new MaskedLanguageModelMasking(classes, classes, selectionRate: 0.4f).Mask(Tensor.FromArray(ids, rows, length), 11);
        var y = labels.IntSpan.ToArray();
        Assert.Contains(y, v => v >= 0);
        Assert.Contains(y, v => v < 0);
        var values = Enumerable.Range(0, rows * length * classes).Select(_ => (float)random.NextDouble() * 4 - 2).ToArray();
        var loss = new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: MaskedLanguageModelMasking.IgnoredLabel);

        var logits = Tensor.FromArray(values, rows, length, classes);
        logits.RequiresGrad = true;
        var value = loss.Compute(labels, logits);
        value.Backward();
        // The mean cross-entropy over the chosen positions, computed by hand.
        double expected = 0;
        int chosen = 0;
        for (int p = 0; p < y.Length; p++)
        {
            var row = values.AsSpan(p * classes, classes);
            if (y[p] < 0)
            {
                Assert.All(logits.Grad!.Span.Slice(p * classes, classes).ToArray(), g => Assert.Equal(0f, g)); // no gradient where not chosen
                continue;
            }
            double max = row.ToArray().Max(), sum = row.ToArray().Sum(v => Math.Exp(v - max));
            expected += max + Math.Log(sum) - row[y[p]];
            chosen++;
        }
        Assert.Equal(expected / chosen, value.Span[0], 4);

        // Changing the logits where nothing was chosen leaves the loss as it was.
        var changed = (float[])values.Clone();
        for (int p = 0; p < y.Length; p++)
            if (y[p] < 0) for (int c = 0; c < classes; c++) changed[p * classes + c] += 5f * c;
        Assert.Equal(value.Span[0], loss.Compute(labels, Tensor.FromArray(changed, rows, length, classes)).Span[0], 5);
    }
}
