using DeepSharp.Nn.Regularizers;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// The arguments every convolution layer takes (window, padding, activation, bias, activity penalty, name,
/// input shape), in one piece so that constructors and <c>FromConfig</c> hand them to <see cref="ConvolutionLayer{TSize}"/>.
/// Null strides and dilation rate mean 1 along every axis.
/// </summary>
internal readonly record struct ConvolutionArguments<TSize>(
    TSize KernelSize, TSize? Strides, Padding Padding, TSize? DilationRate, Activation? Activation, bool UseBias,
    ConvolutionWeight Bias, Regularizer? ActivityRegularizer, string? Name, int[]? InputShape) where TSize : struct
{
    /// <summary>
    /// The arguments from a Keras config; a data_format other than "channels_last" is refused (Conv1D and Conv2D
    /// do not write the key, but a Keras config that says "channels_first" must not load as channels-last).
    /// </summary>
    /// <exception cref="DeepSharpException">A key holds a value the layer cannot take (the message names the layer and key).</exception>
    public static ConvolutionArguments<TSize> Read(LayerConfig c, ConvolutionRank<TSize> rank)
    {
        ConvolutionConfig.ChannelsLast(c);
        return new(rank.Read(c, "kernel_size", null), rank.ReadOptional(c, "strides"), c.Padding(), rank.ReadOptional(c, "dilation_rate"),
            c.Activation("activation"), c.Bool("use_bias", true), ConvolutionWeight.Read(c, "bias"), c.Regularizer("activity_regularizer"),
            c.Name, c.Shape("input_shape"));
    }
}
