using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>
/// The running mean of one output's loss in a model with several outputs, logged as
/// "{output}_loss" (Keras's per-output loss trackers): the loss before its loss weight, each batch
/// counting with its number of samples, like the total "loss".
/// </summary>
internal sealed class OutputLossMean(Loss loss, string name) : Metric
{
    private double _sum, _count;

    public override string Name => name;

    /// <summary>Adds a batch's loss value computed elsewhere (by the training step).</summary>
    public void Add(double value, int samples)
    {
        _sum += value * samples;
        _count += samples;
    }

    /// <summary>Computes the output's loss on the batch and adds it.</summary>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight) =>
        Add(loss.Compute(yTrue, yPred, sampleWeight).Item(), yPred.Shape[0]);

    public override double Result() => _count == 0 ? double.NaN : _sum / _count;

    public override void Reset() => (_sum, _count) = (0, 0);

    public override double[]? GetState() => [_sum, _count];

    public override bool SetState(ReadOnlySpan<double> state)
    {
        if (state.Length != 2 || !IsTotal(state[0]) || !(state[1] >= 0 && double.IsFinite(state[1]))) return false;
        (_sum, _count) = (state[0], state[1]);
        return true;
    }
}
