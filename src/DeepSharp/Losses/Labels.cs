using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>Integer label handling shared by sparse losses and metrics.</summary>
public static class Labels
{
    /// <summary>
    /// Labels as an int32 tensor (batch,): accepts int32 or whole-number float32 tensors of shape
    /// (batch,) or (batch, 1), and checks each label is in [0, classes).
    /// </summary>
    public static Tensor AsInt32(Tensor labels, int classes, string user)
    {
        bool shapeOk = labels.Rank == 1 || (labels.Rank == 2 && labels.Shape[1] == 1);
        if (!shapeOk)
            throw new ShapeMismatchException($"{user} needs integer labels of shape (batch,) or (batch, 1); got {labels.Shape}.");
        int n = labels.Shape[0];
        Tensor result;
        if (labels.DType == DType.Int32)
        {
            result = labels.View(n);
        }
        else
        {
            result = Tensor.IntTemp(new Shape(n));
            var src = labels.Span;
            var dst = result.IntSpan;
            for (int i = 0; i < n; i++)
            {
                float v = src[i];
                if (v != MathF.Floor(v)) throw new DeepSharpException($"{user}: label {v} at row {i} is not a whole number.");
                dst[i] = (int)v;
            }
        }
        var ints = result.IntSpan;
        for (int i = 0; i < n; i++)
            if ((uint)ints[i] >= (uint)classes)
                throw new DeepSharpException($"{user}: label {ints[i]} at row {i} is outside [0, {classes}).");
        return result;
    }

    /// <summary>One-hot float32 rows (batch, classes) from int32 labels.</summary>
    public static Tensor OneHot(Tensor labels, int classes)
    {
        var ints = labels.IntSpan;
        var result = Tensor.Temp(new Shape(ints.Length, classes), clear: true);
        var span = result.Span;
        for (int i = 0; i < ints.Length; i++) span[i * classes + ints[i]] = 1f;
        return result;
    }

    /// <summary>
    /// Keras's label smoothing: t·(1 − amount) + amount·share, with share = 1/classes for categorical
    /// targets and ½ for binary ones. Returns the targets unchanged when amount is 0.
    /// </summary>
    public static Tensor Smooth(Tensor targets, float amount, float share)
    {
        if (amount == 0f) return targets;
        var result = Tensor.Temp(targets.Shape);
        var src = targets.Span;
        var dst = result.Span;
        for (int i = 0; i < src.Length; i++) dst[i] = src[i] * (1f - amount) + amount * share;
        return result;
    }

    internal static float CheckSmoothing(float labelSmoothing) =>
        labelSmoothing is >= 0f and <= 1f ? labelSmoothing
        : throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "labelSmoothing must be in [0, 1].");
}
