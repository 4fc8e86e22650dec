using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// Attention with row strides (<see cref="AttentionGeometry.QueryStride"/>, <c>KeyStride</c>,
/// <c>ValueStride</c>): Q, K, V and their gradients read and written in place from wider rows, as a
/// self-attention's one Q|K|V projection lays them out. Against the twin on the same strides, against
/// the packed call bit for bit (the strides only move where rows start), the floats between the heads'
/// columns never touched, one buffer holding all three side by side, and the same bits at 1, 2 and 3 threads.
/// </summary>
public static class AttentionStrideChecks
{
    /// <summary>Shapes on both paths (AttentionSmallHeads on 512-bit CPUs: D multiples of 16, no mask or dropout; the general path otherwise).</summary>
    private static readonly (AttentionGeometry G, bool Mask, bool Dropout)[] Shapes =
    [
        (new AttentionGeometry(2, 4, 64, 64, 32, 32, 0.18f, Causal: true), false, false),
        (new AttentionGeometry(3, 2, 17, 17, 16, 32, 0.25f, Causal: true), false, false),
        (new AttentionGeometry(1, 3, 65, 70, 16, 16, 0.2f), false, false),
        (new AttentionGeometry(2, 3, 13, 13, 5, 7, 0.4f, Causal: true), true, false),
        (new AttentionGeometry(2, 2, 9, 11, 8, 3, 0.35f, Causal: true, CausalOffset: 2), true, true),
        (new AttentionGeometry(1, 1, 1, 1, 1, 1, 1f), false, false),
        (new AttentionGeometry(0, 2, 5, 5, 4, 4, 0.5f), false, false),
        (new AttentionGeometry(2, 2, 0, 5, 4, 4, 0.5f), false, false),
        (new AttentionGeometry(2, 2, 130, 130, 8, 8, 0.3f, Causal: true), false, true),
    ];

    /// <summary>Separate Q, K, V buffers with their own padding between rows (3, 1 and 5 floats).</summary>
    public static void SeparateStridesMatchTwinAndPacked()
    {
        int seed = 700;
        foreach (var (g, mask, dropout) in Shapes)
        {
            var s = g with { QueryStride = g.Heads * g.KeyDim + 3, KeyStride = g.Heads * g.KeyDim + 1, ValueStride = g.Heads * g.ValueDim + 5 };
            CompareStrided(g, s, mask, dropout, seed++, fused: false);
        }
    }

    /// <summary>One (B·T, H·(2Dk + Dv)) buffer holding Q | K | V side by side, gradients likewise (self-attention).</summary>
    public static void OneBufferMatchesTwinAndPacked()
    {
        int seed = 800;
        foreach (var (g, mask, dropout) in Shapes)
        {
            if (g.QueryLength != g.KeyLength) continue;
            int ld = g.Heads * (2 * g.KeyDim + g.ValueDim);
            CompareStrided(g, g with { QueryStride = ld, KeyStride = ld, ValueStride = ld }, mask, dropout, seed++, fused: true);
        }
    }

    public static void StridedThreadCountDoesNotChangeBits()
    {
        foreach (var g in new[] { new AttentionGeometry(4, 4, 64, 64, 32, 32, 0.18f, Causal: true), new AttentionGeometry(2, 3, 40, 40, 8, 8, 0.3f, Causal: true) })
        {
            int ld = g.Heads * (2 * g.KeyDim + g.ValueDim);
            var s = g with { QueryStride = ld, KeyStride = ld, ValueStride = ld };
            var x = Operands(g, s, mask: false, dropout: false, 900, fused: true);
            var first = ThreadCounts.With(1, () => Run(s, x, naive: false));
            foreach (int threads in new[] { 2, 3 })
            {
                var r = ThreadCounts.With(threads, () => Run(s, x, naive: false));
                Check.Equal<float>(first.O, r.O, $"Attention {s} output: threads 1 vs {threads}");
                Check.Equal<float>(first.Dq, r.Dq, $"Attention {s} dQ|dK|dV: threads 1 vs {threads}");
            }
        }
    }

    public static void BadStridesThrow()
    {
        var g = new AttentionGeometry(2, 2, 3, 3, 4, 4, 1f);
        var buffer = new float[200];
        var o = new float[g.OutputSize];
        foreach (var bad in new[] { g with { QueryStride = 7 }, g with { KeyStride = -1 }, g with { ValueStride = 1 } })
        {
            try
            {
                Attention.Forward(bad, buffer, buffer, buffer, default, default, default, o);
            }
            catch (ArgumentOutOfRangeException e) when (e.Message.Contains("row strides", StringComparison.Ordinal))
            {
                continue;
            }
            throw new CheckFailedException($"Attention {bad}: no ArgumentOutOfRangeException naming the row strides");
        }
        var wide = g with { QueryStride = 20 };
        try
        {
            Attention.Forward(wide, new float[wide.QuerySize - 1], new float[g.KeySize], new float[g.ValueSize], default, default, default, o);
        }
        catch (ArgumentException e) when (e.Message.Contains($"query holds {wide.QuerySize - 1}", StringComparison.Ordinal))
        {
            return;
        }
        throw new CheckFailedException($"Attention {wide}: a query one float short of (rows − 1)·stride + H·Dk was not refused");
    }

    private sealed record Strided(float[] Q, float[] K, float[] V, int KeyAt, int ValueAt, float[] Mask, float[] Dropout, float[] DO,
        float[] Dq, float[] Dk, float[] Dv, float[] PackedQ, float[] PackedK, float[] PackedV, float[] PackedDq, float[] PackedDk, float[] PackedDv);

    /// <summary>
    /// Packed operands for <paramref name="g"/> and the same values laid out by <paramref name="s"/>, the
    /// floats between rows filled with other values; <paramref name="fused"/>: Q, K, V (and dQ, dK, dV)
    /// in one buffer each, K from column H·Dk, V from 2·H·Dk.
    /// </summary>
    private static Strided Operands(in AttentionGeometry g, in AttentionGeometry s, bool mask, bool dropout, int seed, bool fused)
    {
        var (q, k, v) = (Check.Random((int)g.QuerySize, seed), Check.Random((int)g.KeySize, seed + 1), Check.Random((int)g.ValueSize, seed + 2));
        for (int i = 0; i < q.Length; i++) q[i] *= 3f;
        var (dq, dk, dv) = (Check.Random((int)g.QuerySize, seed + 6), Check.Random((int)g.KeySize, seed + 7), Check.Random((int)g.ValueSize, seed + 8));
        float[] maskValues = [];
        if (mask)
        {
            maskValues = Check.Random((int)g.MaskSize, seed + 3);
            for (int i = 0; i < maskValues.Length; i++) maskValues[i] = maskValues[i] > -0.6f ? 1f : 0f;
        }
        float[] drop = [];
        if (dropout)
        {
            drop = Check.Random((int)g.ProbabilitiesSize, seed + 4);
            for (int i = 0; i < drop.Length; i++) drop[i] = drop[i] > -0.5f ? 1f / 0.75f : 0f;
        }
        int qRows = g.Batch * g.QueryLength, kRows = g.Batch * g.KeyLength, qw = g.Heads * g.KeyDim, vw = g.Heads * g.ValueDim;
        if (fused)
        {
            var x = Check.Random(qRows * s.QueryLd, seed + 10);
            var d = Check.Random(qRows * s.QueryLd, seed + 11);
            Spread(q, qRows, qw, x, 0, s.QueryLd);
            Spread(k, kRows, qw, x, qw, s.KeyLd);
            Spread(v, kRows, vw, x, 2 * qw, s.ValueLd);
            Spread(dq, qRows, qw, d, 0, s.QueryLd);
            Spread(dk, kRows, qw, d, qw, s.KeyLd);
            Spread(dv, kRows, vw, d, 2 * qw, s.ValueLd);
            return new Strided(x, x, x, qw, 2 * qw, maskValues, drop, Check.Random((int)g.OutputSize, seed + 5), d, d, d, q, k, v, dq, dk, dv);
        }
        float[] Wide(float[] packed, int rows, int width, int ld, int fill)
        {
            var wide = Check.Random(Math.Max(0, (int)((rows - 1L) * ld + width)), fill);
            if (rows > 0 && width > 0) Spread(packed, rows, width, wide, 0, ld);
            return rows > 0 && width > 0 ? wide : [];
        }
        return new Strided(Wide(q, qRows, qw, s.QueryLd, seed + 10), Wide(k, kRows, qw, s.KeyLd, seed + 11), Wide(v, kRows, vw, s.ValueLd, seed + 12),
            0, 0, maskValues, drop, Check.Random((int)g.OutputSize, seed + 5),
            Wide(dq, qRows, qw, s.QueryLd, seed + 13), Wide(dk, kRows, qw, s.KeyLd, seed + 14), Wide(dv, kRows, vw, s.ValueLd, seed + 15), q, k, v, dq, dk, dv);
    }

    /// <summary>Copies rows×width packed floats into <paramref name="wide"/> from column <paramref name="at"/>, <paramref name="ld"/> apart.</summary>
    private static void Spread(float[] packed, int rows, int width, float[] wide, int at, int ld)
    {
        for (int r = 0; r < rows; r++) packed.AsSpan(r * width, width).CopyTo(wide.AsSpan(at + r * ld, width));
    }

    /// <summary>The rows×width floats at column <paramref name="at"/>, <paramref name="ld"/> apart, packed.</summary>
    private static float[] Gather(float[] wide, int rows, int width, int at, int ld)
    {
        var packed = new float[rows * width];
        for (int r = 0; r < rows; r++) wide.AsSpan(at + r * ld, width).CopyTo(packed.AsSpan(r * width, width));
        return packed;
    }

    /// <summary>Forward and backward on the strided operands; the gradients' buffers are copies (for the fused case one buffer holds all three).</summary>
    private static (float[] O, float[] P, float[] Dq, float[] Dk, float[] Dv) Run(in AttentionGeometry s, Strided x, bool naive,
        bool overwrite = false, bool zeroFirst = false)
    {
        var p = new float[s.ProbabilitiesSize];
        var o = Check.Random((int)s.OutputSize, 9);
        var dq = (float[])x.Dq.Clone();
        var dk = ReferenceEquals(x.Dk, x.Dq) ? dq : (float[])x.Dk.Clone();
        var dv = ReferenceEquals(x.Dv, x.Dq) ? dq : (float[])x.Dv.Clone();
        if (zeroFirst) // the heads' columns only: the floats between rows keep their values
        {
            int qRows = s.Batch * s.QueryLength, kRows = s.Batch * s.KeyLength, qw = s.Heads * s.KeyDim, vw = s.Heads * s.ValueDim;
            for (int r = 0; r < qRows && qw > 0; r++) dq.AsSpan(r * s.QueryLd, qw).Clear();
            for (int r = 0; r < kRows && qw > 0; r++) dk.AsSpan(x.KeyAt + r * s.KeyLd, qw).Clear();
            for (int r = 0; r < kRows && vw > 0; r++) dv.AsSpan(x.ValueAt + r * s.ValueLd, vw).Clear();
        }
        ReadOnlySpan<float> k = x.K.AsSpan(Math.Min(x.KeyAt, x.K.Length)), v = x.V.AsSpan(Math.Min(x.ValueAt, x.V.Length));
        Span<float> dkAt = dk.AsSpan(Math.Min(x.KeyAt, dk.Length)), dvAt = dv.AsSpan(Math.Min(x.ValueAt, dv.Length));
        if (naive)
        {
            NaiveAttention.Forward(s, x.Q, k, v, x.Mask, x.Dropout, p, o);
            NaiveAttention.Backward(s, x.Q, k, v, x.Dropout, p, x.DO, dq, dkAt, dvAt, overwrite);
        }
        else
        {
            Attention.Forward(s, x.Q, k, v, x.Mask, x.Dropout, p, o);
            Attention.Backward(s, x.Q, k, v, x.Dropout, p, x.DO, dq, dkAt, dvAt, overwrite);
        }
        return (o, p, dq, dk, dv);
    }

    /// <summary>
    /// A backward that writes its gradients: the bits of accumulating into zeroed heads' columns at 1, 2
    /// and 3 threads (by batch element and not), the twin's values, and the floats between rows untouched.
    /// </summary>
    public static void OverwriteIsAccumulatingIntoZeros()
    {
        int seed = 1000;
        foreach (var (g, mask, dropout) in Shapes)
            foreach (bool fused in new[] { false, true })
            {
                if (fused && g.QueryLength != g.KeyLength) continue;
                int ld = g.Heads * (2 * g.KeyDim + g.ValueDim);
                var s = fused
                    ? g with { QueryStride = ld, KeyStride = ld, ValueStride = ld }
                    : g with { QueryStride = g.Heads * g.KeyDim + 2, KeyStride = g.Heads * g.KeyDim + 3, ValueStride = g.Heads * g.ValueDim + 1 };
                var x = Operands(g, s, mask, dropout, seed++, fused);
                string context = $"Attention {s} mask {mask} dropout {dropout}{(fused ? ", one buffer" : "")}, overwrite";
                var zeroed = Run(s, x, naive: false, zeroFirst: true);
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    var written = ThreadCounts.With(threads, () => Run(s, x, naive: false, overwrite: true));
                    Check.Equal<float>(zeroed.Dq, written.Dq, $"{context}: dQ buffer at {threads} threads");
                    Check.Equal<float>(zeroed.Dk, written.Dk, $"{context}: dK buffer at {threads} threads");
                    Check.Equal<float>(zeroed.Dv, written.Dv, $"{context}: dV buffer at {threads} threads");
                }
                var twin = Run(s, x, naive: true, overwrite: true);
                float tol = 8e-6f * (g.KeyLength + g.KeyDim + g.ValueDim + 1);
                Check.Close(twin.Dq, zeroed.Dq, 1e-4f, tol, $"{context}: dQ buffer against the twin");
                Check.Close(twin.Dk, zeroed.Dk, 1e-4f, tol, $"{context}: dK buffer against the twin");
                Check.Close(twin.Dv, zeroed.Dv, 1e-4f, tol, $"{context}: dV buffer against the twin");
                if (!fused)
                {
                    int qRows = g.Batch * g.QueryLength, kRows = g.Batch * g.KeyLength;
                    Untouched(x.Dq, zeroed.Dq, qRows, g.Heads * g.KeyDim, s.QueryLd, $"{context}: dQ");
                    Untouched(x.Dk, zeroed.Dk, kRows, g.Heads * g.KeyDim, s.KeyLd, $"{context}: dK");
                    Untouched(x.Dv, zeroed.Dv, kRows, g.Heads * g.ValueDim, s.ValueLd, $"{context}: dV");
                }
            }
    }

    private static void CompareStrided(in AttentionGeometry g, in AttentionGeometry s, bool mask, bool dropout, int seed, bool fused)
    {
        var x = Operands(g, s, mask, dropout, seed, fused);
        string context = $"Attention {s} mask {mask} dropout {dropout}{(fused ? ", one buffer" : "")}";
        var twin = Run(s, x, naive: true);
        var fast = Run(s, x, naive: false);
        float tol = 2e-6f * (g.KeyLength + g.KeyDim + g.ValueDim + 1);
        Check.Close(twin.P, fast.P, 1e-4f, 1e-6f, $"{context}: probabilities");
        Check.Close(twin.O, fast.O, 1e-4f, tol, $"{context}: output");
        Check.Close(twin.Dq, fast.Dq, 1e-4f, 4 * tol, $"{context}: dQ buffer");
        Check.Close(twin.Dk, fast.Dk, 1e-4f, 4 * tol, $"{context}: dK buffer");
        Check.Close(twin.Dv, fast.Dv, 1e-4f, 4 * tol, $"{context}: dV buffer");

        // The packed call on the same values: the same bits, and the floats between rows untouched.
        var pp = new float[g.ProbabilitiesSize];
        var po = new float[g.OutputSize];
        var (pdq, pdk, pdv) = ((float[])x.PackedDq.Clone(), (float[])x.PackedDk.Clone(), (float[])x.PackedDv.Clone());
        Attention.Forward(g, x.PackedQ, x.PackedK, x.PackedV, x.Mask, x.Dropout, pp, po);
        Attention.Backward(g, x.PackedQ, x.PackedK, x.PackedV, x.Dropout, pp, x.DO, pdq, pdk, pdv);
        Check.Equal<float>(po, fast.O, $"{context}: output against the packed call");
        Check.Equal<float>(pp, fast.P, $"{context}: probabilities against the packed call");
        int qRows = g.Batch * g.QueryLength, kRows = g.Batch * g.KeyLength, qw = g.Heads * g.KeyDim, vw = g.Heads * g.ValueDim;
        if (qRows == 0 || qw == 0) return;
        Check.Equal<float>(pdq, Gather(fast.Dq, qRows, qw, 0, s.QueryLd), $"{context}: dQ against the packed call");
        Check.Equal<float>(pdk, Gather(fast.Dk, kRows, qw, x.KeyAt, s.KeyLd), $"{context}: dK against the packed call");
        Check.Equal<float>(pdv, Gather(fast.Dv, kRows, vw, x.ValueAt, s.ValueLd), $"{context}: dV against the packed call");
        if (!fused)
        {
            Untouched(x.Dq, fast.Dq, qRows, qw, s.QueryLd, $"{context}: dQ");
            Untouched(x.Dk, fast.Dk, kRows, qw, s.KeyLd, $"{context}: dK");
            Untouched(x.Dv, fast.Dv, kRows, vw, s.ValueLd, $"{context}: dV");
        }
    }

    /// <summary>The floats after each row's <paramref name="width"/> columns up to the next row keep their values.</summary>
    private static void Untouched(float[] before, float[] after, int rows, int width, int ld, string context)
    {
        for (int r = 0; r + 1 < rows; r++)
            for (int c = width; c < ld; c++)
                if (BitConverter.SingleToInt32Bits(before[r * ld + c]) != BitConverter.SingleToInt32Bits(after[r * ld + c]))
                    throw new CheckFailedException($"{context}: float {c} of row {r}, between the heads' columns, changed from {before[r * ld + c]} to {after[r * ld + c]}");
    }
}
