using DeepSharp.Data;
using DeepSharp.Data.Augmentation;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Data;

/// <summary>
/// MixUp and CutMix as batch transforms: image n holds the value n everywhere and its label is one-hot n, so each mixed
/// sample's label says which partner and which weight were drawn, and the pixels are checked against them; the Beta
/// draws' moments; seeds; bad input; and Fit on a mixed loader.
/// </summary>
public sealed class BatchMixingTests
{
    private const int Batch = 6;

    private static (Tensor Images, Tensor Labels) Numbered(int height, int width, int channels)
    {
        var images = new float[Batch * height * width * channels];
        for (int i = 0; i < images.Length; i++) images[i] = i / (height * width * channels);
        var labels = new float[Batch * Batch];
        for (int n = 0; n < Batch; n++) labels[n * Batch + n] = 1f;
        return (Tensor.FromArray(images, Batch, height, width, channels), Tensor.FromArray(labels, Batch, Batch));
    }

    /// <summary>The partner and own weight a mixed one-hot label row encodes.</summary>
    private static (int Partner, float Weight) Decode(float[] labels, int n)
    {
        float own = labels[n * Batch + n];
        for (int k = 0; k < Batch; k++)
            if (k != n && labels[n * Batch + k] > 0f) return (k, own);
        return (n, 1f);
    }

    [Fact]
    public void MixUpBlendsImagesAndLabelsWithOneWeight()
    {
        var (images, labels) = Numbered(3, 2, 2);
        var (mixed, mixedLabels) = new MixUp(0.4f, seed: 1).Apply(images, labels);
        var x = mixed.ToArray();
        var y = mixedLabels.ToArray();
        float? shared = null;
        var partners = new HashSet<int>();
        for (int n = 0; n < Batch; n++)
        {
            var (partner, weight) = Decode(y, n);
            if (weight < 1f) Assert.True(partners.Add(partner), $"partner {partner} used twice: not a permutation");
            Assert.Equal(1.0, y.Skip(n * Batch).Take(Batch).Sum(), 5);
            if (partner != n)
            {
                shared ??= weight;
                Assert.Equal(shared.Value, weight, 5);
            }
            for (int i = 0; i < 12; i++) Assert.Equal(weight * n + (1 - weight) * partner, x[n * 12 + i], 4);
        }
        Assert.Equal(x, new MixUp(0.4f, seed: 1).Apply(images, labels).Images.ToArray());
        Assert.Equal(images.ToArray(), Numbered(3, 2, 2).Images.ToArray()); // inputs untouched
    }

    [Theory]
    [InlineData(0.2f)]
    [InlineData(1f)]
    [InlineData(3f)]
    public void MixUpWeightsFollowTheBetaDistribution(float alpha)
    {
        // Beta(α, α): mean ½, variance 1/(4(2α + 1)).
        var generator = new RandomGenerator(5);
        const int draws = 6000;
        double sum = 0, squares = 0;
        for (int i = 0; i < draws; i++)
        {
            double b = BetaDistribution.Sample(generator, alpha);
            Assert.InRange(b, 0.0, 1.0);
            sum += b;
            squares += b * b;
        }
        double mean = sum / draws, variance = squares / draws - mean * mean;
        Assert.Equal(0.5, mean, 0.02);
        Assert.Equal(1 / (4 * (2 * alpha + 1.0)), variance, 0.01);
    }

    [Fact]
    public void CutMixPastesARectangleAndWeighsLabelsByItsArea()
    {
        var (images, labels) = Numbered(16, 16, 2);
        var cutMix = new CutMix(seed: 3);
        var (mixed, mixedLabels) = cutMix.Apply(images, labels);
        var x = mixed.ToArray();
        var y = mixedLabels.ToArray();
        int pasted = 0;
        for (int n = 0; n < Batch; n++)
        {
            var (partner, weight) = Decode(y, n);
            int top = 16, bottom = -1, left = 16, right = -1, count = 0;
            for (int row = 0; row < 16; row++)
                for (int column = 0; column < 16; column++)
                    for (int c = 0; c < 2; c++)
                    {
                        float v = x[((n * 16 + row) * 16 + column) * 2 + c];
                        Assert.True(v == n || v == partner, $"image {n} pixel ({row}, {column}) is {v}, neither {n} nor {partner}");
                        if (v != n && c == 0)
                        {
                            (top, bottom, left, right) = (Math.Min(top, row), Math.Max(bottom, row), Math.Min(left, column), Math.Max(right, column));
                            count++;
                        }
                    }
            if (partner == n) continue;
            pasted++;
            Assert.Equal((bottom - top + 1) * (right - left + 1), count); // one solid rectangle
            // Keras's weight is 1 − the real box's area; the pixels it covers differ by at most a one-pixel border (33 of 256 here).
            Assert.InRange(count / 256.0, 1 - weight - 33 / 256.0, 1 - weight + 33 / 256.0);
        }
        Assert.True(pasted > 0, "no image got a partner");
        Assert.Equal(x, new CutMix(seed: 3).Apply(images, labels).Images.ToArray());
        var none = new CutMix((0f, 0f), seed: 3).Apply(images, labels); // α ≈ 1e-6: boxes are nearly all or nothing
        Assert.Equal(images.Shape, none.Images.Shape);
    }

    [Fact]
    public void BadInputIsNamed()
    {
        var images = Tensor.Zeros(4, 2, 2, 1);
        var sparse = Tensor.FromArray(new[] { 0, 1, 2, 3 }, 4);
        var message = Assert.Throws<ShapeMismatchException>(() => new MixUp().Apply(images, sparse)).Message;
        Assert.Contains("MixUp", message);
        Assert.Contains("one-hot", message);
        Assert.Contains("CutMix", Assert.Throws<ShapeMismatchException>(() => new CutMix().Apply(Tensor.Zeros(4, 2, 2), Tensor.Zeros(4, 3))).Message);
        Assert.Throws<ShapeMismatchException>(() => new CutMix().Apply(images, Tensor.Zeros(3, 3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MixUp(0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MixUp(float.NaN));
        Assert.Throws<ArgumentException>(() => new CutMix(1.5f));
    }

    [Fact]
    public void FitTrainsOnMixedBatches()
    {
        RandomGenerator.SetGlobalSeed(2);
        var x = Tensor.RandomUniform(new Shape(32, 4, 4, 1), 0f, 1f, new RandomGenerator(1));
        var classes = new float[32 * 2];
        for (int n = 0; n < 32; n++) classes[n * 2 + (x.Span[n * 16] > 0.5f ? 1 : 0)] = 1f;
        var y = Tensor.FromArray(classes, 32, 2);
        var model = new Sequential(new Flatten(inputShape: [4, 4, 1]), new Dense(2, Activation.Softmax));
        model.Compile(new Adam(0.05f), "categorical_crossentropy");
        var loader = new DataLoader(new TensorDataset(x, y), batchSize: 8, generator: new RandomGenerator(3));
        var history = model.Fit(new MixUp(0.4f, seed: 4).Over(loader), epochs: 8, verbose: 0);
        Assert.Equal(8, history["loss"].Count);
        Assert.True(history["loss"][^1] < history["loss"][0], $"loss {history["loss"][0]} → {history["loss"][^1]}");
        Assert.Equal(4, new CutMix(seed: 5).Over(loader).Pass().Count());
    }
}
