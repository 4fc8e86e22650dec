using DeepSharp.Tensors;

namespace DeepSharp.Nn;

/// <summary>
/// A layer of a causal model that can run on the next positions of a sequence alone, keeping
/// what later positions need in a <see cref="KvCache"/> (attention keys and values, the position
/// count). Steps are for inference: they record no gradients.
/// </summary>
public interface IStepLayer
{
    /// <summary>
    /// The layer's output at the next <c>x.Shape[1]</c> positions, given that the positions before
    /// them went through earlier steps with the same <paramref name="cache"/>; equals the matching
    /// rows of a call on the whole sequence.
    /// </summary>
    Tensor Step(Tensor x, KvCache cache);
}
