using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// One row of <see cref="RmsNormKernel"/>, each step one vector pass over the row (it stays in L1).
/// Forward: Σx² (<see cref="VectorSum"/>), rstd = 1/√(Σx²/c + ε), then y = (x·rstd)·scale
/// (<see cref="VectorLoop"/>). Backward: Σg·x with g = dy·scale (adding dy·xhat into the block's
/// column sums on the way), then dx (+)= rstd·(g − xhat·mean(g·xhat)).
/// </summary>
/// <remarks>
/// Implementation notes. With xhat = x·r, r = (mean(x²) + ε)^(−1/2) and y = xhat·s:
/// ∂r/∂x_j = −r³·x_j/c, so dx_j = r·g_j − x_j·r³·Σ_k g_k·x_k/c = r·(g_j − xhat_j·m), where
/// m = mean(g·xhat) = r·Σ g·x/c. Written this way no r³ is formed (r is large when ε and x are
/// tiny); xhat is O(1). ds_j = Σ_rows dy_j·xhat_j.
/// </remarks>
internal static unsafe class RmsNormRow
{
    /// <summary>y = (x·rstd)·scale over one row of <paramref name="c"/> (scale may be null: 1); returns rstd.</summary>
    public static float Forward(float* x, float* scale, float epsilon, float* y, int c)
    {
        float rstd = 1f / MathF.Sqrt(VectorSum.Of(new RmsNormSquares(x), c) / c + epsilon);
        VectorLoop.For(new RmsNormScaledRow(x, scale, rstd, y), c);
        return rstd;
    }

    /// <summary>
    /// dx (+)= rstd·(g − xhat·mean(g·xhat)) (dx may be null; overwritten unless <paramref name="accumulate"/>);
    /// <paramref name="sums"/> (c, or null) += dy·xhat per column.
    /// </summary>
    public static void Backward(float* x, float rstd, float* scale, float* dy, float* dx, bool accumulate, float* sums, int c)
    {
        float dot = VectorSum.Of(new RmsNormGradientDot(x, dy, scale, rstd, sums), c);
        if (dx is null) return;
        float meanGXhat = rstd * dot / c;
        VectorLoop.For(new RmsNormInputGradient(x, dy, scale, rstd, meanGXhat, dx, accumulate), c);
    }
}
