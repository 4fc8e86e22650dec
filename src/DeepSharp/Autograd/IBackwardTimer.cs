using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

/// <summary>
/// Runs one backward rule and records how long it took; installed through <see cref="Backprop.Timer"/>
/// by a profiler (the bench's training-step profile), never in ordinary training.
/// </summary>
internal interface IBackwardTimer
{
    /// <summary>Runs <c>fn.Backward(output, outputGrad)</c>, timing it.</summary>
    void Run(IGradFunction fn, Tensor output, Tensor outputGrad);
}
