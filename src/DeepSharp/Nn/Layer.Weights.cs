using DeepSharp.Tensors;

namespace DeepSharp.Nn;

public abstract partial class Layer
{
    /// <summary>
    /// Copies of this layer's weights (its sublayers' included), in the order of <see cref="Parameters"/>,
    /// as Keras's get_weights; empty before the layer is built. The copies are the caller's: changing
    /// one leaves the layer as it is.
    /// </summary>
    public IReadOnlyList<Tensor> GetWeights() => WeightCopies.Get(Parameters);

    /// <summary>
    /// Copies <paramref name="weights"/> into this layer's weights, in the order <see cref="GetWeights"/>
    /// returns them, as Keras's set_weights. The tensors are copied, not kept. Every count, dtype and
    /// shape is checked before anything is copied, so a failed call changes nothing.
    /// </summary>
    /// <param name="weights">One float32 tensor per weight, each of that weight's shape.</param>
    /// <exception cref="ArgumentException">The number of tensors differs from the layer's weights (none before it is built), or a tensor is not float32.</exception>
    /// <exception cref="ShapeMismatchException">A tensor's shape differs from its weight's; the message names the layer, the weight and both shapes.</exception>
    public void SetWeights(IReadOnlyList<Tensor> weights) => WeightCopies.Set(Parameters, weights, $"layer '{Path}'", IsBuilt);

    /// <summary>
    /// Checks weights that came from outside (a model file, LoadWeights) where some values are not valid for this layer
    /// (Normalization's variance must be finite and ≥ 0); throws a <see cref="DataFormatException"/> naming
    /// <paramref name="where"/> and the value. Nothing to check by default.
    /// </summary>
    internal virtual void CheckLoadedWeights(string where) { }
}

/// <summary>Keras's get_weights and set_weights for layers and models: copies in, copies out, all checked first.</summary>
internal static class WeightCopies
{
    public static Tensor[] Get(IReadOnlyList<Parameter> parameters)
    {
        var copies = new Tensor[parameters.Count];
        for (int i = 0; i < copies.Length; i++) copies[i] = parameters[i].Value.Clone();
        return copies;
    }

    /// <summary>Checks every tensor against its weight, then copies them all; <paramref name="owner"/> ("layer 'dense'") names the weights' owner in messages.</summary>
    public static void Set(IReadOnlyList<Parameter> parameters, IReadOnlyList<Tensor> weights, string owner, bool built)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count != parameters.Count)
            throw new ArgumentException($"SetWeights: {owner} has {Count(parameters.Count)}" +
                (built ? $" ({string.Join(", ", parameters.Select(p => $"{p.Path} {p.Shape}"))})" : " (it is not built yet: build it first)") +
                $"; got {weights.Count} tensor{(weights.Count == 1 ? "" : "s")}.", nameof(weights));
        for (int i = 0; i < weights.Count; i++)
        {
            var w = weights[i] ?? throw new ArgumentNullException(nameof(weights), $"SetWeights: tensor {i} (for {parameters[i].Path}) is null.");
            var p = parameters[i];
            if (w.DType != p.Value.DType)
                throw new ArgumentException($"SetWeights: {owner}, weight {i} '{p.Path}' is {p.Value.DType}; the tensor given is {w.DType}.", nameof(weights));
            if (w.Shape != p.Shape)
                throw new ShapeMismatchException($"SetWeights: {owner}, weight {i} '{p.Path}' has shape {p.Shape}; the tensor given has {w.Shape}.");
        }
        for (int i = 0; i < weights.Count; i++)
        {
            var target = parameters[i].Value;
            if (target.DType == DType.Int32) weights[i].IntSpan[..target.Size].CopyTo(target.IntSpan);
            else weights[i].Span[..target.Size].CopyTo(target.Span);
        }
    }

    private static string Count(int n) => n == 1 ? "1 weight" : $"{n} weights";
}
