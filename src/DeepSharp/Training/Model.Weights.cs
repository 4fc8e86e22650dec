using DeepSharp.Nn;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>Keras's get_weights and set_weights on a whole model.</summary>
public partial class Model
{
    /// <summary>
    /// Keras's <c>count_params()</c>: the number of weight values, trainable or not — <see cref="Summary"/>'s
    /// "Total params". 0 before the model is built.
    /// </summary>
    public long CountParams() => Parameters.Sum(p => (long)p.Value.Size);

    /// <summary>
    /// Copies of every weight of the model, in the order of <see cref="Parameters"/> (layer by layer,
    /// each layer's in its own order), as Keras's <c>model.get_weights()</c>; empty before the model
    /// is built. Changing a copy leaves the model as it is.
    /// </summary>
    public IReadOnlyList<Tensor> GetWeights() => WeightCopies.Get(Parameters.ToArray());

    /// <summary>
    /// Copies <paramref name="weights"/> into the model's weights, in the order <see cref="GetWeights"/>
    /// returns them, as Keras's <c>model.set_weights(...)</c>; the tensors are copied, not kept. Every
    /// count, dtype and shape is checked before anything is copied, so a failed call changes nothing.
    /// </summary>
    /// <param name="weights">One float32 tensor per weight, each of that weight's shape.</param>
    /// <exception cref="ArgumentException">The number of tensors differs from the model's weights, or a tensor's dtype differs.</exception>
    /// <exception cref="ShapeMismatchException">A tensor's shape differs from its weight's; the message names the weight (layer/weight) and both shapes.</exception>
    public void SetWeights(IReadOnlyList<Tensor> weights) => WeightCopies.Set(Parameters.ToArray(), weights, $"model '{Name}'", IsBuilt);
}
