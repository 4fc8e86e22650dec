namespace DeepSharp.Training;

/// <summary>A sample-weighted running mean (Keras's Mean metric for the loss); checkpoints keep its totals.</summary>
internal sealed class RunningMean(double sum = 0, long count = 0)
{
    public double Sum { get; private set; } = sum;
    public long Count { get; private set; } = count;

    public void Add(double value, int weight) { Sum += value * weight; Count += weight; }

    public double Value => Count == 0 ? double.NaN : Sum / Count;
}
