using DeepSharp.Tensors;

namespace DeepSharp.Nn;

/// <summary>
/// Masks (Keras's compute_mask / supports_masking), kept small. A mask is a (batch, time) float
/// tensor of 1s (keep) and 0s (skip) that travels beside a layer's output: <see cref="Layers.Embedding"/>
/// with <c>maskZero</c> makes one, recurrent layers skip the masked steps, and Sequential and
/// Functional models hand each layer's output mask to the next layer. The one rule: a layer that
/// does not declare <see cref="SupportsMasking"/> drops the mask (Keras 3 does the same, with a
/// warning); one that does receives it in <see cref="Forward(Tensor, Tensor?, bool)"/> and passes on
/// <see cref="ComputeMask"/>'s result (by default the mask it got). Merge layers drop masks.
/// </summary>
public abstract partial class Layer
{
    /// <summary>Whether this layer takes a mask and passes one on; layers that do not drop it.</summary>
    public virtual bool SupportsMasking => false;

    /// <summary>The mask of this layer's output for an input and its mask (called only when <see cref="SupportsMasking"/>); by default the input's mask.</summary>
    public virtual Tensor? ComputeMask(Tensor input, Tensor? mask) => mask;

    /// <summary>Runs the layer on a batch with its mask (null for none), building it first if needed.</summary>
    public Tensor Call(Tensor x, Tensor? mask, bool training = false) => CallMasked(x, mask, training).Output;

    /// <summary>Runs the layer on a batch with its mask and returns the output with the output's mask (null when dropped or absent).</summary>
    public (Tensor Output, Tensor? Mask) CallMasked(Tensor x, Tensor? mask, bool training = false)
    {
        if (!SupportsMasking) return (Call(x, training), null);
        if (x.Rank == 0) throw new ShapeMismatchException($"Layer '{Name}' needs a batch of inputs, got a scalar.");
        Build(x.Shape.WithoutBatch());
        var y = Forward(x, mask, training);
        return (y, ComputeMask(x, mask));
    }

    /// <summary>The forward pass of a layer that supports masking; by default ignores the mask.</summary>
    protected virtual Tensor Forward(Tensor x, Tensor? mask, bool training) => Forward(x, training);
}
