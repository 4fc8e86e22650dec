using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// SpecAugment's masking (Park et al., 2019, "SpecAugment: A Simple Data Augmentation Method for
/// Automatic Speech Recognition"; time warping left out): while training, each sample of a
/// spectrogram (batch, frames, bins) or (batch, frames, bins, channels) gets
/// <see cref="FrequencyMasks"/> bands of consecutive bins and <see cref="TimeMasks"/> runs of
/// consecutive frames set to <see cref="MaskValue"/>; a mask's width is drawn uniformly from
/// 0..maximum width and its start uniformly where it fits. The identity at inference. Masks come from
/// the layer's own generator; the gradient flows through the unmasked values.
/// </summary>
public sealed class SpecAugment : Layer
{
    private RandomGenerator? _generator;

    /// <param name="frequencyMasks">Frequency bands masked per sample (torchaudio's FrequencyMasking applied this many times).</param>
    /// <param name="frequencyMaskWidth">The widest band, in bins (the paper's F).</param>
    /// <param name="timeMasks">Runs of frames masked per sample.</param>
    /// <param name="timeMaskWidth">The longest run, in frames (the paper's T).</param>
    /// <param name="maskValue">What masked values become (0: the mean of normalised features).</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count or width is negative or above 1,000, or the mask value is not finite.</exception>
    public SpecAugment(int frequencyMasks = 2, int frequencyMaskWidth = 8, int timeMasks = 2, int timeMaskWidth = 10, float maskValue = 0f,
        long? seed = null, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        Check(frequencyMasks, nameof(frequencyMasks));
        Check(frequencyMaskWidth, nameof(frequencyMaskWidth));
        Check(timeMasks, nameof(timeMasks));
        Check(timeMaskWidth, nameof(timeMaskWidth));
        if (!float.IsFinite(maskValue)) throw new ArgumentOutOfRangeException(nameof(maskValue), maskValue, "SpecAugment mask value must be finite.");
        FrequencyMasks = frequencyMasks;
        FrequencyMaskWidth = frequencyMaskWidth;
        TimeMasks = timeMasks;
        TimeMaskWidth = timeMaskWidth;
        MaskValue = maskValue;
        Seed = seed;
    }

    /// <summary>The largest count or width a layer accepts.</summary>
    public const int MaxCount = 1000;

    private static void Check(int value, string name)
    {
        if (value < 0 || value > MaxCount) throw new ArgumentOutOfRangeException(name, value, $"SpecAugment {name} must be in [0, {MaxCount}].");
    }

    /// <inheritdoc/>
    public override string TypeName => "SpecAugment";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "spec_augment";
    /// <summary>Frequency bands masked per sample.</summary>
    public int FrequencyMasks { get; }
    /// <summary>The widest frequency band, in bins.</summary>
    public int FrequencyMaskWidth { get; }
    /// <summary>Runs of frames masked per sample.</summary>
    public int TimeMasks { get; }
    /// <summary>The longest run of frames.</summary>
    public int TimeMaskWidth { get; }
    /// <summary>The value masked entries take.</summary>
    public float MaskValue { get; }
    /// <summary>The seed of the mask generator; null when it was forked from the global generator.</summary>
    public long? Seed { get; }

    /// <summary>The generator of the masks (its state goes into checkpoints).</summary>
    public RandomGenerator Generator => _generator ??= Seed is { } s ? new RandomGenerator(s) : RandomGenerator.Global.Fork();

    internal override RandomGenerator? TrainingGenerator => Generator;

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        if (inputShape.Rank is not (2 or 3)) throw ShapeError("(None, frames, bins) or (None, frames, bins, channels)", inputShape);
        _ = Generator;
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (!training || (FrequencyMasks == 0 && TimeMasks == 0) || x.Size == 0) return x;
        int batch = x.Shape[0], frames = x.Shape[1], bins = x.Shape[2];
        int channels = x.Rank == 4 ? x.Shape[3] : 1;
        var keep = Tensor.Empty(x.Shape);
        var k = keep.Span;
        k.Fill(1f);
        int perSample = frames * bins * channels;
        for (int b = 0; b < batch; b++)
        {
            var sample = k.Slice(b * perSample, perSample);
            for (int m = 0; m < FrequencyMasks; m++)
            {
                var (start, width) = Draw(bins, FrequencyMaskWidth);
                for (int t = 0; t < frames; t++) sample.Slice((t * bins + start) * channels, width * channels).Clear();
            }
            for (int m = 0; m < TimeMasks; m++)
            {
                var (start, width) = Draw(frames, TimeMaskWidth);
                sample.Slice(start * bins * channels, width * bins * channels).Clear();
            }
        }
        var kept = Ops.Multiply(x, keep);
        if (MaskValue == 0f) return kept;
        var fill = Tensor.Empty(x.Shape);
        var f = fill.Span;
        for (int i = 0; i < f.Length; i++) f[i] = k[i] == 0f ? MaskValue : 0f;
        return Ops.Add(kept, fill);
    }

    /// <summary>A width uniform in 0..min(maxWidth, size) and a start where it fits.</summary>
    private (int Start, int Width) Draw(int size, int maxWidth)
    {
        int width = Generator.NextInt(Math.Min(maxWidth, size) + 1);
        int start = Generator.NextInt(size - width + 1);
        return (start, width);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["frequency_masks"] = FrequencyMasks;
        config["frequency_mask_width"] = FrequencyMaskWidth;
        config["time_masks"] = TimeMasks;
        config["time_mask_width"] = TimeMaskWidth;
        config["mask_value"] = MaskValue;
        if (Seed is { } s) config["seed"] = s;
        return config;
    }

    internal static SpecAugment FromConfig(LayerConfig c) => new(
        c.Int("frequency_masks", 2, 0, MaxCount), c.Int("frequency_mask_width", 8, 0, MaxCount), c.Int("time_masks", 2, 0, MaxCount),
        c.Int("time_mask_width", 10, 0, MaxCount), c.Float("mask_value", 0f, -1e30f, 1e30f), c.Seed(), c.Name, c.Shape("input_shape"));
}
