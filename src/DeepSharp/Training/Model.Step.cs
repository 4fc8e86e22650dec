using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

public partial class Model
{
    /// <summary>
    /// Runs a causal model (e.g. Embedding → position embedding → TransformerDecoderBlocks → Dense)
    /// on the next positions of its input sequences, reusing what <paramref name="cache"/> kept from
    /// earlier steps: feed the prompt (batch, n) once, then one new token (batch, 1) per call. The
    /// output holds the new positions only and equals the matching rows of <c>Call</c> on the whole
    /// sequence. Every layer must be position-wise or a step layer (<see cref="IStepLayer"/>). No
    /// gradients are recorded.
    /// </summary>
    public Tensor Step(Tensor inputs, KvCache cache)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(cache);
        if (!IsBuilt) throw new InvalidOperationException($"Model '{Name}' must be built (called once) before it steps.");
        if (inputs.Rank < 2) throw new ShapeMismatchException($"Model '{Name}' steps on (batch, positions, ...) inputs; got {inputs.Shape}.");
        using var _ = NoGrad.Scope();
        return StepLayers(inputs, cache);
    }

    /// <summary>The layers of one step, in call order (a graph model's; Sequential overrides it).</summary>
    internal virtual Tensor StepLayers(Tensor inputs, KvCache cache) => Graph().Step(Name, inputs, cache);

    /// <summary>
    /// Whether <see cref="Step"/> can run this model: every layer call position-wise, a step layer, or
    /// causal self-attention (MultiHeadAttention, GroupQueryAttention). Text generation uses a
    /// <see cref="KvCache"/> where it can.
    /// </summary>
    internal virtual bool CanStep() => _graph?.CanStep() ?? false;
}
