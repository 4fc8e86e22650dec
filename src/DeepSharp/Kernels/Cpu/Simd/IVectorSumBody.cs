using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Simd;

/// <summary>
/// The terms of a sum that <see cref="VectorSum"/> adds up over [0, n): the term of element i, or
/// the terms of elements [i, i + 4), [i, i + 8), [i, i + 16) as one vector. A body may also write
/// per-element results as it goes (each element is visited exactly once, as in <see cref="VectorLoop"/>).
/// </summary>
/// <remarks>The contract of <see cref="IUnaryOperator"/> holds: each lane's term is the scalar body's term.</remarks>
internal interface IVectorSumBody
{
    float Invoke(nuint i);
    Vector128<float> Invoke128(nuint i);
    Vector256<float> Invoke256(nuint i);
    Vector512<float> Invoke512(nuint i);
}
