using DeepSharp.Tensors;

namespace DeepSharp.Metrics;

/// <summary>A streaming metric: update with each batch, read the result, reset per epoch.</summary>
public abstract class Metric
{
    /// <summary>Keras's name, used in logs and history ("accuracy").</summary>
    public abstract string Name { get; }

    public abstract void Update(Tensor yTrue, Tensor yPred);
    public abstract double Result();
    public abstract void Reset();
}
