using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Simd;

/// <summary>
/// Runs an <see cref="IVectorLoopBody"/> over [0, n): the width dispatch, tails and loop shape of
/// <see cref="ElementwiseDriver"/>, for bodies that do their own loads and stores.
/// </summary>
internal static class VectorLoop
{
    public static void For<TBody>(TBody body, int n)
        where TBody : struct, IVectorLoopBody
    {
        nuint i = 0, end = (nuint)Math.Max(n, 0);
        if (Vector512.IsHardwareAccelerated && i + (nuint)Vector512<float>.Count <= end)
        {
            do
            {
                body.Invoke512(i);
                i += (nuint)Vector512<float>.Count;
            }
            while (i + (nuint)Vector512<float>.Count <= end);
        }
        if (Vector256.IsHardwareAccelerated && i + (nuint)Vector256<float>.Count <= end)
        {
            do
            {
                body.Invoke256(i);
                i += (nuint)Vector256<float>.Count;
            }
            while (i + (nuint)Vector256<float>.Count <= end);
        }
        if (Vector128.IsHardwareAccelerated && i + (nuint)Vector128<float>.Count <= end)
        {
            do
            {
                body.Invoke128(i);
                i += (nuint)Vector128<float>.Count;
            }
            while (i + (nuint)Vector128<float>.Count <= end);
        }
        for (; i < end; i++) body.Invoke(i);
    }
}
