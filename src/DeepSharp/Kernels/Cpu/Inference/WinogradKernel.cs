using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DeepSharp.Kernels.Cpu.Conv;

namespace DeepSharp.Kernels.Cpu.Inference;

/// <summary>
/// A 3×3 convolution's kernel transformed once for Winograd's F(2×2, 3×3) (U = G·g·Gᵀ, laid out as
/// <see cref="WinogradTransforms.Kernel"/> writes it), with its bias padded to the micro-kernel's
/// block width and the micro-kernel's offset tables: what <see cref="WinogradConvPool"/> reads on
/// every inference call instead of transforming the kernel each time. Immutable once built; the
/// arrays are pinned, so the pointers stay valid for the object's life.
/// </summary>
internal sealed unsafe class WinogradKernel
{
    /// <summary>Floats between two tiles' rows of the transformed input (one 64-byte line more than 16·Cin, so that the rows do not share an L1 set).</summary>
    public const int PlaneSkew = 16;

    private readonly float[] _u;
    private readonly float[]? _bias;
    private readonly int[] _tables;

    /// <summary>Transforms the (3, 3, <paramref name="cin"/>, <paramref name="cout"/>) kernel <paramref name="w"/>; <paramref name="bias"/> is null or <paramref name="cout"/> floats.</summary>
    public WinogradKernel(ReadOnlySpan<float> w, ReadOnlySpan<float> bias, int cin, int cout)
    {
        if (cin < 1 || cout < 1 || w.Length != 9 * cin * cout || (bias.Length != 0 && bias.Length != cout))
            throw new ArgumentException($"A Winograd kernel needs a (3, 3, {cin}, {cout}) kernel and no bias or {cout} biases; got {w.Length} and {bias.Length} floats.");
        InC = cin;
        OutC = cout;
        Np = ConvMicroKernel.Padded(cout);
        _u = GC.AllocateUninitializedArray<float>(16 * cin * Np + cin, pinned: true);
        fixed (float* pw = w) WinogradTransforms.Kernel(pw, cin, cout, Np, U);
        new Span<float>(U + 16 * cin * Np, cin).Clear(); // the zero run read for window positions outside the input
        if (bias.Length > 0)
        {
            _bias = GC.AllocateArray<float>(Np, pinned: true);
            bias.CopyTo(_bias);
        }
        _tables = GC.AllocateUninitializedArray<int>(WinogradConvPool.MaxTilesPerChunk + cin, pinned: true);
        for (int t = 0; t < WinogradConvPool.MaxTilesPerChunk; t++) _tables[t] = t * (16 * cin + PlaneSkew);
        for (int c = 0; c < cin; c++) _tables[WinogradConvPool.MaxTilesPerChunk + c] = c;
    }

    /// <summary>Input channels.</summary>
    public int InC { get; }

    /// <summary>Output channels.</summary>
    public int OutC { get; }

    /// <summary>Output channels padded to the micro-kernel's block width (the columns of each U plane).</summary>
    public int Np { get; }

    /// <summary>U[ξ·Cin·Np + ci·Np + co], ξ the 16 positions of a 4×4 tile.</summary>
    public float* U => Base(_u);

    /// <summary>Cin zeros (the input run of a window position outside the image).</summary>
    public float* Zeros => U + 16 * InC * Np;

    /// <summary>The padded bias (Np floats), or null.</summary>
    public float* Bias => _bias is null ? null : Base(_bias);

    /// <summary>Row offsets of the transformed input of up to <see cref="WinogradConvPool.MaxTilesPerChunk"/> tiles.</summary>
    public int* RowOffsets => Base(_tables);

    /// <summary>Column offsets 0..Cin−1 (a tile's channels are contiguous).</summary>
    public int* ColOffsets => Base(_tables) + WinogradConvPool.MaxTilesPerChunk;

    private static T* Base<T>(T[] pinned) where T : unmanaged => (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));
}
