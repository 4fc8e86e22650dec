using System.Text.Json.Nodes;
using DeepSharp.Autograd;
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
    public Lstm(int units, Activation? activation = null, Activation? recurrentActivation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null, Initializer? biasInitializer = null,
        bool unitForgetBias = true, float dropout = 0f, float recurrentDropout = 0f,
        bool returnSequences = false, bool returnState = false, bool goBackwards = false, bool zeroOutputForMask = false,
        long? seed = null, string? name = null, int[]? inputShape = null)
        : base(units, activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
            dropout, recurrentDropout, returnSequences, returnState, goBackwards, zeroOutputForMask, seed, name, inputShape)
    {
        UnitForgetBias = unitForgetBias;
    }

    public override string TypeName => "LSTM";

    /// <summary>Start the forget gate's bias at 1 (Jozefowicz et al. 2015), Keras's default.</summary>
    public bool UnitForgetBias { get; }

    public override int StateCount => 2;
    private protected override int Gates => 4;
    private protected override string CellName => "lstm_cell";
    private protected override Initializer BiasFill => UnitForgetBias ? new ForgetBiasOne(BiasInitializer, Units) : BiasInitializer;

    private protected override Tensor RunCell(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, RecurrentArgs args) =>
        Ops.Lstm(x, kernel, recurrentKernel, bias, args);

    private protected override void AddCellConfig(JsonObject config) => config["unit_forget_bias"] = UnitForgetBias;

    internal static Lstm FromConfig(LayerConfig c)
    {
        var s = ReadSettings(c);
        return new Lstm(s.Units, s.Activation, s.RecurrentActivation, s.UseBias, s.KernelInitializer, s.RecurrentInitializer, s.BiasInitializer,
            c.Bool("unit_forget_bias", true), s.Dropout, s.RecurrentDropout, s.ReturnSequences, s.ReturnState, s.GoBackwards,
            s.ZeroOutputForMask, s.Seed, s.Name, s.InputShape);
    }

    /// <summary>Keras's unit_forget_bias: the bias initializer on i and (c, o), ones on f.</summary>
    private sealed class ForgetBiasOne(Initializer inner, int units) : Initializer
    {
        public override string Name => inner.Name;

        public override void Fill(Span<float> values, Shape shape, RandomGenerator generator)
        {
            inner.Fill(values[..units], new Shape(units), generator);
            values.Slice(units, units).Fill(1f);
            inner.Fill(values[(2 * units)..], new Shape(2 * units), generator);
        }
    }
}
