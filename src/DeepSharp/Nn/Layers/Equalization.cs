using System.Buffers;
using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>Equalization</c>: while training, histogram equalization of each channel of each image. Values are mapped
/// from <see cref="ValueRange"/> to [0, 255] and counted in <see cref="Bins"/> bins (value v falls in bin
/// ⌊v·(bins − 1)/255⌋, clipped to [0, bins − 1]); with the cumulative counts cdf and cdf_min the count of the first
/// non-empty bin, a pixel in bin i becomes round((cdf[i] − cdf_min)·255/(n − cdf_min)) (n pixels; half to even, clipped to
/// [0, 255]; a denominator of 0 counts as 1), mapped back to the value range. A channel with one non-empty bin or none is
/// kept. The identity at inference. No gradient reaches the input (the map is piecewise constant).
/// </summary>
/// <remarks>Keras 3 counts one histogram per channel over the whole batch; DeepSharp counts one per image, so an image's
/// result does not depend on the others in its batch (a batch of one gives Keras's numbers).</remarks>
public sealed class Equalization : Layer
{
    /// <param name="valueRange">The range of the images' values (Keras's default [0, 255]); null for that default.</param>
    /// <param name="bins">The number of histogram bins (Keras's default 256); in [1, 65536].</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">The value range is not finite with lower &lt; upper, or bins is outside [1, 65536].</exception>
    public Equalization((float Lower, float Upper)? valueRange = null, int bins = 256, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        var range = valueRange ?? (0f, 255f);
        if (!(float.IsFinite(range.Lower) && float.IsFinite(range.Upper) && range.Lower < range.Upper))
            throw new ArgumentException($"Equalization value_range {range} needs finite numbers with lower < upper.", nameof(valueRange));
        if (bins < 1 || bins > MaxBins) throw new ArgumentException($"Equalization bins {bins} must be in [1, {MaxBins}].", nameof(bins));
        (ValueRange, Bins) = (range, bins);
    }

    private const int MaxBins = 65536;

    /// <inheritdoc/>
    public override string TypeName => "Equalization";
    /// <summary>The range of the images' values.</summary>
    public (float Lower, float Upper) ValueRange { get; }
    /// <summary>The number of histogram bins.</summary>
    public int Bins { get; }

    private protected override bool AcceptsSingleImages => true;

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        ImageLayerShapes.RequireImages(this, inputShape);
        return inputShape;
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (!training) return x;
        var y = Tensor.Empty(x.Shape);
        int batch = x.Shape[0], pixels = x.Shape[1] * x.Shape[2], channels = x.Shape[3];
        int[] counts = ArrayPool<int>.Shared.Rent(Bins);
        int[] bin = ArrayPool<int>.Shared.Rent(pixels);
        try
        {
            for (int n = 0; n < batch; n++)
                for (int c = 0; c < channels; c++)
                    EqualizeChannel(x.Span[(n * pixels * channels)..], y.Span[(n * pixels * channels)..], c, channels, pixels,
                        counts.AsSpan(0, Bins), bin.AsSpan(0, pixels));
        }
        finally
        {
            ArrayPool<int>.Shared.Return(counts);
            ArrayPool<int>.Shared.Return(bin);
        }
        return y;
    }

    /// <summary>Equalizes channel <paramref name="c"/> of one image (pixels × channels values, channels last).</summary>
    private void EqualizeChannel(ReadOnlySpan<float> x, Span<float> y, int c, int channels, int pixels, Span<int> counts, Span<int> bin)
    {
        float low = ValueRange.Lower, toUnit = 255f / (ValueRange.Upper - ValueRange.Lower), last = Bins - 1;
        counts.Clear();
        for (int p = 0; p < pixels; p++)
        {
            float scaled = (x[p * channels + c] - low) * toUnit * last / 255f;
            int i = scaled >= last ? Bins - 1 : scaled > 0f ? (int)scaled : 0; // NaN falls in bin 0, as a clipped integer cast
            bin[p] = i;
            counts[i]++;
        }
        int used = 0, first = -1;
        for (int i = 0; i < Bins; i++)
            if (counts[i] != 0)
            {
                used++;
                if (first < 0) first = i;
            }
        if (used <= 1)
        {
            for (int p = 0; p < pixels; p++) y[p * channels + c] = x[p * channels + c];
            return;
        }
        // counts becomes the lookup table: cumulative counts, then the equalized level of each bin in [0, 255].
        int cdfMin = counts[first], denominator = pixels - cdfMin == 0 ? 1 : pixels - cdfMin, cumulative = 0;
        float fromUnit = (ValueRange.Upper - ValueRange.Lower) / 255f;
        for (int i = 0; i < Bins; i++)
        {
            cumulative += counts[i];
            counts[i] = (int)Math.Clamp(Math.Round((cumulative - cdfMin) * 255.0 / denominator, MidpointRounding.ToEven), 0, 255);
        }
        for (int p = 0; p < pixels; p++) y[p * channels + c] = counts[bin[p]] * fromUnit + low;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["value_range"] = new JsonArray(ValueRange.Lower, ValueRange.Upper);
        config["bins"] = Bins;
        return config;
    }

    internal static Equalization FromConfig(LayerConfig c)
    {
        c.Named("data_format", "channels_last", f => f == "channels_last" ? 0 : throw new DeepSharpException($"data_format '{f}' is not supported; DeepSharp's images are channels_last."));
        return new(RandomImageLayer.ReadValueRange(c), c.Int("bins", 256, 1, MaxBins), c.Name, c.Shape("input_shape"));
    }
}
