using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's ConvLSTM2D: an LSTM over sequences of images (batch, time, rows, columns, channels) whose
/// input and recurrent products are 2-D convolutions, as in next-frame video prediction. Kernel
/// (kh, kw, channels, 4·filters), recurrent kernel (kh, kw, filters, 4·filters), bias (4·filters); gates
/// i, f, c, o. Output (batch, out rows, out columns, filters), or with returnSequences
/// (batch, time, out rows, out columns, filters). See <see cref="ConvLstm"/>.
/// </summary>
public sealed class ConvLstm2D : ConvLstm
{
    /// <param name="filters">Channels of the states and of each step's output.</param>
    /// <param name="kernelSize">(rows, columns) of both convolutions' windows.</param>
    /// <param name="strides">Step of the input convolution along (rows, columns); null for (1, 1). Above 1 only with a dilation rate of (1, 1).</param>
    /// <param name="padding"><see cref="Padding.Valid"/> (the default) or <see cref="Padding.Same"/> for the input convolution; the recurrent one is always 'same'.</param>
    /// <param name="dilationRate">Spacing of the input convolution's taps (Keras's <c>dilation_rate</c>); null for (1, 1).</param>
    /// <param name="activation">The cell's activation; null for tanh.</param>
    /// <param name="recurrentActivation">The gates' activation; null for sigmoid.</param>
    /// <param name="useBias">Whether to add a learned bias.</param>
    /// <param name="kernelInitializer">Fills the input kernel; null for glorot_uniform.</param>
    /// <param name="recurrentInitializer">Fills the recurrent kernel; null for orthogonal.</param>
    /// <param name="biasInitializer">Fills the bias; null for zeros.</param>
    /// <param name="unitForgetBias">Start the forget gate's bias at 1 instead of what <paramref name="biasInitializer"/> gives (Keras's default).</param>
    /// <param name="dropout">Fraction of the input dropped while training, in [0, 1); four masks per sequence, one per gate.</param>
    /// <param name="recurrentDropout">Fraction of the state dropped before the recurrent convolution while training, in [0, 1).</param>
    /// <param name="returnSequences">Return every step's output (batch, time, rows, columns, filters) instead of the last step's.</param>
    /// <param name="returnState">Also return the final states h and c; the layer is then called through <c>CallWithState</c>.</param>
    /// <param name="goBackwards">Process the sequence last step first; a returned sequence stays in processing order.</param>
    /// <param name="zeroOutputForMask">Masked steps output zeros instead of repeating the previous output.</param>
    /// <param name="seed">Seeds the dropout masks' generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (time, rows, columns, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <param name="kernelRegularizer">A penalty on the input kernel added to the training loss; null for none.</param>
    /// <param name="recurrentRegularizer">A penalty on the recurrent kernel; null for none.</param>
    /// <param name="biasRegularizer">A penalty on the bias; null for none.</param>
    /// <param name="activityRegularizer">A penalty on the layer's output (and on each returned state, as Keras), divided by the batch size; null for none.</param>
    /// <param name="kernelConstraint">A projection of the input kernel after each optimizer step; null for none.</param>
    /// <param name="recurrentConstraint">A projection of the recurrent kernel after each optimizer step; null for none.</param>
    /// <param name="biasConstraint">A projection of the bias after each optimizer step; null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size, stride or dilation rate is not positive, or a dropout rate is outside [0, 1).</exception>
    /// <exception cref="ArgumentException">Both strides and dilation rate are above 1.</exception>
    public ConvLstm2D(int filters, (int H, int W) kernelSize, (int H, int W)? strides = null, Padding padding = default,
        (int H, int W)? dilationRate = null, Activation? activation = null, Activation? recurrentActivation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null, Initializer? biasInitializer = null,
        bool unitForgetBias = true, float dropout = 0f, float recurrentDropout = 0f,
        bool returnSequences = false, bool returnState = false, bool goBackwards = false, bool zeroOutputForMask = false,
        long? seed = null, string? name = null, int[]? inputShape = null,
        Regularizer? kernelRegularizer = null, Regularizer? recurrentRegularizer = null, Regularizer? biasRegularizer = null,
        Regularizer? activityRegularizer = null, Constraint? kernelConstraint = null, Constraint? recurrentConstraint = null,
        Constraint? biasConstraint = null)
        : base(2, "ConvLSTM2D", filters, [kernelSize.H, kernelSize.W], Pair(strides), padding, Pair(dilationRate), activation, recurrentActivation, useBias,
            kernelInitializer, recurrentInitializer, biasInitializer, unitForgetBias, dropout, recurrentDropout,
            returnSequences, returnState, goBackwards, zeroOutputForMask, seed, name, inputShape,
            kernelRegularizer, recurrentRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, recurrentConstraint, biasConstraint)
    {
    }

    /// <summary>A square kernel, strides and dilation rate given as one size each, as Keras's <c>ConvLSTM2D(16, 3)</c>; the arguments are those of the main constructor.</summary>
    public ConvLstm2D(int filters, int kernelSize, int strides = 1, Padding padding = default,
        int dilationRate = 1, Activation? activation = null, Activation? recurrentActivation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null, Initializer? biasInitializer = null,
        bool unitForgetBias = true, float dropout = 0f, float recurrentDropout = 0f,
        bool returnSequences = false, bool returnState = false, bool goBackwards = false, bool zeroOutputForMask = false,
        long? seed = null, string? name = null, int[]? inputShape = null,
        Regularizer? kernelRegularizer = null, Regularizer? recurrentRegularizer = null, Regularizer? biasRegularizer = null,
        Regularizer? activityRegularizer = null, Constraint? kernelConstraint = null, Constraint? recurrentConstraint = null,
        Constraint? biasConstraint = null)
        : this(filters, (kernelSize, kernelSize), (strides, strides), padding, (dilationRate, dilationRate), activation, recurrentActivation, useBias,
            kernelInitializer, recurrentInitializer, biasInitializer, unitForgetBias, dropout, recurrentDropout,
            returnSequences, returnState, goBackwards, zeroOutputForMask, seed, name, inputShape,
            kernelRegularizer, recurrentRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, recurrentConstraint, biasConstraint)
    {
    }

    private ConvLstm2D(Settings settings) : base(2, settings) { }

    /// <inheritdoc/>
    public override string TypeName => "ConvLSTM2D";
    /// <summary>(rows, columns) of both convolutions' windows.</summary>
    public (int H, int W) KernelSize => (KernelSizes[0], KernelSizes[1]);
    /// <summary>Step of the input convolution along (rows, columns).</summary>
    public (int H, int W) Strides => (StrideSizes[0], StrideSizes[1]);
    /// <summary>Spacing of the input convolution's taps along (rows, columns).</summary>
    public (int H, int W) DilationRate => (DilationSizes[0], DilationSizes[1]);

    internal static ConvLstm2D FromConfig(LayerConfig c) => new(ReadSettings(c, 2));

    private static int[] Pair((int H, int W)? pair) => pair is { } p ? [p.H, p.W] : [1, 1];
}
