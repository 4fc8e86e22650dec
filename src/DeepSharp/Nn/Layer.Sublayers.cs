using DeepSharp.Tensors;

namespace DeepSharp.Nn;

/// <summary>
/// Composite layers (Transformer blocks, attention): a layer may own sublayers. Their weights are
/// part of <see cref="Layer.Parameters"/> (so optimizers, model files and checkpoints see them) under
/// paths that name the owner: "transformer_decoder_block/self_attention/query/kernel".
/// </summary>
public abstract partial class Layer
{
    private List<Layer>? _sublayers;
    private HashSet<string>? _sublayerNames; // a sublayer's name is explicit, so it never changes once tracked

    /// <summary>The layer that owns this one, if it is a sublayer.</summary>
    public Layer? Parent { get; private set; }

    /// <summary>The layers this one owns, in the order they were added.</summary>
    public IReadOnlyList<Layer> Sublayers => (IReadOnlyList<Layer>?)_sublayers ?? [];

    /// <summary>The owners' names and this layer's, joined by '/': the prefix of its weights' paths.</summary>
    public string Path => Parent is null ? Name : $"{Parent.Path}/{Name}";

    /// <summary>This layer and, depth first, every layer it owns.</summary>
    public IEnumerable<Layer> SelfAndSublayers()
    {
        yield return this;
        if (_sublayers is null) yield break;
        foreach (var sub in _sublayers)
            foreach (var l in sub.SelfAndSublayers())
                yield return l;
    }

    /// <summary>Makes <paramref name="layer"/> a sublayer of this one (its weights become this layer's too); returns it.</summary>
    protected T Track<T>(T layer) where T : Layer
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer.Parent is not null)
            throw new ArgumentException($"Layer '{layer.Name}' already belongs to '{layer.Parent.Path}'.", nameof(layer));
        if (!layer.HasExplicitName)
            throw new ArgumentException($"A sublayer of '{Name}' needs an explicit name (its weights' paths use it).", nameof(layer));
        // A set, not a scan of the list: a config's StackedRNNCells of 10,000 cells made 5·10⁷ name comparisons.
        if (!(_sublayerNames ??= new(StringComparer.Ordinal)).Add(layer.Name))
            throw new ArgumentException($"Layer '{Name}' already has a sublayer named '{layer.Name}'.", nameof(layer));
        layer.Parent = this;
        (_sublayers ??= []).Add(layer);
        return layer;
    }

    /// <summary>
    /// Runs a built layer without the exact input-shape check of <see cref="Call(Tensor, bool)"/> (the
    /// layer still checks its feature axes): for position-wise layers applied to sequences of another
    /// length than they were built for, as in one-token decoding steps.
    /// </summary>
    internal Tensor CallBuilt(Tensor x, bool training)
    {
        if (!IsBuilt) throw new InvalidOperationException($"Layer '{Path}' ({TypeName}) is not built.");
        return Forward(x, training);
    }

    private List<Parameter> AllParameters()
    {
        var all = new List<Parameter>(_parameters);
        foreach (var sub in _sublayers!) all.AddRange(sub.Parameters);
        return all;
    }
}
