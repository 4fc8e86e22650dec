using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// A quantized Dense cut by output channels for a small batch on several threads: share p holds
/// the whole column tiles (16 channels each) t·p/parts … of the packed weights, repacked on their own
/// with their scales and bias, so that each thread multiplies every row of the batch by its share of
/// the columns — a batch-1 Dense is one row, which the row blocks of <see cref="Int8Linear"/> cannot cut.
/// </summary>
/// <remarks>
/// The shares' tiles hold the same bytes as the whole matrix's tiles (<see cref="Int8Weights.Pack"/>
/// of the same columns), each output channel's sum is the same integer and its epilogue the same
/// arithmetic, so the outputs are the same bits as the whole layer's. Made once per packed matrix and
/// thread count, kept while the matrix lives.
/// </remarks>
internal sealed unsafe class Int8ColumnShares
{
    private static readonly ConditionalWeakTable<Int8Weights, Int8ColumnShares> s_made = [];

    private Int8ColumnShares(Int8Weights whole, Int8Output output, int parts)
    {
        (Whole, Output, Parts) = (whole, output, parts);
        int n = whole.N, tiles = whole.Tiles, k = whole.K;
        var plain = whole.Unpacked();
        Shares = new (int, Int8Weights, Int8Output)[parts];
        for (int p = 0; p < parts; p++)
        {
            int c0 = Math.Min(n, tiles * p / parts * Int8Weights.TileN), c1 = Math.Min(n, tiles * (p + 1) / parts * Int8Weights.TileN), width = c1 - c0;
            var columns = new sbyte[(long)k * width];
            for (int r = 0; r < k; r++) plain.AsSpan(r * n + c0, width).CopyTo(columns.AsSpan(r * width, width));
            var share = output with { Scales = output.Scales[c0..c1], Bias = output.Bias?[c0..c1] };
            Shares[p] = (c0, Int8Weights.Pack(columns, k, width, whole.Path), share);
        }
    }

    /// <summary>The matrix cut.</summary>
    public Int8Weights Whole { get; }
    /// <summary>The whole layer's epilogue.</summary>
    public Int8Output Output { get; }
    /// <summary>How many shares (at most the tiles).</summary>
    public int Parts { get; }
    /// <summary>Each share's first column, its packed columns and its epilogue.</summary>
    public (int C0, Int8Weights Weights, Int8Output Output)[] Shares { get; }

    /// <summary>How many shares a (K, N) matrix is cut into for <paramref name="threads"/> threads: one per thread, at most one per tile.</summary>
    public static int PartsFor(int n, int threads) => Math.Max(1, Math.Min(threads, (n + Int8Weights.TileN - 1) / Int8Weights.TileN));

    /// <summary>The shares of <paramref name="w"/> for <paramref name="parts"/> (made on first use, then kept).</summary>
    public static Int8ColumnShares Of(Int8Weights w, Int8Output output, int parts)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        parts = Math.Min(parts, Math.Max(1, w.Tiles));
        if (s_made.TryGetValue(w, out var made) && made.Parts == parts && ReferenceEquals(made.Output, output)) return made;
        made = new Int8ColumnShares(w, output, parts);
        s_made.AddOrUpdate(w, made);
        return made;
    }

    /// <summary>
    /// The team's items for y = Dense(q): item i is row i / Parts
    /// times share i % Parts, written at that row's columns of <paramref name="y"/> (bytes or floats).
    /// </summary>
    public IParallelBody Body(byte* q, Int8Destination y) => new Items(this, q, y);

    private sealed class Items(Int8ColumnShares shares, byte* q, Int8Destination y) : IParallelBody
    {
        public void Execute(int item)
        {
            int row = item / shares.Parts;
            var (c0, w, output) = shares.Shares[item % shares.Parts];
            long at = (long)row * shares.Whole.N + c0;
            var destination = y.Floats != null ? Int8Destination.ToFloats(y.Floats + at) : Int8Destination.ToBytes(y.Bytes + at, y.Scale, y.ZeroPoint);
            Int8Linear.Forward(1, q + (long)row * shares.Whole.K, w, output, destination);
        }
    }
}
