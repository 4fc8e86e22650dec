using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;
using AttentionKernel = DeepSharp.Kernels.Cpu.Attention;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Scaled dot-product attention over heads, fused (scale, masks, softmax, dropout):
    /// query (B, Tq, H, Dk), key (B, Tk, H, Dk), value (B, Tk, H, Dv) → (B, Tq, H, Dv).
    /// <paramref name="mask"/> (B, Tq, Tk), float32 or int32, lets query i attend to key j where it
    /// is nonzero; <paramref name="causal"/> lets query i see keys j ≤ i + <paramref name="causalOffset"/>.
    /// A query that may see no key gets zeros. <paramref name="scale"/> defaults to 1/√Dk. With
    /// <paramref name="dropoutRate"/> &gt; 0 the probabilities are dropped (inverted dropout, masks from
    /// <paramref name="generator"/>) before they weight the values.
    /// </summary>
    public static Tensor Attention(Tensor query, Tensor key, Tensor value, Tensor? mask = null, bool causal = false,
        float? scale = null, float dropoutRate = 0f, RandomGenerator? generator = null, int causalOffset = 0) =>
        AttentionCore(query, key, value, mask, causal, scale, dropoutRate, generator, causalOffset, keepScores: false).Output;

    /// <summary>
    /// <see cref="Attention"/> that also returns the attention probabilities (B, H, Tq, Tk), before
    /// dropout, as Keras's <c>return_attention_scores</c>. The scores are a copy for inspection:
    /// gradients flow through the output only.
    /// </summary>
    public static (Tensor Output, Tensor Scores) AttentionWithScores(Tensor query, Tensor key, Tensor value, Tensor? mask = null,
        bool causal = false, float? scale = null, float dropoutRate = 0f, RandomGenerator? generator = null, int causalOffset = 0)
    {
        var (output, scores) = AttentionCore(query, key, value, mask, causal, scale, dropoutRate, generator, causalOffset, keepScores: true);
        return (output, scores!);
    }

    private static (Tensor Output, Tensor? Scores) AttentionCore(Tensor query, Tensor key, Tensor value, Tensor? mask, bool causal,
        float? scale, float dropoutRate, RandomGenerator? generator, int causalOffset, bool keepScores)
    {
        var g = AttentionGeometryOf(query, key, value, mask, causal, scale, causalOffset);
        bool record = OpNode.Needed(query, key, value);
        var run = RunAttention(g, query.Span, key.Span, value.Span, mask, dropoutRate, generator, record, keepScores);
        if (record) new AttentionNode(query, key, value, g, run.Probabilities!, run.Dropout).Attach(run.Output);
        return (run.Output, run.Scores);
    }

    /// <summary>
    /// The forward kernel on spans laid out by <paramref name="g"/>: the output (B, Tq, H, Dv), the
    /// probabilities and dropout mask backward needs (when <paramref name="record"/>), and the scores'
    /// copy (when <paramref name="keepScores"/>).
    /// </summary>
    private static (Tensor Output, Tensor? Probabilities, Tensor? Dropout, Tensor? Scores) RunAttention(in AttentionGeometry g,
        ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value, Tensor? mask, float dropoutRate,
        RandomGenerator? generator, bool record, bool keepScores)
    {
        if (!(dropoutRate >= 0f && dropoutRate < 1f))
            throw new ArgumentOutOfRangeException(nameof(dropoutRate), dropoutRate, "Attention dropout rate must be in [0, 1).");
        var probabilities = record || keepScores ? Tensor.Temp(new Shape(g.Batch, g.Heads, g.QueryLength, g.KeyLength)) : null;
        Tensor? drop = null;
        if (dropoutRate > 0f)
        {
            if (generator is null) throw new ArgumentNullException(nameof(generator), "Attention dropout needs a random generator.");
            drop = Tensor.Temp(new Shape(g.Batch, g.Heads, g.QueryLength, g.KeyLength));
            var m = drop.Span;
            float keep = 1f / (1f - dropoutRate);
            for (int i = 0; i < m.Length; i++) m[i] = generator.NextFloat() >= dropoutRate ? keep : 0f;
        }
        var floatMask = mask is null ? null : FloatMask(mask);
        var output = Tensor.Temp(new Shape(g.Batch, g.QueryLength, g.Heads, g.ValueDim));
        AttentionKernel.Forward(g, query, key, value, floatMask is null ? default : floatMask.Span,
            drop is null ? default : drop.Span, probabilities is null ? default : probabilities.Span, output.Span);
        Tensor? scores = null;
        if (keepScores)
        {
            scores = probabilities!;
            if (record)
            {
                scores = probabilities!.TempLike();
                probabilities.Span.CopyTo(scores.Span);
            }
        }
        return (output, probabilities, drop, scores);
    }

    private static AttentionGeometry AttentionGeometryOf(Tensor q, Tensor k, Tensor v, Tensor? mask, bool causal, float? scale, int causalOffset)
    {
        if (q.Rank != 4 || k.Rank != 4 || v.Rank != 4 || q.DType != DType.Float32 || k.DType != DType.Float32 || v.DType != DType.Float32)
            throw new ShapeMismatchException(
                $"Attention needs float32 query (B, Tq, H, Dk), key (B, Tk, H, Dk) and value (B, Tk, H, Dv); got {q.Shape}, {k.Shape}, {v.Shape}.");
        int b = q.Shape[0], tq = q.Shape[1], h = q.Shape[2], dk = q.Shape[3], tk = k.Shape[1], dv = v.Shape[3];
        if (k.Shape[0] != b || v.Shape[0] != b || k.Shape[2] != h || v.Shape[2] != h || k.Shape[3] != dk || v.Shape[1] != tk)
            throw new ShapeMismatchException(
                $"Attention needs query (B, Tq, H, Dk), key (B, Tk, H, Dk) and value (B, Tk, H, Dv) that agree; got {q.Shape}, {k.Shape}, {v.Shape}.");
        if (mask is not null && (mask.Rank != 3 || mask.Shape[0] != b || mask.Shape[1] != tq || mask.Shape[2] != tk))
            throw new ShapeMismatchException($"Attention mask must be (batch, Tq, Tk) = ({b}, {tq}, {tk}); got {mask.Shape}.");
        if (causalOffset < 0) throw new ArgumentOutOfRangeException(nameof(causalOffset), causalOffset, "Attention causal offset must be non-negative.");
        return new AttentionGeometry(b, h, tq, tk, dk, dv, scale ?? 1f / MathF.Sqrt(Math.Max(dk, 1)), causal, causalOffset);
    }

    /// <summary>The mask as float32 (nonzero: may attend).</summary>
    private static Tensor FloatMask(Tensor mask)
    {
        if (mask.DType == DType.Float32) return mask;
        var f = Tensor.Temp(mask.Shape);
        var src = mask.IntSpan;
        var dst = f.Span;
        for (int i = 0; i < src.Length; i++) dst[i] = src[i] != 0 ? 1f : 0f;
        return f;
    }

    private sealed class AttentionNode(Tensor query, Tensor key, Tensor value, AttentionGeometry geometry, Tensor probabilities, Tensor? dropout)
        : OpNode(query, key, value)
    {
        public override string Name => "Attention";

        public override void Backward(Tensor output, Tensor dy)
        {
            // Fresh gradients (Q, K, V are projections' outputs) are written by the kernel, each batch
            // element's rows cleared inside its parallel item, rather than zero-filled here on one thread.
            // A second input that is the first's tensor gets the first's buffer to add into, so then the
            // fresh ones are cleared here and everything is added.
            var dq = GradForWrite(0, out bool addQ);
            var dk = GradForWrite(1, out bool addK);
            var dv = GradForWrite(2, out bool addV);
            bool overwrite = (dq is null || !addQ) && (dk is null || !addK) && (dv is null || !addV);
            if (!overwrite)
            {
                if (dq is not null && !addQ) dq.Span.Clear();
                if (dk is not null && !addK) dk.Span.Clear();
                if (dv is not null && !addV) dv.Span.Clear();
            }
            AttentionKernel.Backward(geometry, query.Span, key.Span, value.Span, dropout is null ? default : dropout.Span,
                probabilities.Span, dy.Span, dq is null ? default : dq.Span, dk is null ? default : dk.Span, dv is null ? default : dv.Span,
                overwrite);
        }
    }
}
