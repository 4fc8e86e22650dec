using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// Fused attention against its twin: forward (probabilities and output) and backward (accumulated
/// dQ, dK, dV) over awkward sizes, with padding masks (some rows fully masked), causal masks with
/// and without an offset, dropout masks, and across thread counts.
/// </summary>
public static class AttentionChecks
{
    public static void KeyLengthsMatchTwin()
    {
        int seed = 0;
        foreach (int tk in Check.AwkwardSizes)
            foreach (int tq in new[] { 1, 3, 17 })
                Compare(new AttentionGeometry(2, 2, tq, tk, 5, 3, 0.7f, Causal: seed % 3 == 0, CausalOffset: seed % 2 * tk), seed % 2 == 0, seed++ % 4 == 1, seed);
    }

    public static void HeadSizesMatchTwin()
    {
        int seed = 100;
        foreach (int d in Check.AwkwardSizes)
        {
            Compare(new AttentionGeometry(1, 3, 7, 9, d, 4, 1f / MathF.Sqrt(Math.Max(d, 1))), mask: true, dropout: false, seed++);
            Compare(new AttentionGeometry(2, 1, 5, 6, 3, d, 0.5f, Causal: true), mask: false, dropout: seed % 2 == 0, seed++);
        }
    }

    public static void BatchesAndHeadsMatchTwin()
    {
        int seed = 200;
        foreach (int b in new[] { 0, 1, 2, 3 })
            foreach (int h in new[] { 0, 1, 2, 5 })
                foreach (int tq in new[] { 0, 1, 8, 13 })
                {
                    int tk = tq == 0 ? 4 : tq;
                    Compare(new AttentionGeometry(b, h, tq, tk, 8, 8, 0.35f, Causal: seed % 2 == 0), mask: seed % 3 == 0, dropout: seed % 5 == 0, seed++);
                }
    }

    public static void LongSequencesMatchTwin()
    {
        Compare(new AttentionGeometry(2, 4, 65, 65, 16, 16, 0.25f, Causal: true), mask: true, dropout: false, 300);
        Compare(new AttentionGeometry(1, 2, 33, 131, 32, 17, 0.18f), mask: true, dropout: true, 301);
        // Several 64-row blocks, causal with an offset (a cache of 10 keys before the queries).
        Compare(new AttentionGeometry(1, 2, 130, 140, 8, 5, 0.3f, Causal: true, CausalOffset: 10), mask: true, dropout: true, 302);
        Compare(new AttentionGeometry(2, 1, 129, 129, 3, 7, 0.5f, Causal: true), mask: false, dropout: false, 303);
    }

    /// <summary>
    /// Heads that AttentionSmallHeads takes on 512-bit CPUs (no padding mask or dropout, Dk and Dv
    /// multiples of 16), causal with and without an offset or not, against the twin; a backward from
    /// probabilities that a padding mask shaped; and the same bits at 1, 2 and 3 threads. Without
    /// AVX-512 the same calls check the general path.
    /// </summary>
    public static void SmallHeadsMatchTwin()
    {
        int seed = 600;
        foreach (int tk in new[] { 1, 2, 15, 16, 17, 31, 33, 64, 65, 97, 131 })
            foreach (int tq in new[] { 1, 7, 64, 65 })
            {
                int dk = 16 * (1 + seed % 3), dv = 16 * (1 + seed / 3 % 4);
                var g = new AttentionGeometry(2, 2, tq, tk, dk, dv, 1f / MathF.Sqrt(dk), Causal: seed % 2 == 0,
                    CausalOffset: seed % 4 == 2 ? Math.Max(0, tk - tq) : 0);
                Compare(g, mask: false, dropout: false, seed++);
            }
        Compare(new AttentionGeometry(3, 4, 64, 64, 32, 32, 1f / MathF.Sqrt(32), Causal: true), mask: false, dropout: false, seed++);
        Compare(new AttentionGeometry(2, 3, 40, 40, 16, 32, 0.25f, Causal: true), mask: true, dropout: false, seed++);
        Compare(new AttentionGeometry(1, 2, 130, 140, 16, 16, 0.3f, Causal: true, CausalOffset: 10), mask: false, dropout: false, seed++);
        foreach (var g in new[] { new AttentionGeometry(4, 4, 64, 64, 32, 32, 0.18f, Causal: true), new AttentionGeometry(3, 1, 65, 70, 48, 16, 0.2f) })
        {
            var inputs = Inputs(g, mask: false, dropout: false, seed++);
            var first = ThreadCounts.With(1, () => RunKernel(g, inputs, naive: false));
            foreach (int threads in new[] { 2, 3 })
            {
                var r = ThreadCounts.With(threads, () => RunKernel(g, inputs, naive: false));
                Check.Equal<float>(first.O, r.O, $"Attention {g} output: threads 1 vs {threads}");
                Check.Equal<float>(first.P, r.P, $"Attention {g} probabilities: threads 1 vs {threads}");
                Check.Equal<float>(first.Dq, r.Dq, $"Attention {g} dQ: threads 1 vs {threads}");
                Check.Equal<float>(first.Dk, r.Dk, $"Attention {g} dK: threads 1 vs {threads}");
                Check.Equal<float>(first.Dv, r.Dv, $"Attention {g} dV: threads 1 vs {threads}");
            }
        }
    }

    /// <summary>Rows with every key masked give zero probabilities, zero output and zero gradients — never NaN.</summary>
    public static void FullyMaskedRowsGiveZeros()
    {
        var g = new AttentionGeometry(2, 2, 4, 5, 3, 3, 1f);
        var (q, k, v) = (Check.Random((int)g.QuerySize, 1), Check.Random((int)g.KeySize, 2), Check.Random((int)g.ValueSize, 3));
        var mask = new float[g.MaskSize];
        mask.AsSpan().Fill(1f);
        mask.AsSpan(0, 5).Clear();          // batch 0, query 0 sees nothing
        mask.AsSpan(20 + 3 * 5, 5).Clear(); // batch 1, query 3 sees nothing
        var p = new float[g.ProbabilitiesSize];
        var o = new float[g.OutputSize];
        Attention.Forward(g, q, k, v, mask, default, p, o);
        foreach (float x in o) if (float.IsNaN(x)) throw new CheckFailedException("Attention: NaN in the output of a fully masked row");
        for (int h = 0; h < 2; h++)
        {
            ExpectZero(p.AsSpan(h * 20, 5), $"probabilities, batch 0 head {h} query 0");
            ExpectZero(o.AsSpan(h * 3, 3), $"output, batch 0 query 0 head {h}");
            ExpectZero(p.AsSpan(40 + h * 20 + 15, 5), $"probabilities, batch 1 head {h} query 3");
            ExpectZero(o.AsSpan(24 + 18 + h * 3, 3), $"output, batch 1 query 3 head {h}");
        }
        var dq = new float[g.QuerySize];
        Attention.Backward(g, q, k, v, default, p, Check.Random((int)g.OutputSize, 4), dq, new float[g.KeySize], new float[g.ValueSize]);
        ExpectZero(dq.AsSpan(0, 6), "dQ of batch 0 query 0");
    }

    public static void ThreadCountDoesNotChangeBits()
    {
        foreach (var g in new[]
                 {
                     new AttentionGeometry(3, 4, 17, 17, 8, 8, 0.35f, Causal: true),
                     new AttentionGeometry(1, 1, 64, 80, 64, 64, 0.125f),
                     new AttentionGeometry(2, 3, 128, 128, 32, 32, 0.18f, Causal: true),
                 })
        {
            var inputs = Inputs(g, mask: true, dropout: false, 400);
            (float[] O, float[] P, float[] Dq, float[] Dk, float[] Dv)? first = null;
            foreach (int threads in new[] { 1, 2, 3 })
            {
                var r = ThreadCounts.With(threads, () => RunKernel(g, inputs, naive: false));
                if (first is not { } f) { first = r; continue; }
                Check.Equal<float>(f.O, r.O, $"Attention {g} output: threads 1 vs {threads}");
                Check.Equal<float>(f.P, r.P, $"Attention {g} probabilities: threads 1 vs {threads}");
                Check.Equal<float>(f.Dq, r.Dq, $"Attention {g} dQ: threads 1 vs {threads}");
                Check.Equal<float>(f.Dk, r.Dk, $"Attention {g} dK: threads 1 vs {threads}");
                Check.Equal<float>(f.Dv, r.Dv, $"Attention {g} dV: threads 1 vs {threads}");
            }
        }
    }

    /// <summary>Without a probability buffer (inference) the output is the same as with one.</summary>
    public static void OutputWithoutSavedProbabilitiesIsTheSame()
    {
        var g = new AttentionGeometry(2, 3, 9, 11, 7, 5, 0.4f, Causal: true, CausalOffset: 2);
        var x = Inputs(g, mask: true, dropout: true, 500);
        var withP = new float[g.OutputSize];
        var without = new float[g.OutputSize];
        Attention.Forward(g, x.Q, x.K, x.V, x.Mask, x.Dropout, new float[g.ProbabilitiesSize], withP);
        Attention.Forward(g, x.Q, x.K, x.V, x.Mask, x.Dropout, default, without);
        Check.Equal<float>(withP, without, "Attention output with and without saved probabilities");
    }

    public static void BadArgumentsThrow()
    {
        var g = new AttentionGeometry(2, 2, 3, 4, 5, 6, 1f);
        var (q, k, v, o) = (new float[g.QuerySize], new float[g.KeySize], new float[g.ValueSize], new float[g.OutputSize]);
        Expect(() => Attention.Forward(g, q.AsSpan(1), k, v, default, default, default, o), "query holds 59", "short query");
        Expect(() => Attention.Forward(g, q, k, v, new float[5], default, default, o), "mask holds 5", "short mask");
        Expect(() => Attention.Forward(g, q, k, v, default, default, default, o.AsSpan(2)), "output holds 70", "short output");
        Expect(() => Attention.Forward(g with { Heads = -1 }, q, k, v, default, default, default, o), "H=-1", "negative heads");
        Expect(() => Attention.Backward(g, q, k, v, default, new float[3], o, q, k, v), "probabilities holds 3", "short probabilities");
    }

    private static void ExpectZero(ReadOnlySpan<float> values, string what)
    {
        foreach (float x in values)
            if (x != 0f) throw new CheckFailedException($"Attention: {what} should be 0, got {x}");
    }

    private static void Expect(Action call, string messagePart, string context)
    {
        try
        {
            call();
        }
        catch (ArgumentException e)
        {
            if (!e.Message.Contains(messagePart, StringComparison.Ordinal))
                throw new CheckFailedException($"Attention {context}: message '{e.Message}' does not name '{messagePart}'");
            return;
        }
        throw new CheckFailedException($"Attention {context}: no ArgumentException");
    }

    private sealed record AttentionInputs(float[] Q, float[] K, float[] V, float[] Mask, float[] Dropout, float[] DO, float[] Dq, float[] Dk, float[] Dv);

    /// <summary>Random operands; a mask of 0/1 with some rows fully masked; an inverted-dropout mask (rate 0.25).</summary>
    private static AttentionInputs Inputs(in AttentionGeometry g, bool mask, bool dropout, int seed)
    {
        float[] maskValues = [];
        if (mask)
        {
            maskValues = Check.Random((int)g.MaskSize, seed + 3);
            for (int i = 0; i < maskValues.Length; i++) maskValues[i] = maskValues[i] > -0.6f ? 1f : 0f;
            for (int row = 0; row < g.Batch * g.QueryLength; row += 5) maskValues.AsSpan(row * g.KeyLength, g.KeyLength).Clear();
        }
        float[] drop = [];
        if (dropout)
        {
            drop = Check.Random((int)g.ProbabilitiesSize, seed + 4);
            for (int i = 0; i < drop.Length; i++) drop[i] = drop[i] > -0.5f ? 1f / 0.75f : 0f;
        }
        // Scores up to about ±8 so the softmax is far from uniform.
        var q = Check.Random((int)g.QuerySize, seed);
        for (int i = 0; i < q.Length; i++) q[i] *= 3f;
        return new AttentionInputs(q, Check.Random((int)g.KeySize, seed + 1), Check.Random((int)g.ValueSize, seed + 2), maskValues, drop,
            Check.Random((int)g.OutputSize, seed + 5), Check.Random((int)g.QuerySize, seed + 6), Check.Random((int)g.KeySize, seed + 7),
            Check.Random((int)g.ValueSize, seed + 8));
    }

    private static (float[] O, float[] P, float[] Dq, float[] Dk, float[] Dv) RunKernel(AttentionGeometry g, AttentionInputs x, bool naive)
    {
        var p = new float[g.ProbabilitiesSize];
        var o = Check.Random((int)g.OutputSize, 9); // overwritten
        var (dq, dk, dv) = ((float[])x.Dq.Clone(), (float[])x.Dk.Clone(), (float[])x.Dv.Clone());
        if (naive)
        {
            NaiveAttention.Forward(g, x.Q, x.K, x.V, x.Mask, x.Dropout, p, o);
            NaiveAttention.Backward(g, x.Q, x.K, x.V, x.Dropout, p, x.DO, dq, dk, dv);
        }
        else
        {
            Attention.Forward(g, x.Q, x.K, x.V, x.Mask, x.Dropout, p, o);
            Attention.Backward(g, x.Q, x.K, x.V, x.Dropout, p, x.DO, dq, dk, dv);
        }
        return (o, p, dq, dk, dv);
    }

    private static void Compare(AttentionGeometry g, bool mask, bool dropout, int seed)
    {
        var x = Inputs(g, mask, dropout, seed);
        var e = RunKernel(g, x, naive: true);
        var a = RunKernel(g, x, naive: false);
        string context = $"Attention {g} mask {mask} dropout {dropout}";
        Check.Close(e.P, a.P, 1e-4f, 1e-6f, $"{context}: probabilities");
        float tol = 2e-6f * (g.KeyLength + g.KeyDim + g.ValueDim + 1);
        Check.Close(e.O, a.O, 1e-4f, tol, $"{context}: output");
        Check.Close(e.Dq, a.Dq, 1e-4f, 4 * tol, $"{context}: dQ");
        Check.Close(e.Dk, a.Dk, 1e-4f, 4 * tol, $"{context}: dK");
        Check.Close(e.Dv, a.Dv, 1e-4f, tol, $"{context}: dV");
        // Masked probabilities are exactly zero in both.
        if (mask)
            for (int b = 0; b < g.Batch; b++)
                for (int h = 0; h < g.Heads; h++)
                    for (int i = 0; i < g.QueryLength; i++)
                        for (int j = 0; j < g.KeyLength; j++)
                            if (x.Mask[(b * g.QueryLength + i) * g.KeyLength + j] == 0f && a.P[((b * g.Heads + h) * g.QueryLength + i) * g.KeyLength + j] != 0f)
                                throw new CheckFailedException($"{context}: masked probability ({b},{h},{i},{j}) is not 0");
    }
}
