using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// A 3×3 int8 kernel transformed for the integer Winograd F(4×4, 3×3) of <see cref="Int8Winograd4"/>:
/// U′ = G′ g G′ᵀ per (input, output) channel, with G′ = diag(4, 6, 6, 24, 24, 1) · G (Lavin's G)
/// = [[1,0,0],[−1,−1,−1],[−1,1,−1],[1,2,4],[1,−2,4],[0,0,1]], integer; its rows' |·| sums are at
/// most 7, so |U′| ≤ 7 · 7 · 128 = 6,272 (an int16). Laid out as <see cref="Int8WinogradWeights"/>:
/// per position (36), per pair of input channels, per tile of 16 output channels, 16 lanes × 2 int16.
/// </summary>
internal sealed class Int8Winograd4Weights
{
    /// <summary>Positions of the 6×6 transformed tile.</summary>
    public const int Positions = 36;

    /// <summary>G′ = diag(4, 6, 6, 24, 24, 1) · G: the integer weight transform.</summary>
    internal static readonly int[,] G = { { 1, 0, 0 }, { -1, -1, -1 }, { -1, 1, -1 }, { 1, 2, 4 }, { 1, -2, 4 }, { 0, 0, 1 } };

    private static readonly ConditionalWeakTable<Int8Weights, Int8Winograd4Weights> Made = new();

    private Int8Winograd4Weights(int inC, int n, short[] u)
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

    /// <summary>The transform of <paramref name="w"/> over <paramref name="inC"/> input channels, made once per weights and kept with them.</summary>
    public static Int8Winograd4Weights Of(Int8Weights w, int inC)
    {
        if (Made.TryGetValue(w, out var made) && made.InC == inC) return made;
        made = Transform(w, inC);
        Made.AddOrUpdate(w, made);
        return made;
    }

    /// <summary>Transforms the (3·3·Cin, Cout) kernel of <paramref name="w"/> (taps in (kh, kw, cin) order).</summary>
    /// <exception cref="ArgumentException">K is not 9 · <paramref name="inC"/>.</exception>
    public static Int8Winograd4Weights Transform(Int8Weights w, int inC) =>
        new(inC, w.N, Int8WinogradWeights.Transformed(w, inC, G, "Int8 Winograd F(4×4, 3×3)"));
}
