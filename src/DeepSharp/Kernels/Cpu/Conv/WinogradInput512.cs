using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Conv;

/// <summary>
/// The Winograd F(2,3) input transform of one window, 16 channels per 512-bit vector, shared by the
/// 16-filter forward (<see cref="WinogradF23Narrow512"/>: values c apart) and kernel gradient
/// (<see cref="WinogradF23Narrow512KernelGradient"/>: ξ-major planes).
/// </summary>
internal static unsafe class WinogradInput512
{
    /// <summary>
    /// V[ξ·s + ci] = (Bᵀ·d·B)[ξ] for the 4×4 window whose top-left pixel is at <paramref name="window"/>
    /// (rows <paramref name="rowStride"/> floats apart, pixels <paramref name="c"/> apart, c a multiple of 16),
    /// the 16 transformed values <paramref name="s"/> floats apart: <see cref="WinogradTransforms.Input"/>'s
    /// operations, in its order (so the bits of the general path).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transform(float* window, long rowStride, int c, float* v, long s)
    {
        for (int cg = 0; cg < c; cg += 16)
        {
            float* p0 = window + cg, p1 = p0 + rowStride, p2 = p1 + rowStride, p3 = p2 + rowStride;
            Vector512<float> t00, t01, t02, t03, t10, t11, t12, t13, t20, t21, t22, t23, t30, t31, t32, t33;
            {
                var d0 = Vector512.Load(p0); var d1 = Vector512.Load(p1); var d2 = Vector512.Load(p2); var d3 = Vector512.Load(p3);
                t00 = d0 - d2; t10 = d1 + d2; t20 = d2 - d1; t30 = d1 - d3;
            }
            {
                var d0 = Vector512.Load(p0 + c); var d1 = Vector512.Load(p1 + c); var d2 = Vector512.Load(p2 + c); var d3 = Vector512.Load(p3 + c);
                t01 = d0 - d2; t11 = d1 + d2; t21 = d2 - d1; t31 = d1 - d3;
            }
            {
                var d0 = Vector512.Load(p0 + 2 * c); var d1 = Vector512.Load(p1 + 2 * c); var d2 = Vector512.Load(p2 + 2 * c); var d3 = Vector512.Load(p3 + 2 * c);
                t02 = d0 - d2; t12 = d1 + d2; t22 = d2 - d1; t32 = d1 - d3;
            }
            {
                var d0 = Vector512.Load(p0 + 3 * c); var d1 = Vector512.Load(p1 + 3 * c); var d2 = Vector512.Load(p2 + 3 * c); var d3 = Vector512.Load(p3 + 3 * c);
                t03 = d0 - d2; t13 = d1 + d2; t23 = d2 - d1; t33 = d1 - d3;
            }
            float* o = v + cg;
            RowTimesB(t00, t01, t02, t03, o, s);
            RowTimesB(t10, t11, t12, t13, o + 4 * s, s);
            RowTimesB(t20, t21, t22, t23, o + 8 * s, s);
            RowTimesB(t30, t31, t32, t33, o + 12 * s, s);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowTimesB(Vector512<float> t0, Vector512<float> t1, Vector512<float> t2, Vector512<float> t3, float* v, long s)
    {
        (t0 - t2).Store(v);
        (t1 + t2).Store(v + s);
        (t2 - t1).Store(v + 2 * s);
        (t1 - t3).Store(v + 3 * s);
    }

}
