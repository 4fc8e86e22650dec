using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Simd;

/// <summary>
/// An in-place parameter update at every width that <see cref="UpdateDriver"/> runs: new weights
/// <c>w</c> and up to three state values (moments, velocities, accumulators) from the old ones and
/// the gradient <c>g</c>. States the driver was not given arrive as zeros and are dropped.
/// </summary>
/// <remarks>
/// The contract of <see cref="IUnaryOperator"/> holds: every lane gives the scalar overload's bits.
/// Mark the vector overloads <c>[MethodImpl(MethodImplOptions.AggressiveInlining)]</c>: a body of a
/// dozen operations is past the JIT's inlining budget, and without the attribute the JIT's
/// disassembly shows a call per vector with every state spilled to the stack.
/// </remarks>
internal interface IUpdateOperator
{
    void Invoke(ref float w, float g, ref float s1, ref float s2, ref float s3);
    void Invoke(ref Vector128<float> w, Vector128<float> g, ref Vector128<float> s1, ref Vector128<float> s2, ref Vector128<float> s3);
    void Invoke(ref Vector256<float> w, Vector256<float> g, ref Vector256<float> s1, ref Vector256<float> s2, ref Vector256<float> s3);
    void Invoke(ref Vector512<float> w, Vector512<float> g, ref Vector512<float> s1, ref Vector512<float> s2, ref Vector512<float> s3);
}
