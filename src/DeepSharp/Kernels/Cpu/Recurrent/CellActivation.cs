namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// The activations a recurrent cell applies (Keras's <c>activation</c> and <c>recurrent_activation</c>).
/// Each derivative is a function of the activation's output, so backward passes read only what the
/// forward pass stored.
/// </summary>
internal enum CellActivation
{
    Linear,
    Tanh,
    Sigmoid,
    Relu,
}
