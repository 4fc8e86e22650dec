using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// A 3×3 int8 kernel transformed for the edge tiles of <see cref="Int8Winograd4"/> (<see cref="Int8Winograd4EdgeKernels"/>):
/// F(4×2, 3×3), four output rows by two columns (the odd last pool column), U′ = G′₄ g G′₂ᵀ, 6 × 4 = 24 positions,
/// and F(2×4, 3×3), two rows by four columns (the odd last pool row), U′ = G′₂ g G′₄ᵀ, 4 × 6 positions;
/// G′₄ = <see cref="Int8Winograd4Weights.G"/> (rows' |·| sums ≤ 7), G′₂ = <see cref="Int8WinogradWeights.G2"/> = 2G of
/// F(2, 3) (rows' |·| sums ≤ 3), so |U′| ≤ 7 · 3 · 128 = 2,688 (an int16). Layout as <see cref="Int8WinogradWeights"/>.
/// </summary>
internal sealed class Int8Winograd4EdgeWeights
{
    /// <summary>Positions of either edge tile: 6 × 4.</summary>
    public const int Positions = 24;

    private static readonly ConditionalWeakTable<Int8Weights, Int8Winograd4EdgeWeights> Made = new();

    private Int8Winograd4EdgeWeights(int inC, int n, short[] tall, short[] wide)
    {
        (InC, N, Tall, Wide) = (inC, n, tall, wide);
    }

    /// <summary>Input channels.</summary>
    public int InC { get; }
    /// <summary>Output channels.</summary>
    public int N { get; }
    /// <summary>Pairs of input channels (the last completed by a zero weight when Cin is odd).</summary>
    public int Pairs => (InC + 1) / 2;
    /// <summary>Tiles of 16 output channels.</summary>
    public int Tiles => (N + Int8Weights.TileN - 1) / Int8Weights.TileN;
    /// <summary>F(4×2)'s transformed kernel: [position r · 4 + s][pair][tile][16 lanes][2].</summary>
    internal short[] Tall { get; }
    /// <summary>F(2×4)'s transformed kernel: [position r · 6 + s][pair][tile][16 lanes][2].</summary>
    internal short[] Wide { get; }

    /// <summary>The transforms of <paramref name="w"/> over <paramref name="inC"/> input channels, made once per weights and kept with them.</summary>
    public static Int8Winograd4EdgeWeights Of(Int8Weights w, int inC)
    {
        if (Made.TryGetValue(w, out var made) && made.InC == inC) return made;
        made = Transform(w, inC);
        Made.AddOrUpdate(w, made);
        return made;
    }

    /// <summary>Transforms the (3·3·Cin, Cout) kernel of <paramref name="w"/> (taps in (kh, kw, cin) order).</summary>
    /// <exception cref="ArgumentException">K is not 9 · <paramref name="inC"/>.</exception>
    public static Int8Winograd4EdgeWeights Transform(Int8Weights w, int inC) =>
        new(inC, w.N,
            Int8WinogradWeights.Transformed(w, inC, Int8Winograd4Weights.G, Int8WinogradWeights.G2, "Int8 Winograd F(4×2, 3×3)"),
            Int8WinogradWeights.Transformed(w, inC, Int8WinogradWeights.G2, Int8Winograd4Weights.G, "Int8 Winograd F(2×4, 3×3)"));
}
