using DeepSharp.Tensors;

namespace DeepSharp.Data.Augmentation;

/// <summary>
/// Base of the augmentations that mix images and their labels across a batch (MixUp, CutMix). A DeepSharp layer sees
/// only its inputs, so these work on batches, as Keras 3's run in a tf.data pipeline: <see cref="Apply(Tensor, Tensor)"/>
/// mixes one batch, <see cref="Over(DataLoader)"/> wraps a loader so that <c>Fit</c> trains on mixed batches. Images are
/// float (batch, height, width, channels); labels float (batch, classes), one-hot or already soft (sparse integer labels
/// cannot be mixed). Each draws from a seeded generator of its own.
/// </summary>
public abstract class BatchMixing
{
    private RandomGenerator? _generator;

    private protected BatchMixing(long? seed) => Seed = seed;

    /// <summary>The seed of the generator; null when it was forked from the global generator.</summary>
    public long? Seed { get; }

    /// <summary>The generator of the random draws.</summary>
    public RandomGenerator Generator => _generator ??= Seed is { } s ? new RandomGenerator(s) : RandomGenerator.Global.Fork();

    /// <summary>Keras's class name ("MixUp", "CutMix"), used in messages.</summary>
    public abstract string TypeName { get; }

    /// <summary>Mixes a batch: new images and labels, the inputs unchanged.</summary>
    /// <exception cref="ShapeMismatchException">The images are not float (batch, height, width, channels), or the labels not float (batch, classes) with the same batch.</exception>
    public (Tensor Images, Tensor Labels) Apply(Tensor images, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (images.Rank != 4 || images.DType != DType.Float32)
            throw new ShapeMismatchException($"{TypeName} needs float images (batch, height, width, channels), got {images.DType} {images.Shape}.");
        if (labels.Rank != 2 || labels.DType != DType.Float32 || labels.Shape[0] != images.Shape[0])
            throw new ShapeMismatchException($"{TypeName} mixes labels too: it needs float labels (batch, classes) for images {images.Shape}, got {labels.DType} {labels.Shape}" +
                (labels.Rank == 1 || labels.DType != DType.Float32 ? "; one-hot encode integer labels first." : "."));
        return Mix(images, labels);
    }

    /// <summary>Mixes a batch's first input and target; sample weights are kept.</summary>
    /// <exception cref="ShapeMismatchException">As <see cref="Apply(Tensor, Tensor)"/>; or the batch has several inputs or targets.</exception>
    public Batch Apply(Batch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.InputCount != 1 || batch.TargetCount != 1)
            throw new ShapeMismatchException($"{TypeName} mixes batches with one input and one target, got {batch.InputCount} and {batch.TargetCount}.");
        var (images, labels) = Apply(batch.X, batch.Y);
        return new Batch(images, labels, batch.SampleWeight);
    }

    /// <summary>A loader whose every pass is <paramref name="loader"/>'s, each batch mixed (pass it to <c>Fit</c>; keep validation data unmixed).</summary>
    public DataLoader Over(DataLoader loader)
    {
        ArgumentNullException.ThrowIfNull(loader);
        return DataLoader.FromBatches(() => loader.Pass().Select(Apply), loader.BatchCount, prefetch: 0);
    }

    /// <summary>The mixed images and labels of a checked batch.</summary>
    private protected abstract (Tensor Images, Tensor Labels) Mix(Tensor images, Tensor labels);

    /// <summary>A uniformly random permutation of 0..n−1 (Fisher–Yates).</summary>
    private protected int[] Permutation(int n)
    {
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = Generator.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>labels·w + labels[partner]·(1 − w), one weight per sample.</summary>
    private protected static Tensor MixLabels(Tensor labels, int[] partner, ReadOnlySpan<float> weight)
    {
        int batch = labels.Shape[0], classes = labels.Shape[1];
        var mixed = Tensor.Empty(labels.Shape);
        ReadOnlySpan<float> y = labels.Span;
        Span<float> m = mixed.Span;
        for (int n = 0; n < batch; n++)
            for (int k = 0; k < classes; k++)
                m[n * classes + k] = weight[n] * y[n * classes + k] + (1f - weight[n]) * y[partner[n] * classes + k];
        return mixed;
    }
}
