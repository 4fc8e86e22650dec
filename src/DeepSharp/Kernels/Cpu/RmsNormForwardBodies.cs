using System.Runtime.Intrinsics;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

/// <summary>The terms of one row's Σx² for <see cref="RmsNormRow.Forward"/>.</summary>
internal readonly unsafe struct RmsNormSquares(float* x) : IVectorSumBody
{
    public float Invoke(nuint j) => x[j] * x[j];

    public Vector128<float> Invoke128(nuint j)
    {
        var v = Vector128.Load(x + j);
        return v * v;
    }

    public Vector256<float> Invoke256(nuint j)
    {
        var v = Vector256.Load(x + j);
        return v * v;
    }

    public Vector512<float> Invoke512(nuint j)
    {
        var v = Vector512.Load(x + j);
        return v * v;
    }
}

/// <summary>
/// y = (x·rstd)·scale over one row for <see cref="RmsNormRow.Forward"/> (scale null: y = x·rstd).
/// Every width gives the scalar body's bits.
/// </summary>
internal readonly unsafe struct RmsNormScaledRow(float* x, float* scale, float rstd, float* y) : IVectorLoopBody
{
    public void Invoke(nuint j)
    {
        float t = x[j] * rstd;
        y[j] = scale is null ? t : t * scale[j];
    }

    public void Invoke128(nuint j)
    {
        var t = Vector128.Load(x + j) * rstd;
        (scale is null ? t : t * Vector128.Load(scale + j)).Store(y + j);
    }

    public void Invoke256(nuint j)
    {
        var t = Vector256.Load(x + j) * rstd;
        (scale is null ? t : t * Vector256.Load(scale + j)).Store(y + j);
    }

    public void Invoke512(nuint j)
    {
        var t = Vector512.Load(x + j) * rstd;
        (scale is null ? t : t * Vector512.Load(scale + j)).Store(y + j);
    }
}
