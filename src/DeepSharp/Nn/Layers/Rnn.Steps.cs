using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

public sealed partial class Rnn
{
    /// <summary>
    /// Any other cell: one call of the cell per time step, in processing order, from the initial
    /// states (zeros when null). A masked step keeps each sample's states and repeats its previous
    /// output (zeros before its first step, or always with <see cref="ZeroOutputForMask"/>), as
    /// Keras's backend rnn does; every piece is an autograd op, so gradients flow through the steps.
    /// </summary>
    private IReadOnlyList<Tensor> RunSteps(Tensor x, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training, bool withStates)
    {
        int batch = x.Shape[0], time = x.Shape[1], features = x.Shape[2], width = Cell.OutputSize;
        var states = (initialState ?? Cell.GetInitialState(batch)).ToArray();
        var keep = mask is null ? null : KeepFlags(mask);
        var outputs = ReturnSequences ? new Tensor[time] : null;
        Tensor? output = mask is null ? null : Tensor.Zeros(batch, width);
        Cell.BeginSequence();
        try
        {
            for (int s = 0; s < time; s++)
            {
                int t = GoBackwards ? time - 1 - s : s;
                var input = Ops.Reshape(Ops.Slice(x, 1, t, 1), batch, features);
                var step = Cell.Step(input, states, training);
                if (keep is null)
                {
                    output = step.Output;
                    for (int k = 0; k < states.Length; k++) states[k] = step.States[k];
                }
                else
                {
                    var (kept, skipped) = keep[t];
                    output = ZeroOutputForMask ? Ops.Multiply(step.Output, kept) : Blend(step.Output, output!, kept, skipped);
                    for (int k = 0; k < states.Length; k++) states[k] = Blend(step.States[k], states[k], kept, skipped);
                }
                if (outputs is not null) outputs[s] = output;
            }
        }
        finally
        {
            Cell.EndSequence();
        }
        var result = outputs is null ? output! : Ops.Stack(outputs, axis: 1);
        return withStates ? [result, .. states] : [result];
    }

    /// <summary>new where the step ran, old where it was masked: new·kept + old·skipped.</summary>
    private static Tensor Blend(Tensor next, Tensor previous, Tensor kept, Tensor skipped) =>
        Ops.Add(Ops.Multiply(next, kept), Ops.Multiply(previous, skipped));

    /// <summary>Per time step, (batch, 1) columns of 1 where the step runs (mask ≠ 0) and of 1 where it is skipped.</summary>
    private static (Tensor Kept, Tensor Skipped)[] KeepFlags(Tensor mask)
    {
        int batch = mask.Shape[0], time = mask.Shape[1];
        var values = mask.ToFloat().ToArray();
        var flags = new (Tensor, Tensor)[time];
        for (int t = 0; t < time; t++)
        {
            var kept = new float[batch];
            var skipped = new float[batch];
            for (int b = 0; b < batch; b++)
            {
                bool runs = values[b * time + t] != 0f;
                kept[b] = runs ? 1f : 0f;
                skipped[b] = runs ? 0f : 1f;
            }
            flags[t] = (Tensor.FromArray(kept, batch, 1), Tensor.FromArray(skipped, batch, 1));
        }
        return flags;
    }
}
