using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's ConvLSTM3D: an LSTM over sequences of volumes (batch, time, depth, rows, columns, channels)
/// whose input and recurrent products are 3-D convolutions. Kernel (kd, kh, kw, channels, 4·filters),
/// recurrent kernel (kd, kh, kw, filters, 4·filters), bias (4·filters). Output (batch, out depth, out rows,
/// out columns, filters), or with returnSequences the same per step. The arguments are
/// <see cref="ConvLstm2D"/>'s with three sizes per argument; see <see cref="ConvLstm"/>.
/// </summary>
public sealed class ConvLstm3D : ConvLstm
{
    /// <summary>A ConvLSTM3D layer; the arguments are those of <see cref="ConvLstm2D"/> with (depth, rows, columns) sizes.</summary>
    public ConvLstm3D(int filters, (int D, int H, int W) kernelSize, (int D, int H, int W)? strides = null, Padding padding = default,
        (int D, int H, int W)? dilationRate = null, Activation? activation = null, Activation? recurrentActivation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null, Initializer? biasInitializer = null,
        bool unitForgetBias = true, float dropout = 0f, float recurrentDropout = 0f,
        bool returnSequences = false, bool returnState = false, bool goBackwards = false, bool zeroOutputForMask = false,
        long? seed = null, string? name = null, int[]? inputShape = null,
        Regularizer? kernelRegularizer = null, Regularizer? recurrentRegularizer = null, Regularizer? biasRegularizer = null,
        Regularizer? activityRegularizer = null, Constraint? kernelConstraint = null, Constraint? recurrentConstraint = null,
        Constraint? biasConstraint = null)
        : base(3, "ConvLSTM3D", filters, [kernelSize.D, kernelSize.H, kernelSize.W], Triple(strides), padding, Triple(dilationRate), activation, recurrentActivation, useBias,
            kernelInitializer, recurrentInitializer, biasInitializer, unitForgetBias, dropout, recurrentDropout,
            returnSequences, returnState, goBackwards, zeroOutputForMask, seed, name, inputShape,
            kernelRegularizer, recurrentRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, recurrentConstraint, biasConstraint)
    {
    }

    /// <summary>A cubic kernel, strides and dilation rate given as one size each, as Keras's <c>ConvLSTM3D(16, 3)</c>; the arguments are those of the main constructor.</summary>
    public ConvLstm3D(int filters, int kernelSize, int strides = 1, Padding padding = default,
        int dilationRate = 1, Activation? activation = null, Activation? recurrentActivation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null, Initializer? biasInitializer = null,
        bool unitForgetBias = true, float dropout = 0f, float recurrentDropout = 0f,
        bool returnSequences = false, bool returnState = false, bool goBackwards = false, bool zeroOutputForMask = false,
        long? seed = null, string? name = null, int[]? inputShape = null,
        Regularizer? kernelRegularizer = null, Regularizer? recurrentRegularizer = null, Regularizer? biasRegularizer = null,
        Regularizer? activityRegularizer = null, Constraint? kernelConstraint = null, Constraint? recurrentConstraint = null,
        Constraint? biasConstraint = null)
        : this(filters, (kernelSize, kernelSize, kernelSize), (strides, strides, strides), padding, (dilationRate, dilationRate, dilationRate), activation, recurrentActivation, useBias,
            kernelInitializer, recurrentInitializer, biasInitializer, unitForgetBias, dropout, recurrentDropout,
            returnSequences, returnState, goBackwards, zeroOutputForMask, seed, name, inputShape,
            kernelRegularizer, recurrentRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, recurrentConstraint, biasConstraint)
    {
    }

    private ConvLstm3D(Settings settings) : base(3, settings) { }

    /// <inheritdoc/>
    public override string TypeName => "ConvLSTM3D";
    /// <summary>(depth, rows, columns) of both convolutions' windows.</summary>
    public (int D, int H, int W) KernelSize => (KernelSizes[0], KernelSizes[1], KernelSizes[2]);
    /// <summary>Step of the input convolution along (depth, rows, columns).</summary>
    public (int D, int H, int W) Strides => (StrideSizes[0], StrideSizes[1], StrideSizes[2]);
    /// <summary>Spacing of the input convolution's taps along (depth, rows, columns).</summary>
    public (int D, int H, int W) DilationRate => (DilationSizes[0], DilationSizes[1], DilationSizes[2]);

    internal static ConvLstm3D FromConfig(LayerConfig c) => new(ReadSettings(c, 3));

    private static int[] Triple((int D, int H, int W)? t) => t is { } v ? [v.D, v.H, v.W] : [1, 1, 1];
}
