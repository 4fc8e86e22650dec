using DeepSharp.Metrics;

namespace DeepSharp.Training;

/// <summary>How Fit and Evaluate feed a compiled metric.</summary>
internal enum MetricRole
{
    /// <summary>From <c>metrics</c>: updated without sample weights (Keras's <c>metrics</c>).</summary>
    Plain,

    /// <summary>From <c>weightedMetrics</c>: updated with the sample weights, class weights included (Keras's <c>weighted_metrics</c>).</summary>
    Weighted,

    /// <summary>A model with several outputs: one output's loss, before its loss weight (an <see cref="OutputLossMean"/>).</summary>
    OutputLoss,
}

/// <summary>One value in the logs: its name there ("accuracy", "out1_accuracy", "out1_loss"), the metric, the output it reads and its role.</summary>
internal sealed record CompiledMetric(string LogName, Metric Metric, int Output, MetricRole Role);
