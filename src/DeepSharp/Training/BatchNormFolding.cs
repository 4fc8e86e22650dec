using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>
/// Inference with BatchNormalization folded into the Conv2D or Dense before it, as the ONNX export
/// does (Serialization/Onnx/OnnxNormalizationRules.cs): with s = γ/√(var+ε) and t = β − mean·s per
/// channel, BN(x·W + b) = x·(W·s) + (b·s + t), so one pass over the output replaces two.
/// </summary>
/// <remarks>
/// The folded kernel is computed on every call, never cached, so it can never be stale after a
/// training step or SetWeights; it is built only where it pays, when the layer's output has at
/// least as many elements as its kernel (a convolution's output; not a wide Dense at small batch).
/// Folds only when it is exact up to float32 rounding: the producer has a linear activation and
/// no activity regularizer, BN normalises the last axis, and no mask is flowing.
/// </remarks>
internal static class BatchNormFolding
{
    /// <summary>producer → norm on <paramref name="x"/> with the normalisation folded in; null when it does not apply.</summary>
    internal static Tensor? TryFolded(Layer producer, Layer next, Tensor x)
    {
        if (next is not BatchNormalization bn || !bn.IsBuilt || !producer.IsBuilt) return null;
        if (bn.ActivityRegularizer is not null || producer.ActivityRegularizer is not null) return null;
        if (bn.Axis != -1 && bn.Axis != x.Rank - 1) return null;
        switch (producer)
        {
            case Conv2D conv when conv.Activation == Activation.Linear && x.Rank == 4 && x.Shape[3] == Weight(conv, "kernel").Shape[2]:
                {
                    var kernel = Weight(conv, "kernel");
                    var outShape = conv.ComputeOutputShape(x.Shape.WithoutBatch());
                    if ((long)x.Shape[0] * outShape.Size < kernel.Size) return null;
                    var (w, b) = Fold(kernel, conv.UseBias ? Weight(conv, "bias") : null, bn);
                    return Ops.Conv2D(x, w, b, conv.Strides, conv.Padding == Padding.Same, conv.DilationRate);
                }
            case Dense dense when dense.Activation == Activation.Linear && x.Rank == 2 && x.Shape[1] == Weight(dense, "kernel").Shape[0]:
                {
                    var kernel = Weight(dense, "kernel");
                    if ((long)x.Shape[0] * kernel.Shape[1] < kernel.Size) return null;
                    var (w, b) = Fold(kernel, dense.UseBias ? Weight(dense, "bias") : null, bn);
                    return Ops.Linear(x, w, b);
                }
            default:
                return null;
        }
    }

    /// <summary>W·s (scaled along the kernel's last axis, the output channels) and b·s + t.</summary>
    internal static (Tensor Kernel, Tensor Bias) Fold(Tensor kernel, Tensor? bias, BatchNormalization bn)
    {
        int channels = kernel.Shape[-1];
        var gamma = bn.Scale ? Weight(bn, "gamma").Span : default;
        var beta = bn.Center ? Weight(bn, "beta").Span : default;
        var mean = bn.MovingMean!.Span;
        var variance = bn.MovingVariance!.Span;
        var foldedBias = Tensor.Zeros(new Shape(channels));
        var scale = new float[channels];
        var t = foldedBias.Span;
        for (int c = 0; c < channels; c++)
        {
            float invStd = 1f / MathF.Sqrt(variance[c] + bn.Epsilon); // as BatchNormKernel computes it
            float s = (bn.Scale ? gamma[c] : 1f) * invStd;
            scale[c] = s;
            float b = bias is null ? 0f : bias.Span[c];
            t[c] = (b - mean[c]) * s + (bn.Center ? beta[c] : 0f);
        }
        var foldedKernel = Tensor.Empty(kernel.Shape);
        var src = kernel.Span;
        var dst = foldedKernel.Span;
        for (int i = 0; i < dst.Length; i++) dst[i] = src[i] * scale[i % channels];
        return (foldedKernel, foldedBias);
    }

    private static Tensor Weight(Layer layer, string name)
    {
        foreach (var p in layer.Parameters)
            if (p.Name == name) return p.Value;
        throw new InvalidOperationException($"{layer.TypeName} '{layer.Name}' has no weight '{name}'.");
    }
}
