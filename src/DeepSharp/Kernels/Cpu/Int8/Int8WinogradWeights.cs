namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// A 3×3 int8 kernel transformed for the integer Winograd F(2×2, 3×3) of <see cref="Int8Winograd"/>:
/// U = G′ g G′ᵀ per (input, output) channel, with G′ = 2G = [[2,0,0],[1,1,1],[1,−1,1],[0,0,2]]
/// integer, so U is 4 · G g Gᵀ exactly, |U| ≤ 9 · 128 = 1152 (an int16). Laid out for
/// <c>vpmaddwd</c>: per position (16), per pair of input channels, per tile of 16 output
/// channels, 16 lanes × 2 int16 (the pair's two weights); zeros past Cin and Cout.
/// </summary>
internal sealed class Int8WinogradWeights
{
    /// <summary>Positions of the 4×4 transformed tile.</summary>
    public const int Positions = 16;

    /// <summary>G′ = 2G: the integer weight transform.</summary>
    internal static readonly int[,] G2 = { { 2, 0, 0 }, { 1, 1, 1 }, { 1, -1, 1 }, { 0, 0, 2 } };

    private Int8WinogradWeights(int inC, int n, short[] u)
    {
        (InC, N, U) = (inC, n, u);
    }

    /// <summary>Input channels.</summary>
    public int InC { get; }
    /// <summary>Output channels.</summary>
    public int N { get; }
    /// <summary>Pairs of input channels (the last completed by a zero weight when Cin is odd).</summary>
    public int Pairs => (InC + 1) / 2;
    /// <summary>Tiles of 16 output channels.</summary>
    public int Tiles => (N + Int8Weights.TileN - 1) / Int8Weights.TileN;
    /// <summary>The transformed kernel: [position][pair][tile][16 lanes][2].</summary>
    internal short[] U { get; }

    /// <summary>Transforms the (3·3·Cin, Cout) kernel of <paramref name="w"/> (taps in (kh, kw, cin) order).</summary>
    /// <exception cref="ArgumentException">K is not 9 · <paramref name="inC"/>.</exception>
    public static Int8WinogradWeights Transform(Int8Weights w, int inC) =>
        new(inC, w.N, Transformed(w, inC, G2, "Int8 Winograd"));

    /// <summary>
    /// U′ = G′ g G′ᵀ for every (input, output) channel of <paramref name="w"/>'s 3×3 kernel, G′ an integer
    /// t×3 matrix (t² positions), in the layout both integer Winograd kernels read: [position][pair of
    /// input channels][tile of 16 output channels][16 lanes][2], zeros past Cin and Cout. The caller's
    /// bound on G′'s rows keeps every value an int16.
    /// </summary>
    /// <exception cref="ArgumentException">K is not 9 · <paramref name="inC"/> (<paramref name="what"/> names the kernel).</exception>
    internal static short[] Transformed(Int8Weights w, int inC, int[,] gPrime, string what) => Transformed(w, inC, gPrime, gPrime, what);

    /// <summary>
    /// The same with one matrix down the kernel's rows and another along its columns: U′ = G_r g G_cᵀ,
    /// t_r × t_c positions (row-major), for the mixed tiles of <see cref="Int8WinogradMixed"/>.
    /// </summary>
    /// <exception cref="ArgumentException">K is not 9 · <paramref name="inC"/> (<paramref name="what"/> names the kernel).</exception>
    internal static short[] Transformed(Int8Weights w, int inC, int[,] gRows, int[,] gColumns, string what)
    {
        if (inC <= 0 || w.K != 9 * inC)
            throw new ArgumentException($"{what}: weights with K={w.K} are not a 3×3 kernel over {inC} input channels.");
        var g = w.Unpacked();
        int n = w.N, t = gRows.GetLength(0), tc = gColumns.GetLength(0), pairs = (inC + 1) / 2, tiles = (n + Int8Weights.TileN - 1) / Int8Weights.TileN;
        long position = (long)pairs * tiles * Int8Weights.TileN * 2;
        var u = new short[t * tc * position];
        for (int c = 0; c < inC; c++)
            for (int o = 0; o < n; o++)
            {
                long at = ((long)(c / 2) * tiles + o / Int8Weights.TileN) * Int8Weights.TileN * 2 + o % Int8Weights.TileN * 2 + c % 2;
                for (int r = 0; r < t; r++)
                    for (int s = 0; s < tc; s++)
                    {
                        int sum = 0;
                        for (int a = 0; a < 3; a++)
                            for (int b = 0; b < 3; b++)
                                sum += gRows[r, a] * gColumns[s, b] * g[((a * 3 + b) * inC + c) * n + o];
                        u[(r * tc + s) * position + at] = (short)sum;
                    }
            }
        return u;
    }
}
