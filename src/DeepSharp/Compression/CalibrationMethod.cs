namespace DeepSharp.Compression;

/// <summary>How <see cref="Quantization"/> chooses an activation's u8 range from the calibration data.</summary>
public enum CalibrationMethod
{
    /// <summary>The observed minimum and maximum (TensorRT's and ONNX Runtime's MinMax): no value clips.</summary>
    MinMax,
    /// <summary>
    /// The range that keeps <see cref="QuantizationOptions.Percentile"/> % of the values (ONNX
    /// Runtime's Percentile): rare outliers clip, the rest get finer steps.
    /// </summary>
    Percentile,
    /// <summary>The clipping range that minimizes the mean squared quantization error over the observed values.</summary>
    Mse,
    /// <summary>
    /// The clipping threshold whose quantized histogram is nearest the observed one in KL divergence
    /// (TensorRT's entropy calibration): long sparse tails clip, the bulk keeps fine steps.
    /// </summary>
    Entropy,
}
