using System.Text.Json.Nodes;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// A convolution with <see cref="Filters"/> output channels and one kernel (Keras's kernel_initializer,
/// kernel_regularizer, kernel_constraint): Conv1D/2D/3D and their transposes.
/// </summary>
public abstract class KernelConvolution<TSize> : ConvolutionLayer<TSize> where TSize : struct
{
    /// <exception cref="ArgumentOutOfRangeException">The filters, a size, stride or dilation rate is not positive.</exception>
    /// <exception cref="ArgumentException">Both strides and dilation rate are above 1.</exception>
    private protected KernelConvolution(ConvolutionRank<TSize> rank, ConvolutionArguments<TSize> a, int filters, ConvolutionWeight kernel)
        : base(rank, a, kernel) =>
        Filters = filters > 0 ? filters : throw new ArgumentOutOfRangeException(nameof(filters), filters, $"{TypeName} needs a positive number of filters.");

    /// <summary>Number of output channels.</summary>
    public int Filters { get; }
    /// <summary>What fills the kernel when the layer is built (glorot_uniform by default).</summary>
    public Initializer KernelInitializer => KernelOptions(0).Initializer;
    /// <summary>The penalty on the kernel added to the training loss; null for none.</summary>
    public Regularizer? KernelRegularizer => KernelOptions(0).Regularizer;
    /// <summary>The projection applied to the kernel after each optimizer step; null for none.</summary>
    public Constraint? KernelConstraint => KernelOptions(0).Constraint;

    private protected override void PutLeading(JsonObject config) => config["filters"] = Filters;
}
