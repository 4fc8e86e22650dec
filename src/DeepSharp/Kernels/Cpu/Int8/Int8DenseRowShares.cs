using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// A quantized Dense whose input is a flattened pooled image (cells × channels, channel fastest)
/// cut by channel ranges: share p holds the Dense's rows of channels c0..c1−1 at every cell, in
/// (cell, channel) order — the order in which <see cref="Int8Winograd4Channels.ImagePooledPacked"/>
/// writes a part's bytes — packed on their own, so that each part of an image multiplies its own
/// bytes by its own rows and no part waits for another's bytes.
/// </summary>
/// <remarks>
/// Every row of the whole matrix is in exactly one share, so the shares' int32 sums added together
/// are the whole matrix's int32 sums (integers: any order gives the same value, and no partial sum
/// can overflow where the whole cannot, K · 255 · 128 &lt; 2³¹). The epilogue then runs once on the
/// whole sums with the whole matrix's column sums: the same bits as the uncut layer. Made once per
/// packed matrix and cut, kept while the matrix lives.
/// </remarks>
internal sealed class Int8DenseRowShares
{
    private static readonly ConditionalWeakTable<Int8Weights, Int8DenseRowShares> s_made = [];

    private readonly (int C0, int C1)[] _ranges;

    private Int8DenseRowShares(Int8Weights whole, int cells, int channels, (int C0, int C1)[] ranges)
    {
        (Whole, Cells, InputChannels, _ranges) = (whole, cells, channels, ranges);
        int n = whole.N;
        var plain = whole.Unpacked();
        Shares = new Int8Weights[ranges.Length];
        for (int p = 0; p < ranges.Length; p++)
        {
            var (c0, c1) = ranges[p];
            int width = c1 - c0, k = cells * width;
            var rows = new sbyte[(long)k * n];
            for (int cell = 0; cell < cells; cell++)
                for (int c = c0; c < c1; c++)
                    plain.AsSpan((cell * channels + c) * n, n).CopyTo(rows.AsSpan((cell * width + c - c0) * n, n));
            Shares[p] = Int8Weights.Pack(rows, k, n, whole.Path);
        }
    }

    /// <summary>The matrix cut (K = cells · channels).</summary>
    public Int8Weights Whole { get; }
    /// <summary>Cells of the pooled image.</summary>
    public int Cells { get; }
    /// <summary>Channels per cell of the pooled image.</summary>
    public int InputChannels { get; }
    /// <summary>Share p: the rows of its channel range, K = cells · its channel count.</summary>
    public Int8Weights[] Shares { get; }

    /// <summary>
    /// The shares of <paramref name="w"/> (K = <paramref name="cells"/> · <paramref name="channels"/>) for the channel
    /// ranges <paramref name="ranges"/> (made on first use, then kept for the same cut).
    /// </summary>
    /// <exception cref="ArgumentException">K is not cells · channels, or the ranges do not cut 0..channels−1 in order.</exception>
    public static Int8DenseRowShares Of(Int8Weights w, int cells, int channels, (int C0, int C1)[] ranges)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(ranges);
        if (cells <= 0 || channels <= 0 || (long)cells * channels != w.K)
            throw new ArgumentException($"Int8 Dense rows by channel: K={w.K} is not {cells} cells × {channels} channels.");
        int next = 0;
        foreach (var (c0, c1) in ranges)
        {
            if (c0 != next || c1 <= c0) throw new ArgumentException($"Int8 Dense rows by channel: the ranges must cut channels 0..{channels - 1} in order; got [{c0}, {c1}) after {next}.");
            next = c1;
        }
        if (next != channels) throw new ArgumentException($"Int8 Dense rows by channel: the ranges end at {next}, not at {channels} channels.");
        if (s_made.TryGetValue(w, out var made) && made.Cells == cells && made.InputChannels == channels && made._ranges.AsSpan().SequenceEqual(ranges)) return made;
        made = new Int8DenseRowShares(w, cells, channels, [.. ranges]);
        s_made.AddOrUpdate(w, made);
        return made;
    }
}
