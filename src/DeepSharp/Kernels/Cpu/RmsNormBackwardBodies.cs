using System.Runtime.Intrinsics;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// One row's Σ g·x (g = dy·scale, or dy when scale is null) for <see cref="RmsNormRow.Backward"/>;
/// as it goes, adds dy·xhat (xhat = x·rstd) into the block's column sums when <c>sums</c> is not null.
/// </summary>
internal readonly unsafe struct RmsNormGradientDot(float* x, float* dy, float* scale, float rstd, float* sums) : IVectorSumBody
{
    public float Invoke(nuint j)
    {
        float d = dy[j], xj = x[j];
        if (sums is not null) sums[j] += d * (xj * rstd);
        return scale is null ? d * xj : d * scale[j] * xj;
    }

    public Vector128<float> Invoke128(nuint j)
    {
        Vector128<float> d = Vector128.Load(dy + j), xj = Vector128.Load(x + j);
        if (sums is not null) (Vector128.Load(sums + j) + d * (xj * rstd)).Store(sums + j);
        return scale is null ? d * xj : d * Vector128.Load(scale + j) * xj;
    }

    public Vector256<float> Invoke256(nuint j)
    {
        Vector256<float> d = Vector256.Load(dy + j), xj = Vector256.Load(x + j);
        if (sums is not null) (Vector256.Load(sums + j) + d * (xj * rstd)).Store(sums + j);
        return scale is null ? d * xj : d * Vector256.Load(scale + j) * xj;
    }

    public Vector512<float> Invoke512(nuint j)
    {
        Vector512<float> d = Vector512.Load(dy + j), xj = Vector512.Load(x + j);
        if (sums is not null) (Vector512.Load(sums + j) + d * (xj * rstd)).Store(sums + j);
        return scale is null ? d * xj : d * Vector512.Load(scale + j) * xj;
    }
}

/// <summary>
/// dx (+)= rstd·(g − xhat·meanGXhat) over one row for <see cref="RmsNormRow.Backward"/>, with
/// xhat = x·rstd and g = dy·scale: t = fma(−xhat, meanGXhat, g), dx = fma(t, rstd, dx or 0).
/// Every width gives the scalar body's bits.
/// </summary>
internal readonly unsafe struct RmsNormInputGradient(float* x, float* dy, float* scale, float rstd, float meanGXhat, float* dx, bool accumulate)
    : IVectorLoopBody
{
    public void Invoke(nuint j)
    {
        float g = scale is null ? dy[j] : dy[j] * scale[j];
        float t = MathF.FusedMultiplyAdd(-(x[j] * rstd), meanGXhat, g);
        dx[j] = MathF.FusedMultiplyAdd(t, rstd, accumulate ? dx[j] : 0f);
    }

    public void Invoke128(nuint j)
    {
        var g = scale is null ? Vector128.Load(dy + j) : Vector128.Load(dy + j) * Vector128.Load(scale + j);
        var t = Vector128.FusedMultiplyAdd(-(Vector128.Load(x + j) * rstd), Vector128.Create(meanGXhat), g);
        Vector128.FusedMultiplyAdd(t, Vector128.Create(rstd), accumulate ? Vector128.Load(dx + j) : Vector128<float>.Zero).Store(dx + j);
    }

    public void Invoke256(nuint j)
    {
        var g = scale is null ? Vector256.Load(dy + j) : Vector256.Load(dy + j) * Vector256.Load(scale + j);
        var t = Vector256.FusedMultiplyAdd(-(Vector256.Load(x + j) * rstd), Vector256.Create(meanGXhat), g);
        Vector256.FusedMultiplyAdd(t, Vector256.Create(rstd), accumulate ? Vector256.Load(dx + j) : Vector256<float>.Zero).Store(dx + j);
    }

    public void Invoke512(nuint j)
    {
        var g = scale is null ? Vector512.Load(dy + j) : Vector512.Load(dy + j) * Vector512.Load(scale + j);
        var t = Vector512.FusedMultiplyAdd(-(Vector512.Load(x + j) * rstd), Vector512.Create(meanGXhat), g);
        Vector512.FusedMultiplyAdd(t, Vector512.Create(rstd), accumulate ? Vector512.Load(dx + j) : Vector512<float>.Zero).Store(dx + j);
    }
}
