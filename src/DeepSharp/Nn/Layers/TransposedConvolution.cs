using System.Text.Json.Nodes;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// A transposed convolution (Conv1DTranspose, Conv2DTranspose, Conv3DTranspose): the input gradient of the convolution
/// with the same window, so it grows its input by the strides. Per axis, with k the dilated kernel extent, the output is
/// "valid" in·stride + max(k − stride, 0) and "same" in·stride; with Keras's <see cref="OutputPadding"/> p it is "valid"
/// (in − 1)·stride + k + p and "same" (in − 1)·stride + (k mod 2) + p.
/// </summary>
public abstract class TransposedConvolution<TSize> : KernelConvolution<TSize> where TSize : struct
{
    /// <exception cref="ArgumentOutOfRangeException">The filters, a size, stride or dilation rate is not positive, or an output padding is negative.</exception>
    /// <exception cref="ArgumentException">Both strides and dilation rate are above 1, or an output padding is not below its stride.</exception>
    private protected TransposedConvolution(ConvolutionRank<TSize> rank, ConvolutionArguments<TSize> a, int filters, ConvolutionWeight kernel,
        TSize? outputPadding) : base(rank, a, filters, kernel)
    {
        if (outputPadding is { } p)
        {
            int[] padding = rank.ToArray(p), strides = rank.ToArray(Strides);
            if (Array.Exists(padding, v => v < 0))
                throw new ArgumentOutOfRangeException(nameof(outputPadding), p, $"{TypeName} outputPadding (Keras's output_padding) {p} must be non-negative.");
            for (int i = 0; i < padding.Length; i++)
                if (padding[i] >= strides[i])
                    throw new ArgumentException($"{TypeName}: outputPadding (Keras's output_padding) {p} must be less than strides {Strides} along each axis (as in Keras).", nameof(outputPadding));
        }
        OutputPadding = outputPadding;
    }

    /// <summary>Keras's <c>output_padding</c> along each axis, or null when the padding alone sets the output size.</summary>
    public TSize? OutputPadding { get; }

    private protected override void PutAfterDilation(JsonObject config) => config["output_padding"] = OutputPadding is { } p ? Rank.ToJson(p) : null;

    /// <summary>Keras's output_padding from a config (n or one integer per axis, each ≥ 0); null when missing or null.</summary>
    private protected static TSize? ReadOutputPadding(LayerConfig c, ConvolutionRank<TSize> rank) => rank.ReadOptional(c, "output_padding", min: 0);
}
