namespace DeepSharp.Metrics;

/// <summary>
/// √(Σ wᵢ·mseᵢ / Σ wᵢ), mseᵢ the mean of (y_pred − y_true)² over sample i's last axis (Keras's RootMeanSquaredError:
/// the root of the streaming mean, not the mean of per-batch roots).
/// </summary>
public sealed class RootMeanSquaredError : RowMetric
{
    /// <inheritdoc/>
    public override string Name => "root_mean_squared_error";
    /// <inheritdoc/>
    protected override bool PairsElements => true;

    /// <summary>The mean of (y_pred − y_true)² over the sample's last axis.</summary>
    protected override double Score(Tensors.Tensor yTrue, int row, ReadOnlySpan<float> p)
    {
        var t = TargetRow(yTrue, row);
        double s = 0;
        for (int i = 0; i < p.Length; i++) s += ((double)p[i] - t[i]) * ((double)p[i] - t[i]);
        return s / p.Length;
    }

    /// <summary>The root of the weighted mean squared error; 0 while the weights sum to 0.</summary>
    public override double Result() => Math.Sqrt(base.Result());
}

/// <summary>
/// Mean over samples of the mean over the last axis of log(cosh(y_pred − y_true)) (Keras's LogCoshError, logged as
/// "logcosh"): about x²/2 for small errors and |x| − log 2 for large ones, computed as
/// |x| + log(1 + e^(−2|x|)) − log 2 so that large errors do not overflow.
/// </summary>
public sealed class LogCoshError : RowMetric
{
    /// <inheritdoc/>
    public override string Name => "logcosh";
    /// <inheritdoc/>
    protected override bool PairsElements => true;

    /// <summary>The mean of log(cosh(y_pred − y_true)) over the sample's last axis.</summary>
    protected override double Score(Tensors.Tensor yTrue, int row, ReadOnlySpan<float> p)
    {
        var t = TargetRow(yTrue, row);
        double s = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double x = Math.Abs((double)p[i] - t[i]);
            s += x + Math.Log(1 + Math.Exp(-2 * x)) - Math.Log(2);
        }
        return s / p.Length;
    }
}
