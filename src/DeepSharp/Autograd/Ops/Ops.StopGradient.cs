using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// <paramref name="x"/>'s values with no gradient flowing back through them (Keras's <c>ops.stop_gradient</c>,
    /// torch's <c>detach()</c>): a view over the same memory, recorded by no graph (<see cref="Tensor.Detach"/>).
    /// </summary>
    public static Tensor StopGradient(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return x.Detach();
    }
}
