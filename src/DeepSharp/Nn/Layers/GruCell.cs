using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's GRUCell in its default form (reset_after = True, as <see cref="Gru"/>): one step of the GRU
/// layer with its weights (kernel (features, 3·units), recurrent_kernel (units, 3·units), gate blocks
/// z, r, h; bias (2, 3·units): row 0 added to x·W, row 1 to h·U). One state h; the output is h.
/// reset_after = False is not supported.
/// </summary>
public sealed class GruCell : FusedRnnCell
{
    /// <param name="units">Size of the state and of each step's output.</param>
    /// <param name="activation">The cell's activation; null for tanh. Tanh, sigmoid, relu and linear are supported.</param>
    /// <param name="recurrentActivation">The gates' activation; null for sigmoid. Same choices as <paramref name="activation"/>.</param>
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
    /// <param name="name">The cell's name; null for Keras's default ("gru_cell").</param>
    /// <param name="resetAfter">Keras's reset_after: apply the reset gate after the recurrent product. Only true (Keras's default) is supported.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="units"/> is not positive (or too large), or a dropout rate is outside [0, 1).</exception>
    /// <exception cref="ArgumentException">An activation other than tanh, sigmoid, relu or linear.</exception>
    public GruCell(int units, Activation? activation = null, Activation? recurrentActivation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? recurrentRegularizer = null, Regularizer? biasRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? recurrentConstraint = null, Constraint? biasConstraint = null,
        float dropout = 0f, float recurrentDropout = 0f, long? seed = null, string? name = null, bool resetAfter = true)
        : this(units, RecurrentOptions.Create("GRUCell", activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
            kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint,
            dropout, recurrentDropout, seed), name)
    {
        if (!resetAfter)
            throw new ArgumentException("GRUCell with reset_after=False is not supported; DeepSharp implements Keras's default reset_after=True (bias (2, 3·units)).", nameof(resetAfter));
    }

    private GruCell(int units, RecurrentOptions options, string? name) : base(units, options, name) { }

    /// <inheritdoc/>
    public override string TypeName => "GRUCell";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "gru_cell";
    /// <summary>Always true: the reset gate applies after the recurrent product (Keras's default).</summary>
    public bool ResetAfter => true;
    /// <summary>[units]: the state h.</summary>
    public override IReadOnlyList<int> StateSize => _stateSize ??= [Units];
    private int[]? _stateSize;
    private protected override int Gates => 3;
    private protected override Shape BiasShape => new(2, 3 * Units);
    internal override string LayerTypeName => "GRU";

    private protected override Tensor RunOp(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, RecurrentArgs args) =>
        Ops.Gru(x, kernel, recurrentKernel, bias, args);

    private protected override void AddCellConfig(JsonObject config) => config["reset_after"] = true;

    internal static GruCell FromConfig(LayerConfig c)
    {
        if (!c.Bool("reset_after", true))
            throw new DeepSharpException("GRUCell with reset_after=False is not supported; DeepSharp implements Keras's default reset_after=True (bias (2, 3·units)).");
        return new GruCell(c.RequiredSize("units"), RecurrentOptions.Read(c), c.Name);
    }
}
