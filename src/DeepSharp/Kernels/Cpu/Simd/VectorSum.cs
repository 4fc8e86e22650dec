using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Simd;

/// <summary>
/// Adds up an <see cref="IVectorSumBody"/>'s terms over [0, n): the visiting order of
/// <see cref="VectorLoop"/> (the widest vectors first, then one of each narrower width, then scalars).
/// </summary>
/// <remarks>
/// The widest width keeps two accumulators (even and odd blocks) so that consecutive adds do not
/// wait on each other's latency; the narrower widths run at most once each after it. The vector
/// accumulators are folded (<c>Vector512.Sum</c> etc.) into one float before the narrower widths and
/// the scalar tail add to it. The order depends on n and on the widths the CPU has, never on
/// threads: one CPU gives the same bits every call.
/// </remarks>
internal static class VectorSum
{
    public static float Of<TBody>(TBody body, int n)
        where TBody : struct, IVectorSumBody
    {
        nuint i = 0, end = (nuint)Math.Max(n, 0);
        float total = 0f;
        if (Vector512.IsHardwareAccelerated && i + (nuint)Vector512<float>.Count <= end)
        {
            const int w = 16;
            Vector512<float> a0 = Vector512<float>.Zero, a1 = Vector512<float>.Zero;
            for (; i + 2 * w <= end; i += 2 * w)
            {
                a0 += body.Invoke512(i);
                a1 += body.Invoke512(i + w);
            }
            if (i + w <= end)
            {
                a0 += body.Invoke512(i);
                i += w;
            }
            total = Vector512.Sum(a0 + a1);
        }
        if (Vector256.IsHardwareAccelerated && i + (nuint)Vector256<float>.Count <= end)
        {
            const int w = 8;
            Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero;
            for (; i + 2 * w <= end; i += 2 * w)
            {
                a0 += body.Invoke256(i);
                a1 += body.Invoke256(i + w);
            }
            if (i + w <= end)
            {
                a0 += body.Invoke256(i);
                i += w;
            }
            total += Vector256.Sum(a0 + a1);
        }
        if (Vector128.IsHardwareAccelerated && i + (nuint)Vector128<float>.Count <= end)
        {
            const int w = 4;
            Vector128<float> a0 = Vector128<float>.Zero, a1 = Vector128<float>.Zero;
            for (; i + 2 * w <= end; i += 2 * w)
            {
                a0 += body.Invoke128(i);
                a1 += body.Invoke128(i + w);
            }
            if (i + w <= end)
            {
                a0 += body.Invoke128(i);
                i += w;
            }
            total += Vector128.Sum(a0 + a1);
        }
        for (; i < end; i++) total += body.Invoke(i);
        return total;
    }
}
