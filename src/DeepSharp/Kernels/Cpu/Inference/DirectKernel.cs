using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DeepSharp.Kernels.Cpu.Conv;

namespace DeepSharp.Kernels.Cpu.Inference;

/// <summary>
/// A convolution's (KH, KW, Cin, Cout) kernel packed once as the direct micro-kernel reads it — K =
/// KH·KW·Cin rows of Cout floats, zero-padded to the block width (<see cref="ConvLayout.PadRows"/>) —
/// with its bias padded alike: what <see cref="DirectConvPool"/> reads on every inference call instead
/// of packing the kernel each time. Immutable once built; the arrays are pinned.
/// </summary>
internal sealed unsafe class DirectKernel
{
    private readonly float[] _w;
    private readonly float[]? _bias;

    /// <summary>Packs <paramref name="w"/> (KH·KW·Cin·Cout floats, Cout fastest); <paramref name="bias"/> is empty or Cout floats.</summary>
    public DirectKernel(ReadOnlySpan<float> w, ReadOnlySpan<float> bias, int kernelH, int kernelW, int cin, int cout)
    {
        if (kernelH < 1 || kernelW < 1 || cin < 1 || cout < 1 || w.Length != (long)kernelH * kernelW * cin * cout || (bias.Length != 0 && bias.Length != cout))
            throw new ArgumentException($"A packed kernel needs a ({kernelH}, {kernelW}, {cin}, {cout}) kernel and no bias or {cout} biases; got {w.Length} and {bias.Length} floats.");
        (KernelH, KernelW, InC, OutC) = (kernelH, kernelW, cin, cout);
        Reduction = kernelH * kernelW * cin;
        Np = ConvMicroKernel.Padded(cout);
        _w = GC.AllocateUninitializedArray<float>(Reduction * Np, pinned: true);
        fixed (float* pw = w) ConvLayout.PadRows(pw, Reduction, cout, Np, Weights);
        if (bias.Length > 0)
        {
            _bias = GC.AllocateArray<float>(Np, pinned: true);
            bias.CopyTo(_bias);
        }
    }

    /// <summary>Kernel rows.</summary>
    public int KernelH { get; }

    /// <summary>Kernel columns.</summary>
    public int KernelW { get; }

    /// <summary>Input channels.</summary>
    public int InC { get; }

    /// <summary>Output channels.</summary>
    public int OutC { get; }

    /// <summary>K = KH·KW·Cin, the rows of <see cref="Weights"/>.</summary>
    public int Reduction { get; }

    /// <summary>Output channels padded to the micro-kernel's block width.</summary>
    public int Np { get; }

    /// <summary>The (K, Np) packed kernel.</summary>
    public float* Weights => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_w));

    /// <summary>The padded bias (Np floats), or null.</summary>
    public float* Bias => _bias is null ? null : (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_bias));
}
