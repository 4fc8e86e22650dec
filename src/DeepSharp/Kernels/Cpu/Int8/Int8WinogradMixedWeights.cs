using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// A 3×3 int8 kernel transformed for the mixed integer Winograd tiles of <see cref="Int8WinogradMixed"/>:
/// the tall tile F(4×2, 3×3) takes U′ = G₄′ g G₂′ᵀ (6 × 4 positions) and the wide tile F(2×4, 3×3)
/// U′ = G₂′ g G₄′ᵀ (4 × 6 positions), with G₄′ = diag(4, 6, 6, 24, 24, 1) · G₄ of
/// <see cref="Int8Winograd4Weights"/> (row |·| sums ≤ 7) and G₂′ = 2 · G₂ of
/// <see cref="Int8WinogradWeights"/> (row |·| sums ≤ 3): |U′| ≤ 7 · 3 · 128 = 2,688, an int16. Laid out
/// as the other Winograd weights: per position, per pair of input channels, per tile of 16 output channels, 16 lanes × 2.
/// </summary>
internal sealed class Int8WinogradMixedWeights
{
    /// <summary>Positions of either mixed tile (6 × 4 or 4 × 6).</summary>
    public const int Positions = 24;

    private static readonly ConditionalWeakTable<Int8Weights, Int8WinogradMixedWeights> Made = new();

    private Int8WinogradMixedWeights(int inC, int n, short[] tall, short[] wide)
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
    /// <summary>The tall tile's kernel, G₄′ g G₂′ᵀ: [position (6 × 4)][pair][tile][16 lanes][2].</summary>
    internal short[] Tall { get; }
    /// <summary>The wide tile's kernel, G₂′ g G₄′ᵀ: [position (4 × 6)][pair][tile][16 lanes][2].</summary>
    internal short[] Wide { get; }

    /// <summary>Both transforms of <paramref name="w"/> over <paramref name="inC"/> input channels, made once per weights and kept with them.</summary>
    /// <exception cref="ArgumentException">K is not 9 · <paramref name="inC"/>.</exception>
    public static Int8WinogradMixedWeights Of(Int8Weights w, int inC)
    {
        if (Made.TryGetValue(w, out var made) && made.InC == inC) return made;
        const string what = "Int8 Winograd F(4×2, 3×3)";
        made = new(inC, w.N, Int8WinogradWeights.Transformed(w, inC, Int8Winograd4Weights.G, Int8WinogradWeights.G2, what),
            Int8WinogradWeights.Transformed(w, inC, Int8WinogradWeights.G2, Int8Winograd4Weights.G, what));
        Made.AddOrUpdate(w, made);
        return made;
    }
}
