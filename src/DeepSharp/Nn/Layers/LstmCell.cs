using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's LSTMCell: one step of <see cref="Lstm"/>, with the layer's weights (kernel (features, 4·units),
/// recurrent_kernel (units, 4·units), gate blocks i, f, c, o; bias (4·units)). States h, then c; the
/// output is h. Run it over a sequence with <see cref="Rnn"/>, or step it by hand as PyTorch's
/// <c>nn.LSTMCell</c>: <c>var (h, states) = cell.Call(x, [h0, c0])</c>.
/// </summary>
public sealed class LstmCell : FusedRnnCell
{
    /// <param name="units">Size of the states and of each step's output.</param>
    /// <param name="activation">The cell's activation; null for tanh. Tanh, sigmoid, relu and linear are supported.</param>
    /// <param name="recurrentActivation">The gates' activation; null for sigmoid. Same choices as <paramref name="activation"/>.</param>
    /// <param name="useBias">Whether to add a learned bias.</param>
    /// <param name="kernelInitializer">Fills the input kernel; null for glorot_uniform.</param>
    /// <param name="recurrentInitializer">Fills the recurrent kernel; null for orthogonal.</param>
    /// <param name="biasInitializer">Fills the bias; null for zeros.</param>
    /// <param name="unitForgetBias">Start the forget gate's bias at 1 instead of what <paramref name="biasInitializer"/> gives (Keras's default).</param>
    /// <param name="kernelRegularizer">A penalty on the input kernel added to the training loss; null for none.</param>
    /// <param name="recurrentRegularizer">A penalty on the recurrent kernel; null for none.</param>
    /// <param name="biasRegularizer">A penalty on the bias; null for none.</param>
    /// <param name="kernelConstraint">A projection of the input kernel after each optimizer step; null for none.</param>
    /// <param name="recurrentConstraint">A projection of the recurrent kernel after each optimizer step; null for none.</param>
    /// <param name="biasConstraint">A projection of the bias after each optimizer step; null for none.</param>
    /// <param name="dropout">Fraction of the input features dropped while training, in [0, 1); one mask per sequence.</param>
    /// <param name="recurrentDropout">Fraction of the state's units dropped in the recurrent product while training, in [0, 1); one mask per sequence.</param>
    /// <param name="seed">Seeds the dropout masks' generator; null forks one from the global generator.</param>
    /// <param name="name">The cell's name; null for Keras's default ("lstm_cell").</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="units"/> is not positive (or too large), or a dropout rate is outside [0, 1).</exception>
    /// <exception cref="ArgumentException">An activation other than tanh, sigmoid, relu or linear.</exception>
    public LstmCell(int units, Activation? activation = null, Activation? recurrentActivation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null, Initializer? biasInitializer = null,
        bool unitForgetBias = true,
        Regularizer? kernelRegularizer = null, Regularizer? recurrentRegularizer = null, Regularizer? biasRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? recurrentConstraint = null, Constraint? biasConstraint = null,
        float dropout = 0f, float recurrentDropout = 0f, long? seed = null, string? name = null)
        : this(units, RecurrentOptions.Create("LSTMCell", activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
            kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint,
            dropout, recurrentDropout, seed), name, unitForgetBias)
    {
    }

    private LstmCell(int units, RecurrentOptions options, string? name, bool unitForgetBias) : base(units, options, name)
    {
        UnitForgetBias = unitForgetBias;
    }

    /// <inheritdoc/>
    public override string TypeName => "LSTMCell";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "lstm_cell";
    /// <summary>Start the forget gate's bias at 1 (Jozefowicz et al. 2015), Keras's default.</summary>
    public bool UnitForgetBias { get; }
    /// <summary>[units, units]: the states h and c.</summary>
    public override IReadOnlyList<int> StateSize => _stateSize ??= [Units, Units];
    private int[]? _stateSize;
    private protected override int Gates => 4;
    internal override string LayerTypeName => "LSTM";
    private protected override Initializer BiasFill => UnitForgetBias ? new ForgetBiasOne(BiasInitializer, Units) : BiasInitializer;

    private protected override Tensor RunOp(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, RecurrentArgs args) =>
        Ops.Lstm(x, kernel, recurrentKernel, bias, args);

    private protected override void AddCellConfig(JsonObject config) => config["unit_forget_bias"] = UnitForgetBias;

    internal static LstmCell FromConfig(LayerConfig c) => new(c.RequiredSize("units"), RecurrentOptions.Read(c), c.Name, c.Bool("unit_forget_bias", true));
}
