using System.Diagnostics;

namespace DeepSharp.Distributed;

/// <summary>
/// How <see cref="DeterministicExchange.Auto"/> picks the deterministic mode's exchange: each way's
/// time per step and rank predicted from this job's own measurements (<see cref="Measure"/>: MPI's
/// latency α and time per byte β, and this machine's time per float of a copy δ and of an addition
/// γ), the cheapest taken. The bits do not depend on the choice; only the time does.
/// <para>
/// Per step and rank, with P values (n = 4P bytes), W ranks, S node sums per rank (1 when the chunks
/// divide evenly), L ranks on the busiest machine and the optimizer's pass over a value costing
/// about four copies (Adam reads a weight, its gradient and two moments and writes three of them):
/// MPI all-gather (W−1)α + (W−1)S·nβ + (W−1)S·Pγ + 4Pδ; MPI reduce-scatter 2(W−1)α + 2(W−1)/W·S·nβ
/// + (W−1)/W·S·Pγ + Pδ + 4Pδ; shared memory, one machine, split: (W−1)/W·S·P(γ + δ) + (W−1)/W·Pδ +
/// 4P/W·δ (the others' node sums read in place as they are added, the others' updated blocks copied,
/// 1/W of the optimizer); several machines, shared memory inside each and MPI between them, split:
/// 2(W−1)α + (W−L)/W·S·nβ + (W−1)/W·nβ + (W−1)/W·S·Pγ + 4P/W·δ.
/// </para>
/// </summary>
internal readonly record struct ExchangeCostModel(double Alpha, double BetaPerByte, double CopyPerFloat, double AddPerFloat)
{
    /// <summary>The ways the node sums can travel.</summary>
    internal enum Path
    {
        /// <summary><c>MPI_Iallgather</c> of every node sum; every rank adds the whole tree.</summary>
        MpiAllGather,

        /// <summary>The fixed-order reduce-scatter over MPI, then an all-gather of the summed slices.</summary>
        MpiReduceScatter,

        /// <summary>One machine: node sums read in place from shared memory; each rank adds up and updates its block.</summary>
        SharedSplit,

        /// <summary>Several machines: shared memory inside each, each rank's block of the others' node sums by MPI; split update.</summary>
        HostBlocks,
    }

    /// <summary>Predicted seconds per step and rank of <paramref name="path"/>.</summary>
    /// <param name="path">The exchange.</param>
    /// <param name="values">P, the trainable values.</param>
    /// <param name="ranks">W.</param>
    /// <param name="slots">S, node sums per rank.</param>
    /// <param name="perHost">L, the most ranks on one machine.</param>
    public double Seconds(Path path, long values, int ranks, int slots, int perHost)
    {
        double p = values, w = ranks, s = slots, n = 4 * p, share = (w - 1) / w;
        double optimizer = 4 * p * CopyPerFloat;
        return path switch
        {
            Path.MpiAllGather => (w - 1) * Alpha + (w - 1) * s * n * BetaPerByte + (w - 1) * s * p * AddPerFloat + optimizer,
            Path.MpiReduceScatter => 2 * (w - 1) * Alpha + 2 * share * s * n * BetaPerByte + share * s * p * AddPerFloat + p * CopyPerFloat + optimizer,
            Path.SharedSplit => share * s * p * (AddPerFloat + CopyPerFloat) + share * p * CopyPerFloat + optimizer / w,
            Path.HostBlocks => 2 * (w - 1) * Alpha + (w - perHost) / w * s * n * BetaPerByte + share * n * BetaPerByte + share * s * p * AddPerFloat + optimizer / w,
            _ => throw new ArgumentOutOfRangeException(nameof(path), path, "Unknown exchange path."),
        };
    }

    /// <summary>The cheapest of <paramref name="candidates"/> (the first of equals), with every candidate's predicted seconds.</summary>
    public (Path Best, (Path Path, double Seconds)[] All) Choose(IReadOnlyList<Path> candidates, long values, int ranks, int slots, int perHost)
    {
        var all = new (Path Path, double Seconds)[candidates.Count];
        for (int i = 0; i < all.Length; i++) all[i] = (candidates[i], Seconds(candidates[i], values, ranks, slots, perHost));
        var best = all[0];
        foreach (var c in all)
            if (c.Seconds < best.Seconds) best = c;
        return (best.Path, all);
    }

    /// <summary>
    /// Collective: measures α and β with MPI all-gathers of 4 bytes and of 256 KiB per rank and δ and γ
    /// with copies and additions of 256 Ki floats, each the fastest of a few tries; every rank then
    /// takes every figure's largest over the ranks, so all ranks hold the same model and choose alike.
    /// Costs a few milliseconds once per Fit.
    /// </summary>
    public static ExchangeCostModel Measure(Communicator communicator)
    {
        int ranks = communicator.Size;
        const int Floats = 1 << 16, Local = 1 << 18, Tries = 5;
        var one = new float[1];
        var ones = new float[ranks];
        var send = new float[Floats];
        var receive = new float[(long)Floats * ranks];
        double alpha = double.MaxValue, gather = double.MaxValue;
        communicator.Allgather<float>(one, ones); // both paths warm
        communicator.Allgather<float>(send, receive);
        for (int t = 0; t < Tries; t++)
        {
            long t0 = Stopwatch.GetTimestamp();
            communicator.Allgather<float>(one, ones);
            alpha = Math.Min(alpha, Stopwatch.GetElapsedTime(t0).TotalSeconds);
            t0 = Stopwatch.GetTimestamp();
            communicator.Allgather<float>(send, receive);
            gather = Math.Min(gather, Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }
        // One all-gather: about (W−1) messages of α and (W−1)·4·Floats bytes into each rank.
        alpha /= Math.Max(1, ranks - 1);
        double beta = Math.Max(0, gather - (ranks - 1) * alpha) / Math.Max(1.0, (ranks - 1) * 4.0 * Floats);
        var a = new float[Local];
        var b = new float[Local];
        a.AsSpan().Fill(1f);
        double copy = double.MaxValue, add = double.MaxValue;
        for (int t = 0; t < Tries; t++)
        {
            long t0 = Stopwatch.GetTimestamp();
            a.AsSpan().CopyTo(b);
            copy = Math.Min(copy, Stopwatch.GetElapsedTime(t0).TotalSeconds / Local);
            t0 = Stopwatch.GetTimestamp();
            AddInto(a, b);
            add = Math.Min(add, Stopwatch.GetElapsedTime(t0).TotalSeconds / Local);
        }
        double[] mine = [alpha, beta, copy, add];
        var all = new double[4 * ranks];
        communicator.Allgather<double>(mine, all);
        for (int r = 0; r < ranks; r++)
            for (int i = 0; i < 4; i++) mine[i] = Math.Max(mine[i], all[4 * r + i]);
        return new ExchangeCostModel(mine[0], mine[1], mine[2], mine[3]);
    }

    /// <summary>
    /// b += a, vectorised and compiled fully optimised at once: the measurement runs at the first step,
    /// before tiered compilation has optimised <c>TensorPrimitives.Add</c> (its first calls ran 20×
    /// slower than a copy here; the training loop's own additions are warm by then).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void AddInto(ReadOnlySpan<float> a, Span<float> b)
    {
        int i = 0, width = System.Numerics.Vector<float>.Count;
        for (; i <= a.Length - width; i += width)
            (new System.Numerics.Vector<float>(a[i..]) + new System.Numerics.Vector<float>(b[i..])).CopyTo(b[i..]);
        for (; i < a.Length; i++) b[i] += a[i];
    }

    /// <summary>The figures, for logs.</summary>
    public override string ToString() =>
        $"α {Alpha * 1e6:F1} µs, β {BetaPerByte * 1e9:F3} ns/B, copy {CopyPerFloat * 1e9:F3} ns/float, addition {AddPerFloat * 1e9:F3} ns/float";
}
