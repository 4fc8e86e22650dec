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

    private Int8Weights? _rowPadded;

    /// <summary>
    /// The same kernel for a convolution read in place (<see cref="Int8ImplicitConv"/>): K =
    /// <paramref name="kernelH"/> kernel rows of <paramref name="rowLength"/> = KW·Cin taps each, every
    /// row padded with zero weights to a whole number of quads, so that a quad never straddles two
    /// kernel rows; this instance when the rows are whole quads already. Made once and kept.
    /// Zero weights leave the column sums as they are.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="kernelH"/> · <paramref name="rowLength"/> is not K.</exception>
    public Int8Weights RowPadded(int kernelH, int rowLength)
    {
        if (kernelH <= 0 || rowLength <= 0 || (long)kernelH * rowLength != K)
            throw new ArgumentException($"Int8 weights with K={K} do not hold {kernelH} kernel rows of {rowLength} taps.");
        int padded = (rowLength + 3) / 4 * 4;
        if (padded == rowLength) return this;
        if (_rowPadded is { } made && made.K == kernelH * padded) return made;
        var plain = Unpacked();
        var wide = new sbyte[(long)kernelH * padded * N];
        for (int kh = 0; kh < kernelH; kh++)
            for (int i = 0; i < rowLength; i++)
                plain.AsSpan((kh * rowLength + i) * N, N).CopyTo(wide.AsSpan((kh * padded + i) * N, N));
        made = Pack(wide, kernelH * padded, N, Path);
        _rowPadded = made;
        return made;
    }

    private Int8Weights? _multiplyAdd512;

    /// <summary>
    /// The same matrix packed for <see cref="Int8Path.MultiplyAdd512"/> (pairs of inputs as int16,
    /// for <c>vpmaddwd</c>; <see cref="Int8SingleChannelConv"/> uses it whatever this instance's
    /// path), this instance when it is that layout already. Made once and kept.
    /// </summary>
    public Int8Weights MultiplyAdd512()
    {
        if (Path == Int8Path.MultiplyAdd512) return this;
        return _multiplyAdd512 ??= Pack(Unpacked(), K, N, Int8Path.MultiplyAdd512);
    }

    private Int8WinogradWeights? _winograd;

    /// <summary>
    /// The same kernel, a 3×3 one over <paramref name="inC"/> input channels, transformed for
    /// <see cref="Int8Winograd"/>. Made once and kept.
    /// </summary>
    /// <exception cref="ArgumentException">K is not 9 · <paramref name="inC"/>.</exception>
    public Int8WinogradWeights WinogradF23(int inC)
    {
        if (_winograd is { } made && made.InC == inC) return made;
        made = Int8WinogradWeights.Transform(this, inC);
        _winograd = made;
        return made;
    }

    /// <summary>The row-major (K, N) matrix this was packed from.</summary>
    public sbyte[] Unpacked()
    {
        var w = new sbyte[(long)K * N];
        for (int r = 0; r < K; r++)
            for (int c = 0; c < N; c++)
            {
                int t = c / TileN, j = c % TileN;
                w[(long)r * N + c] = Path switch
                {
                    Int8Path.Vnni256 => Bytes[(((long)t * Quads + r / 4) * TileN + j) * 4 + r % 4],
                    Int8Path.MultiplyAdd256 or Int8Path.MultiplyAdd512 => (sbyte)Shorts[(((long)t * Pairs + r / 2) * TileN + j) * 2 + r % 2],
                    _ => Bytes[(long)r * N + c],
                };
            }
        return w;
    }

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
