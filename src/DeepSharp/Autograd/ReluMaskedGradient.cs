using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

/// <summary>
/// A node whose output went through a ReLU (Conv2D with its fused ReLU, Relu): the first consumer to
/// write the output's gradient may apply the ReLU mask itself as it writes (max-pooling reads the
/// mask off its pooled maxima) and say so, and the node then skips its own pass over the gradient.
/// </summary>
internal interface IReluOutputNode
{
    /// <summary>Whether the output is a ReLU's (a Conv2D without its fused ReLU says no).</summary>
    bool ReluOutput { get; }

    /// <summary>Tells the node that <paramref name="gradient"/>, its output's gradient, holds the ReLU mask already.</summary>
    void GradientMasked(Tensor gradient);
}

/// <summary>
/// What a node remembers of a masked gradient: the tensor and its storage's version right after
/// the masking write. Any later hand-out of its elements (another consumer adding its share)
/// changes the version, and the node masks again, so a stale note can cost a pass, never a wrong
/// gradient.
/// </summary>
internal struct ReluMaskedGradient
{
    private Tensor? _gradient;
    private int _version;

    /// <summary>Notes that <paramref name="gradient"/> is masked as it stands.</summary>
    public void Record(Tensor gradient) => (_gradient, _version) = (gradient, VersionOf(gradient));

    /// <summary>Whether <paramref name="gradient"/> is the masked one, untouched since.</summary>
    public readonly bool Holds(Tensor gradient) =>
        ReferenceEquals(gradient, _gradient) && gradient.Storage is CpuStorage<float> s && s.Version == _version;

    private static int VersionOf(Tensor t) => t.Storage is CpuStorage<float> s ? s.Version : 0;
}
