using DeepSharp.Nn;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Compression;

/// <summary>
/// Magnitude pruning (tfmot's <c>prune_low_magnitude</c>, torch's <c>nn.utils.prune</c>): prunable
/// weights get a mask of zeros and ones; pruned weights are zero and stay zero through training,
/// because the optimizer zeroes their gradients (so Adam's moments of them stay zero) and masks
/// the weights again after every update and constraint. There are no wrapper layers: a pruned
/// model is the same model, so it saves, loads and exports as one, its zeros included. A mask is
/// recovered from a weight's zeros when pruning resumes (after Load or a checkpoint restore).
/// Train with a <see cref="PruningCallback"/>, or prune at once with <see cref="Prune"/>; remove
/// the masks with <see cref="StripPruning"/>.
/// </summary>
public static class Pruning
{
    /// <summary>
    /// Whether a weight is pruned by default: trainable kernels (Dense, Conv1D/2D and their transposed,
    /// depthwise and separable forms, recurrent and attention kernels: names "kernel" and "…_kernel")
    /// and Embedding's "embeddings"; never biases, normalization scales or statistics.
    /// </summary>
    public static bool IsPrunable(Parameter weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        return weight.Trainable && (weight.Name == "kernel" || weight.Name.EndsWith("_kernel", StringComparison.Ordinal) || weight.Name == "embeddings");
    }

    /// <summary>
    /// Prunes <paramref name="model"/> once to <paramref name="sparsity"/> by magnitude and keeps the
    /// masks, so that later training (Fit, an optimizer's Apply) holds the pruned weights at zero.
    /// </summary>
    /// <param name="model">A built model.</param>
    /// <param name="sparsity">The fraction of weights pruned in each group, in [0, 1).</param>
    /// <param name="scope">Per layer or global.</param>
    /// <param name="select">Which weights to prune (default <see cref="IsPrunable"/>).</param>
    /// <exception cref="InvalidOperationException">The model is not built, or has no prunable weight.</exception>
    public static void Prune(Model model, float sparsity, PruningScope scope = PruningScope.Layer, Func<Parameter, bool>? select = null)
    {
        if (!(sparsity is >= 0f and < 1f)) throw new ArgumentException($"sparsity must be in [0, 1); got {sparsity}.", nameof(sparsity));
        foreach (var group in Groups(model, scope, select)) MagnitudeMask.Update(group, sparsity);
    }

    /// <summary>
    /// Removes the masks (tfmot's <c>strip_pruning</c>, torch's <c>prune.remove</c>): the weights keep
    /// their zeros, training no longer holds them, and the model is an ordinary model to save or export.
    /// </summary>
    public static void StripPruning(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var p in model.Parameters) p.PruningMask = null;
    }

    /// <summary>Whether any weight of <paramref name="model"/> carries a pruning mask.</summary>
    public static bool IsPruned(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Parameters.Any(p => p.PruningMask is not null);
    }

    /// <summary>
    /// The fraction of exactly-zero weights among each layer's prunable weights (by <paramref name="select"/>,
    /// default <see cref="IsPrunable"/>), by layer name; layers without one are left out.
    /// </summary>
    public static IReadOnlyDictionary<string, double> Sparsity(Model model, Func<Parameter, bool>? select = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        select ??= IsPrunable;
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var layer in model.Layers)
        {
            long zeros = 0, total = 0;
            foreach (var p in layer.Parameters)
                if (select(p))
                {
                    total += p.Value.Size;
                    foreach (float w in p.Value.Span) if (w == 0f) zeros++;
                }
            if (total > 0) result[layer.Name] = (double)zeros / total;
        }
        return result;
    }

    /// <summary>
    /// The groups a threshold is chosen over, each weight given a mask first: one group per layer,
    /// or one for the model. A weight without a mask gets one from its zeros (what a saved or
    /// checkpointed pruned weight holds); one that has a mask keeps it.
    /// </summary>
    internal static List<List<Parameter>> Groups(Model model, PruningScope scope, Func<Parameter, bool>? select)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.IsBuilt) throw new InvalidOperationException($"Pruning: model '{model.Name}' is not built; build it (or fit it) before pruning.");
        select ??= IsPrunable;
        var groups = new List<List<Parameter>>();
        foreach (var layer in model.Layers)
        {
            var group = layer.Parameters.Where(select).ToList();
            if (group.Count == 0) continue;
            foreach (var p in group) p.PruningMask ??= MaskFromZeros(p.Value);
            if (scope == PruningScope.Global && groups.Count == 1) groups[0].AddRange(group);
            else groups.Add(group);
        }
        if (groups.Count == 0) throw new InvalidOperationException($"Pruning: model '{model.Name}' has no prunable weight (kernels and embeddings are; pass select to choose others).");
        return groups;
    }

    /// <summary>Re-derives every mask of <paramref name="model"/> from its weights' zeros (after weights were restored).</summary>
    internal static void RederiveMasks(Model model, Func<Parameter, bool>? select)
    {
        select ??= IsPrunable;
        foreach (var p in model.Parameters)
            if (select(p)) p.PruningMask = MaskFromZeros(p.Value);
    }

    private static Tensor MaskFromZeros(Tensor weight)
    {
        var mask = Tensor.Zeros(weight.Shape);
        var m = mask.Span;
        var w = weight.Span;
        for (int i = 0; i < m.Length; i++) m[i] = w[i] == 0f ? 0f : 1f;
        return mask;
    }
}
