using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Keras's <c>relu(x, negative_slope, max_value, threshold)</c>: x above <paramref name="threshold"/>
    /// (0 below it), clipped to [0, <paramref name="maxValue"/>] when a maximum is given, plus
    /// <paramref name="negativeSlope"/>·(x − threshold) below the threshold.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is not finite, or the slope or maximum is negative.</exception>
    public static Tensor Relu(Tensor x, float negativeSlope, float? maxValue, float threshold)
    {
        if (!(float.IsFinite(negativeSlope) && negativeSlope >= 0f))
            throw new ArgumentOutOfRangeException(nameof(negativeSlope), negativeSlope, "ReLU negative_slope must be a finite number ≥ 0.");
        if (maxValue is { } max && !(float.IsFinite(max) && max >= 0f))
            throw new ArgumentOutOfRangeException(nameof(maxValue), max, "ReLU max_value must be a finite number ≥ 0 (or null for none).");
        if (!float.IsFinite(threshold))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "ReLU threshold must be a finite number.");
        var p = GeneralizedReluParameters.Create(negativeSlope, maxValue, threshold);
        var y = x.TempLike();
        GeneralizedRelu.Forward(x.Span, y.Span, p);
        return OpNode.Needed(x) ? new GeneralizedReluNode(x, p).Attach(y) : y;
    }

    private sealed class GeneralizedReluNode(Tensor x, GeneralizedReluParameters p) : OpNode(x)
    {
        public override string Name => "GeneralizedRelu";
        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is { } dx) GeneralizedRelu.Backward(x.Span, dy.Span, dx.Span, p);
        }
    }
}
