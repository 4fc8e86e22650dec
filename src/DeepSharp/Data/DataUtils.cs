using DeepSharp.Tensors;

namespace DeepSharp.Data;

/// <summary>Data helpers, as keras.utils.</summary>
public static class DataUtils
{
    /// <summary>
    /// One-hot float32 rows (N, classes) from integer labels (N,) — int32, or float32 holding whole
    /// numbers. A label outside [0, classes) throws, naming its position.
    /// </summary>
    public static Tensor ToCategorical(Tensor labels, int classes)
    {
        if (classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), classes, "classes must be positive.");
        if (labels.Rank != 1 && !(labels.Rank == 2 && labels.Shape[1] == 1))
            throw new ShapeMismatchException($"ToCategorical needs labels of shape (N,) or (N, 1); got {labels.Shape}.");
        int n = labels.Shape[0];
        var result = Tensor.Zeros(n, classes);
        var span = result.Span;
        for (int i = 0; i < n; i++)
        {
            float value = labels.DType == DType.Int32 ? labels.IntSpan[i] : labels.Span[i];
            if (value != MathF.Floor(value) || value < 0 || value >= classes)
                throw new DeepSharpException($"ToCategorical: label {value} at position {i} is not a class in [0, {classes}).");
            span[i * classes + (int)value] = 1f;
        }
        return result;
    }
}
