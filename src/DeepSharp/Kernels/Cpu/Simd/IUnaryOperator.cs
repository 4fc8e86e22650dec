using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Simd;

/// <summary>
/// A function of one float, written once per width that <see cref="ElementwiseDriver"/> runs:
/// scalar, 128, 256 and 512 bits. Implementations are structs (fields hold the kernel's scalars),
/// so the JIT compiles the driver once per operator with <c>Invoke</c> inlined.
/// </summary>
/// <remarks>
/// Every overload must give the scalar overload's bits in every lane: the same operations in the
/// same order, and a fused multiply-add only where the scalar code uses
/// <see cref="MathF.FusedMultiplyAdd"/>. A remainder of any length then gives the same result as
/// a full vector, and each kernel's results stay bit-identical to its naive twin at every
/// instruction-set level (<c>ElementwiseDriverChecks</c> in DeepSharp.KernelCheck).
/// </remarks>
internal interface IUnaryOperator
{
    float Invoke(float x);
    Vector128<float> Invoke(Vector128<float> x);
    Vector256<float> Invoke(Vector256<float> x);
    Vector512<float> Invoke(Vector512<float> x);
}
