using DeepSharp.Metrics;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>Turns Fit's classWeight (class → weight) into per-sample weights, as Keras does.</summary>
internal static class ClassWeights
{
    /// <summary>
    /// Each sample's weight is its class's (1 for classes not listed), times its sample weight if
    /// any. The class is the argmax of one-hot rows, the label of (batch,) or (batch, 1) integer
    /// targets, or the rounded value of a single binary column.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The sample weights are per position (batch, time): Keras has no class weights for them either.</exception>
    public static Tensor Apply(Tensor y, IReadOnlyDictionary<int, float> classWeight, Tensor? sampleWeight)
    {
        int n = y.Shape[0];
        if (sampleWeight is not null && sampleWeight.Size != n)
            throw new ShapeMismatchException($"Fit: classWeight needs sample weights of one float per sample ({n}); got {sampleWeight.Shape}. " +
                "Fold the class weights into the per-position weights instead.");
        int cols = n == 0 ? 1 : y.Size / n;
        var weights = Tensor.Temp(new Shape(n));
        var w = weights.Span;
        for (int i = 0; i < n; i++)
        {
            int cls = cols > 1 ? Accuracy.ArgMax(y.Span.Slice(i * cols, cols))
                : y.DType == DType.Int32 ? y.IntSpan[i] : (int)MathF.Round(y.Span[i]);
            w[i] = classWeight.TryGetValue(cls, out float cw) ? cw : 1f;
            if (sampleWeight is not null) w[i] *= sampleWeight.Span[i];
        }
        return weights;
    }
}
