using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;
using AttentionKernel = DeepSharp.Kernels.Cpu.Attention;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Self-attention on query, key and value packed side by side in one tensor, as one projection
    /// to H·(2Dk + Dv) features makes them: <paramref name="qkv"/> (B, T, H·(2Dk + Dv)) holds the
    /// query (B, T, H, Dk) in its first H·Dk columns, the key in the next H·Dk and the value
    /// (B, T, H, Dv) in the last H·Dv. The same values as <see cref="Attention"/> on the three slices
    /// (the kernels read them in place, with a row stride of H·(2Dk + Dv)), and the gradient of
    /// <paramref name="qkv"/> is the three gradients side by side, so the projection's backward is one
    /// product. Masks, causal offset, scale and dropout as <see cref="Attention"/>.
    /// </summary>
    public static Tensor PackedAttention(Tensor qkv, int heads, int keyDim, int valueDim, Tensor? mask = null, bool causal = false,
        float? scale = null, float dropoutRate = 0f, RandomGenerator? generator = null, int causalOffset = 0) =>
        PackedAttentionCore(qkv, heads, keyDim, valueDim, mask, causal, scale, dropoutRate, generator, causalOffset, keepScores: false).Output;

    /// <summary><see cref="PackedAttention"/> that also returns the probabilities (B, H, T, T) before dropout, as <see cref="AttentionWithScores"/>.</summary>
    public static (Tensor Output, Tensor Scores) PackedAttentionWithScores(Tensor qkv, int heads, int keyDim, int valueDim, Tensor? mask = null,
        bool causal = false, float? scale = null, float dropoutRate = 0f, RandomGenerator? generator = null, int causalOffset = 0)
    {
        var (output, scores) = PackedAttentionCore(qkv, heads, keyDim, valueDim, mask, causal, scale, dropoutRate, generator, causalOffset, keepScores: true);
        return (output, scores!);
    }

    private static (Tensor Output, Tensor? Scores) PackedAttentionCore(Tensor qkv, int heads, int keyDim, int valueDim, Tensor? mask, bool causal,
        float? scale, float dropoutRate, RandomGenerator? generator, int causalOffset, bool keepScores)
    {
        ArgumentNullException.ThrowIfNull(qkv);
        if (heads <= 0 || keyDim <= 0 || valueDim <= 0)
            throw new ArgumentOutOfRangeException(nameof(heads), $"PackedAttention needs positive heads, keyDim and valueDim; got {heads}, {keyDim}, {valueDim}.");
        long width = (long)heads * (2L * keyDim + valueDim);
        if (qkv.Rank != 3 || qkv.DType != DType.Float32 || qkv.Shape[2] != width)
            throw new ShapeMismatchException(
                $"PackedAttention needs float32 qkv (B, T, H·(2Dk + Dv)) = (B, T, {width}) for H {heads}, Dk {keyDim}, Dv {valueDim}; got {qkv.DType} {qkv.Shape}.");
        int b = qkv.Shape[0], t = qkv.Shape[1], ld = (int)width, keyAt = heads * keyDim, valueAt = 2 * heads * keyDim;
        if (mask is not null && (mask.Rank != 3 || mask.Shape[0] != b || mask.Shape[1] != t || mask.Shape[2] != t))
            throw new ShapeMismatchException($"PackedAttention mask must be (batch, T, T) = ({b}, {t}, {t}); got {mask.Shape}.");
        if (causalOffset < 0) throw new ArgumentOutOfRangeException(nameof(causalOffset), causalOffset, "Attention causal offset must be non-negative.");
        var g = new AttentionGeometry(b, heads, t, t, keyDim, valueDim, scale ?? 1f / MathF.Sqrt(keyDim), causal, causalOffset,
            QueryStride: ld, KeyStride: ld, ValueStride: ld);
        bool record = OpNode.Needed(qkv);
        var all = qkv.Span;
        var run = RunAttention(g, all, Columns(all, keyAt), Columns(all, valueAt), mask, dropoutRate, generator, record, keepScores);
        if (record) new PackedAttentionNode(qkv, g, run.Probabilities!, run.Dropout).Attach(run.Output);
        return (run.Output, run.Scores);
    }

    /// <summary>The packed rows from column <paramref name="at"/> on (empty when there are no rows).</summary>
    private static Span<float> Columns(Span<float> all, int at) => all.IsEmpty ? default : all[at..];

    private sealed class PackedAttentionNode(Tensor qkv, AttentionGeometry geometry, Tensor probabilities, Tensor? dropout) : OpNode(qkv)
    {
        public override string Name => "PackedAttention";

        public override void Backward(Tensor output, Tensor dy)
        {
            // A fresh gradient (qkv is a projection's output) is written, not zero-filled and added to:
            // its Q, K and V columns cover every float of it.
            if (GradForWrite(0, out bool accumulate) is not { } grad) return;
            int keyAt = geometry.Heads * geometry.KeyDim, valueAt = 2 * keyAt;
            Span<float> all = qkv.Span, d = grad.Span;
            AttentionKernel.Backward(geometry, all, Columns(all, keyAt), Columns(all, valueAt), dropout is null ? default : dropout.Span,
                probabilities.Span, dy.Span, d, Columns(d, keyAt), Columns(d, valueAt), overwrite: !accumulate);
        }
    }
}
