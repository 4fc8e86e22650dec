using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

/// <summary>
/// What a recurrent op (<see cref="Ops.SimpleRnn"/>, <see cref="Ops.Lstm"/>, <see cref="Ops.Gru"/>)
/// computes besides its weights: Keras's RNN arguments, the mask and the dropout masks.
/// </summary>
internal sealed class RecurrentArgs
{
    /// <summary>Keras's <c>activation</c> (the candidate and the output squashing); tanh by default.</summary>
    public CellActivation Activation { get; init; } = CellActivation.Tanh;

    /// <summary>Keras's <c>recurrent_activation</c> (the gates of LSTM and GRU); sigmoid by default.</summary>
    public CellActivation RecurrentActivation { get; init; } = CellActivation.Sigmoid;

    /// <summary>Output every step (batch, time, units) instead of the last one (batch, 1, units).</summary>
    public bool ReturnSequences { get; init; }

    /// <summary>Append the final states after the outputs (h, and c for LSTM), one time slot each.</summary>
    public bool ReturnStates { get; init; }

    /// <summary>Process the time steps last to first; the outputs come in processing order, as in Keras.</summary>
    public bool GoBackwards { get; init; }

    /// <summary>Masked steps output zeros instead of repeating the previous output (Keras's zero_output_for_mask).</summary>
    public bool ZeroOutputForMask { get; init; }

    /// <summary>
    /// (batch, time), int32 or float: a zero skips that step for that sample (the states are carried
    /// over unchanged and the output repeats the previous output, zeros before the first step run).
    /// </summary>
    public Tensor? Mask { get; init; }

    /// <summary>(batch, features): multiplies every step's input (inverted dropout: 0 or 1/(1 − rate)).</summary>
    public Tensor? InputDropoutMask { get; init; }

    /// <summary>(batch, units): multiplies the previous state h in h·U at every step (0 or 1/(1 − rate)).</summary>
    public Tensor? RecurrentDropoutMask { get; init; }

    /// <summary>The initial states, (batch, units) each (h, and c for LSTM); zeros when null.</summary>
    public IReadOnlyList<Tensor>? InitialStates { get; init; }
}
