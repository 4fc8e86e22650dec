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

    /// <summary>
    /// The running totals behind <see cref="Result"/>, so that a checkpoint taken mid-epoch resumes the
    /// epoch's value exactly; null when this metric does not support it (it then restarts from the resumed step).
    /// </summary>
    public virtual double[]? GetState() => null;

    /// <summary>Puts back totals from <see cref="GetState"/>; false when they do not fit this metric.</summary>
    public virtual bool SetState(ReadOnlySpan<double> state) => false;
}
