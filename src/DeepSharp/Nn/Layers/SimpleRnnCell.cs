using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's SimpleRNNCell: one step of <see cref="SimpleRnn"/>, h = act(x·W + h_prev·U + b), with the
/// layer's weights (kernel (features, units), recurrent_kernel (units, units), bias (units)).
/// One state h; the output is h. Run it over a sequence with <see cref="Rnn"/>, or step it by hand.
/// </summary>
public sealed class SimpleRnnCell : FusedRnnCell
{
    /// <param name="units">Size of the state and of each step's output.</param>
    /// <param name="activation">The cell's activation; null for tanh. Tanh, sigmoid, relu and linear are supported.</param>
    /// <param name="useBias">Whether to add a learned bias.</param>
    /// <param name="kernelInitializer">Fills the input kernel; null for glorot_uniform.</param>
    /// <param name="recurrentInitializer">Fills the recurrent kernel; null for orthogonal.</param>
    /// <param name="biasInitializer">Fills the bias; null for zeros.</param>
    /// <param name="kernelRegularizer">A penalty on the input kernel added to the training loss; null for none.</param>
    /// <param name="recurrentRegularizer">A penalty on the recurrent kernel; null for none.</param>
    /// <param name="biasRegularizer">A penalty on the bias; null for none.</param>
    /// <param name="kernelConstraint">A projection of the input kernel after each optimizer step; null for none.</param>
    /// <param name="recurrentConstraint">A projection of the recurrent kernel after each optimizer step; null for none.</param>
    /// <param name="biasConstraint">A projection of the bias after each optimizer step; null for none.</param>
    /// <param name="dropout">Fraction of the input features dropped while training, in [0, 1); one mask per sequence.</param>
    /// <param name="recurrentDropout">Fraction of the state's units dropped in the recurrent product while training, in [0, 1); one mask per sequence.</param>
    /// <param name="seed">Seeds the dropout masks' generator; null forks one from the global generator.</param>
    /// <param name="name">The cell's name; null for Keras's default ("simple_rnn_cell").</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="units"/> is not positive (or too large), or a dropout rate is outside [0, 1).</exception>
    /// <exception cref="ArgumentException">An activation other than tanh, sigmoid, relu or linear.</exception>
    public SimpleRnnCell(int units, Activation? activation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? recurrentRegularizer = null, Regularizer? biasRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? recurrentConstraint = null, Constraint? biasConstraint = null,
        float dropout = 0f, float recurrentDropout = 0f, long? seed = null, string? name = null)
        : this(units, RecurrentOptions.Create("SimpleRNNCell", activation, null, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
            kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint,
            dropout, recurrentDropout, seed), name)
    {
    }

    private SimpleRnnCell(int units, RecurrentOptions options, string? name) : base(units, options, name) { }

    /// <inheritdoc/>
    public override string TypeName => "SimpleRNNCell";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "simple_rnn_cell";
    /// <summary>[units]: the state h.</summary>
    public override IReadOnlyList<int> StateSize => _stateSize ??= [Units];
    private int[]? _stateSize;
    private protected override int Gates => 1;
    private protected override bool HasGates => false;
    internal override string LayerTypeName => "SimpleRNN";

    private protected override Tensor RunOp(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, RecurrentArgs args) =>
        Ops.SimpleRnn(x, kernel, recurrentKernel, bias, args);

    internal static SimpleRnnCell FromConfig(LayerConfig c) => // SimpleRNNCell has no gates
        new(c.RequiredSize("units"), RecurrentOptions.Read(c) with { RecurrentActivation = Activation.Sigmoid }, c.Name);
}
