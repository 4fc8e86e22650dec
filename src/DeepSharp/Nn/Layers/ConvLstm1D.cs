using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's ConvLSTM1D: an LSTM over sequences of 1-D signals (batch, time, steps, channels) whose input
/// and recurrent products are 1-D convolutions. Kernel (k, channels, 4·filters), recurrent kernel
/// (k, filters, 4·filters), bias (4·filters). Output (batch, out steps, filters), or with returnSequences
/// (batch, time, out steps, filters). The arguments are <see cref="ConvLstm2D"/>'s with one size per
/// argument; see <see cref="ConvLstm"/>.
/// </summary>
public sealed class ConvLstm1D : ConvLstm
{
    /// <summary>A ConvLSTM1D layer; the arguments are those of <see cref="ConvLstm2D"/> with single sizes.</summary>
    public ConvLstm1D(int filters, int kernelSize, int strides = 1, Padding padding = default,
        int dilationRate = 1, Activation? activation = null, Activation? recurrentActivation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null, Initializer? biasInitializer = null,
        bool unitForgetBias = true, float dropout = 0f, float recurrentDropout = 0f,
        bool returnSequences = false, bool returnState = false, bool goBackwards = false, bool zeroOutputForMask = false,
        long? seed = null, string? name = null, int[]? inputShape = null,
        Regularizer? kernelRegularizer = null, Regularizer? recurrentRegularizer = null, Regularizer? biasRegularizer = null,
        Regularizer? activityRegularizer = null, Constraint? kernelConstraint = null, Constraint? recurrentConstraint = null,
        Constraint? biasConstraint = null)
        : base(1, "ConvLSTM1D", filters, [kernelSize], [strides], padding, [dilationRate], activation, recurrentActivation, useBias,
            kernelInitializer, recurrentInitializer, biasInitializer, unitForgetBias, dropout, recurrentDropout,
            returnSequences, returnState, goBackwards, zeroOutputForMask, seed, name, inputShape,
            kernelRegularizer, recurrentRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, recurrentConstraint, biasConstraint)
    {
    }

    private ConvLstm1D(Settings settings) : base(1, settings) { }

    /// <inheritdoc/>
    public override string TypeName => "ConvLSTM1D";
    /// <summary>Length of both convolutions' windows.</summary>
    public int KernelSize => KernelSizes[0];
    /// <summary>Step of the input convolution.</summary>
    public int Strides => StrideSizes[0];
    /// <summary>Spacing of the input convolution's taps.</summary>
    public int DilationRate => DilationSizes[0];

    internal static ConvLstm1D FromConfig(LayerConfig c) => new(ReadSettings(c, 1));
}
