namespace DeepSharp.Tensors;

/// <summary>
/// The backward rule recorded on a tensor produced by a differentiable op (PyTorch's grad_fn).
/// Declared here so tensors can carry it; implemented by the ops in DeepSharp.Autograd.
/// </summary>
public interface IGradFunction
{
    /// <summary>Op name, for error messages and graph dumps.</summary>
    string Name { get; }

    /// <summary>The op's tensor inputs (those that may need gradients).</summary>
    IReadOnlyList<Tensor> Inputs { get; }

    /// <summary>Accumulates (+=) the gradients of <see cref="Inputs"/> that require grad, given ∂L/∂output.</summary>
    void Backward(Tensor output, Tensor outputGrad);
}
