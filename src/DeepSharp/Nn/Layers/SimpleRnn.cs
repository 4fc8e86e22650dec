using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's SimpleRNN: h = act(x·W + h_prev·U + b), kernel (features, units), recurrent_kernel
/// (units, units), bias (units); activation tanh by default. See <see cref="RecurrentLayer"/> for
/// masks, dropout and states.
/// </summary>
public sealed class SimpleRnn : RecurrentLayer
{
    public SimpleRnn(int units, Activation? activation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null, Initializer? biasInitializer = null,
        float dropout = 0f, float recurrentDropout = 0f,
        bool returnSequences = false, bool returnState = false, bool goBackwards = false, bool zeroOutputForMask = false,
        long? seed = null, string? name = null, int[]? inputShape = null)
        : base(units, activation, null, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
            dropout, recurrentDropout, returnSequences, returnState, goBackwards, zeroOutputForMask, seed, name, inputShape)
    {
    }

    public override string TypeName => "SimpleRNN";
    public override int StateCount => 1;
    private protected override int Gates => 1;
    private protected override string CellName => "simple_rnn_cell";
    private protected override bool HasGates => false;

    private protected override Tensor RunCell(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, RecurrentArgs args) =>
        Ops.SimpleRnn(x, kernel, recurrentKernel, bias, args);

    internal static SimpleRnn FromConfig(LayerConfig c)
    {
        var s = ReadSettings(c);
        return new SimpleRnn(s.Units, s.Activation, s.UseBias, s.KernelInitializer, s.RecurrentInitializer, s.BiasInitializer,
            s.Dropout, s.RecurrentDropout, s.ReturnSequences, s.ReturnState, s.GoBackwards, s.ZeroOutputForMask, s.Seed, s.Name, s.InputShape);
    }
}
