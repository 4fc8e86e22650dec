using DeepSharp.Tensors;

namespace DeepSharp.Nn;

/// <summary>
/// Masks (Keras's compute_mask / supports_masking), kept small. A mask is a (batch, time) float
/// tensor of 1s (keep) and 0s (skip) that travels beside a layer's output: <see cref="Layers.Embedding"/>
/// with <c>maskZero</c> makes one, recurrent layers skip the masked steps, and Sequential and
/// Functional models hand each layer's output mask to the next layer. The one rule: a layer that
/// does not declare <see cref="SupportsMasking"/> drops the mask (Keras 3 does the same, with a
/// warning); one that does receives it in <see cref="Forward(Tensor, Tensor?, bool)"/> and passes on
/// <see cref="ComputeMask(Tensor, Tensor?)"/>'s result (by default the mask it got). A call on
/// several inputs receives one mask per input (Keras's <c>mask=[...]</c>) through
/// <see cref="CallMasked(IReadOnlyList{Tensor}, IReadOnlyList{Tensor?}?, bool)"/>: the attention
/// layers read the query and value masks, merge layers combine them
/// (<see cref="ComputeMask(IReadOnlyList{Tensor}, IReadOnlyList{Tensor?})"/>), other layers drop them.
/// </summary>
public abstract partial class Layer
{
    /// <summary>Whether this layer takes a mask and passes one on; layers that do not drop it.</summary>
    public virtual bool SupportsMasking => false;

    /// <summary>The mask of this layer's output for an input and its mask (called only when <see cref="SupportsMasking"/>); by default the input's mask.</summary>
    public virtual Tensor? ComputeMask(Tensor input, Tensor? mask) => mask;

    /// <summary>
    /// The mask of the output of a call on several inputs, given each input's mask (null entries: no
    /// mask), as Keras's <c>compute_mask(inputs, mask=[...])</c>. One input: <see cref="ComputeMask(Tensor, Tensor?)"/>
    /// when the layer supports masking. Several: none, unless the layer combines them (merge and attention layers).
    /// </summary>
    public virtual Tensor? ComputeMask(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(masks);
        return inputs.Count == 1 && SupportsMasking ? ComputeMask(inputs[0], masks[0]) : null;
    }

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

    /// <summary>
    /// Runs the layer on a list of inputs with one mask per input (null entries, or a null list: no
    /// masks), as Keras's <c>layer([query, value], mask=[query_mask, value_mask])</c>; returns the
    /// output and its mask. A list of one is <see cref="CallMasked(Tensor, Tensor?, bool)"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The masks are not one per input.</exception>
    public (Tensor Output, Tensor? Mask) CallMasked(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? masks, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (masks is not null && masks.Count != inputs.Count)
            throw new ArgumentException($"Layer '{Name}' ({TypeName}) got {masks.Count} masks for {inputs.Count} inputs; give one per input (null for none).", nameof(masks));
        if (inputs.Count == 1) return CallMasked(inputs[0], masks?[0], training);
        if (masks is null || !HasAny(masks)) return (Call(inputs, training), null);
        return ForwardMasked(inputs, masks, training);
    }

    /// <summary>
    /// A call on several inputs of which at least one has a mask: by default the plain call, with
    /// <see cref="ComputeMask(IReadOnlyList{Tensor}, IReadOnlyList{Tensor?})"/> as the output's mask;
    /// attention layers override it to use the masks.
    /// </summary>
    protected virtual (Tensor Output, Tensor? Mask) ForwardMasked(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks, bool training) =>
        (Call(inputs, training), ComputeMask(inputs, masks));

    /// <summary>The forward pass of a layer that supports masking; by default ignores the mask.</summary>
    protected virtual Tensor Forward(Tensor x, Tensor? mask, bool training) => Forward(x, training);

    /// <summary>Whether any entry of <paramref name="masks"/> is a mask.</summary>
    internal static bool HasAny(IReadOnlyList<Tensor?>? masks)
    {
        if (masks is null) return false;
        foreach (var m in masks)
            if (m is not null) return true;
        return false;
    }
}
