namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// A (K, N) int8 weight matrix (K inputs, N output channels) packed once for one
/// <see cref="Int8Path"/>, with its column sums (for the activations' zero point).
/// </summary>
/// <remarks>
/// Layouts, in column tiles of <see cref="TileN"/> = 16 output channels, zero-padded past K and N:
/// Vnni256 — per tile, per group of 4 k: 16 channels × 4 bytes (the quad <c>vpdpbusd</c> sums);
/// MultiplyAdd — per tile, per pair of k: 16 channels × 2 int16; Scalar — the (K, N) matrix as given.
/// K is limited so that no int32 sum can overflow: K · 255 · 128 &lt; 2^31.
/// </remarks>
internal sealed class Int8Weights
{
    /// <summary>Output channels per packed tile.</summary>
    public const int TileN = 16;

    /// <summary>The most inputs a GEMM sums without int32 overflow (255 · 128 · K &lt; 2^31).</summary>
    public const int MaxK = int.MaxValue / (255 * 128);

    private Int8Weights(int k, int n, Int8Path path, sbyte[] bytes, short[] shorts, int[] columnSums)
    {
        (K, N, Path, Bytes, Shorts, ColumnSums) = (k, n, path, bytes, shorts, columnSums);
    }

    /// <summary>Inputs (rows of the unpacked matrix).</summary>
    public int K { get; }
    /// <summary>Output channels (columns).</summary>
    public int N { get; }
    /// <summary>The path the layout is for.</summary>
    public Int8Path Path { get; }
    /// <summary>Vnni256 and Scalar layouts.</summary>
    internal sbyte[] Bytes { get; }
    /// <summary>MultiplyAdd layouts.</summary>
    internal short[] Shorts { get; }
    /// <summary>Σ_k w[k, n], per output channel.</summary>
    public int[] ColumnSums { get; }

    /// <summary>Groups of 4 inputs (Vnni256).</summary>
    public int Quads => (K + 3) / 4;
    /// <summary>Pairs of inputs (MultiplyAdd).</summary>
    public int Pairs => (K + 1) / 2;
    /// <summary>Column tiles.</summary>
    public int Tiles => (N + TileN - 1) / TileN;

    /// <summary>Packs a row-major (K, N) int8 matrix for <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">Sizes are negative, K exceeds <see cref="MaxK"/>, the span is short, or the path is not supported here.</exception>
    public static Int8Weights Pack(ReadOnlySpan<sbyte> w, int k, int n, Int8Path path)
    {
        if (k < 0 || n < 0 || k > MaxK)
            throw new ArgumentOutOfRangeException(nameof(k), $"Int8 weights need 0 ≤ k ≤ {MaxK} and n ≥ 0; got k={k}, n={n}.");
        if ((long)k * n > w.Length)
            throw new ArgumentException($"Int8 weights k={k}, n={n} need {(long)k * n} values; got {w.Length}.", nameof(w));
        if (!Int8Paths.IsSupported(path)) throw new ArgumentException($"Int8 path {path} is not supported on this CPU.", nameof(path));
        var sums = new int[n];
        for (int r = 0; r < k; r++)
            for (int c = 0; c < n; c++) sums[c] += w[r * n + c];
        int tiles = (n + TileN - 1) / TileN;
        switch (path)
        {
            case Int8Path.Vnni256:
                {
                    int quads = (k + 3) / 4;
                    var bytes = new sbyte[(long)tiles * quads * TileN * 4];
                    for (int t = 0; t < tiles; t++)
                        for (int q = 0; q < quads; q++)
                            for (int j = 0; j < TileN; j++)
                                for (int s = 0; s < 4; s++)
                                {
                                    int r = q * 4 + s, c = t * TileN + j;
                                    if (r < k && c < n) bytes[(((long)t * quads + q) * TileN + j) * 4 + s] = w[r * n + c];
                                }
                    return new Int8Weights(k, n, path, bytes, [], sums);
                }
            case Int8Path.MultiplyAdd256 or Int8Path.MultiplyAdd512:
                {
                    int pairs = (k + 1) / 2;
                    var shorts = new short[(long)tiles * pairs * TileN * 2];
                    for (int t = 0; t < tiles; t++)
                        for (int p = 0; p < pairs; p++)
                            for (int j = 0; j < TileN; j++)
                                for (int s = 0; s < 2; s++)
                                {
                                    int r = p * 2 + s, c = t * TileN + j;
                                    if (r < k && c < n) shorts[(((long)t * pairs + p) * TileN + j) * 2 + s] = w[r * n + c];
                                }
                    return new Int8Weights(k, n, path, [], shorts, sums);
                }
            default:
                return new Int8Weights(k, n, path, w[..(k * n)].ToArray(), [], sums);
        }
    }
}
