using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's LSTM (Hochreiter 1997): kernel (features, 4·units) and recurrent_kernel (units, 4·units)
/// with gate blocks i, f, c, o, bias (4·units), so weights are interchangeable with Keras's.
/// c = σ(f)·c_prev + σ(i)·tanh(g); h = σ(o)·tanh(c) with Keras's defaults (tanh, sigmoid,
/// glorot_uniform, orthogonal, zeros, unit_forget_bias: the forget gate's bias starts at 1).
/// States: h, then c. See <see cref="RecurrentLayer"/> for masks, dropout and states.
/// </summary>
public sealed class Lstm : RecurrentLayer
{
    /// <param name="units">Size of the state and of each step's output.</param>
    /// <param name="activation">The cell's activation; null for tanh. Tanh, sigmoid, relu and linear are supported.</param>
    /// <param name="recurrentActivation">The gates' activation; null for sigmoid. Same choices as <paramref name="activation"/>.</param>
    /// <param name="useBias">Whether to add a learned bias.</param>
    /// <param name="kernelInitializer">Fills the input kernel; null for glorot_uniform.</param>
    /// <param name="recurrentInitializer">Fills the recurrent kernel; null for orthogonal.</param>
    /// <param name="biasInitializer">Fills the bias; null for zeros.</param>
    /// <param name="unitForgetBias">Start the forget gate's bias at 1 instead of what <paramref name="biasInitializer"/> gives (Keras's default).</param>
    /// <param name="dropout">Fraction of the input features dropped while training, in [0, 1); one mask per sequence.</param>
    /// <param name="recurrentDropout">Fraction of the state's units dropped in the recurrent product while training, in [0, 1); one mask per sequence.</param>
    /// <param name="returnSequences">Return every step's output (batch, time, units) instead of the last step's (batch, units).</param>
    /// <param name="returnState">Also return the final states h and c; the layer is then called through <c>CallWithState</c>.</param>
    /// <param name="goBackwards">Process the sequence last step first; a returned sequence stays in processing order.</param>
    /// <param name="zeroOutputForMask">Masked steps output zeros instead of repeating the previous output.</param>
    /// <param name="seed">Seeds the dropout masks' generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (time, features) (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <param name="kernelRegularizer">A penalty on the input kernel added to the training loss (Keras's <c>kernel_regularizer</c>); null for none.</param>
    /// <param name="recurrentRegularizer">A penalty on the recurrent kernel; null for none.</param>
    /// <param name="biasRegularizer">A penalty on the bias; null for none.</param>
    /// <param name="activityRegularizer">A penalty on the layer's output (and on each returned state, as Keras), divided by the batch size; null for none.</param>
    /// <param name="kernelConstraint">A projection of the input kernel after each optimizer step (Keras's <c>kernel_constraint</c>); null for none.</param>
    /// <param name="recurrentConstraint">A projection of the recurrent kernel after each optimizer step; null for none.</param>
    /// <param name="biasConstraint">A projection of the bias after each optimizer step; null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="units"/> is not positive (or too large), or a dropout rate is outside [0, 1).</exception>
    /// <exception cref="ArgumentException">An activation other than tanh, sigmoid, relu or linear.</exception>
    public Lstm(int units, Activation? activation = null, Activation? recurrentActivation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null, Initializer? biasInitializer = null,
        bool unitForgetBias = true, float dropout = 0f, float recurrentDropout = 0f,
        bool returnSequences = false, bool returnState = false, bool goBackwards = false, bool zeroOutputForMask = false,
        long? seed = null, string? name = null, int[]? inputShape = null,
        Regularizer? kernelRegularizer = null, Regularizer? recurrentRegularizer = null, Regularizer? biasRegularizer = null,
        Regularizer? activityRegularizer = null, Constraint? kernelConstraint = null, Constraint? recurrentConstraint = null,
        Constraint? biasConstraint = null)
        : this(new Settings(units, RecurrentOptions.Create("LSTM", activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
                kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint,
                dropout, recurrentDropout, seed),
            activityRegularizer, returnSequences, returnState, goBackwards, zeroOutputForMask, name, inputShape), unitForgetBias)
    {
    }

    private Lstm(Settings settings, bool unitForgetBias) : base(settings)
    {
        UnitForgetBias = unitForgetBias;
    }

    /// <inheritdoc/>
    public override string TypeName => "LSTM";

    /// <summary>Start the forget gate's bias at 1 (Jozefowicz et al. 2015), Keras's default.</summary>
    public bool UnitForgetBias { get; }

    /// <inheritdoc/>
    public override int StateCount => 2;
    private protected override int Gates => 4;
    private protected override string CellName => "lstm_cell";
    private protected override Initializer BiasFill => UnitForgetBias ? new ForgetBiasOne(BiasInitializer, Units) : BiasInitializer;

    private protected override Tensor RunCell(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, RecurrentArgs args) =>
        Ops.Lstm(x, kernel, recurrentKernel, bias, args);

    private protected override void AddCellConfig(JsonObject config) => config["unit_forget_bias"] = UnitForgetBias;

    internal static Lstm FromConfig(LayerConfig c) => new(ReadSettings(c), c.Bool("unit_forget_bias", true));
}
