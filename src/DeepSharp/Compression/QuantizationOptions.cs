namespace DeepSharp.Compression;

/// <summary>Settings of <see cref="Quantization.Quantize(DeepSharp.Training.Model, DeepSharp.Tensors.Tensor, QuantizationOptions?)"/>.</summary>
public sealed record QuantizationOptions
{
    /// <summary>How activation ranges are chosen; MinMax by default.</summary>
    public CalibrationMethod Method { get; init; } = CalibrationMethod.MinMax;

    /// <summary>For <see cref="CalibrationMethod.Percentile"/>: the share of values kept, in (50, 100]; 99.99 by default.</summary>
    public double Percentile { get; init; } = 99.99;

    /// <summary>Calibration samples run through the float model at once; 256 by default.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>
    /// Activation values kept per layer for Percentile and MSE calibration (a uniform random sample
    /// of all observed values; the minimum and maximum are always exact); 1,000,000 by default.
    /// </summary>
    public int MaxValuesPerLayer { get; init; } = 1_000_000;
}
