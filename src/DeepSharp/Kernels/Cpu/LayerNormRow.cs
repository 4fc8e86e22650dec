using System.Numerics;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// One row of <see cref="LayerNormKernel"/>, each step one vector pass over the row (it stays in L1):
/// forward Σx, Σ(x − m)², then y = ((x − m)·rstd)·γ + β; backward Σg and Σg·xhat (g = dy·γ) with
/// the block's column sums, then dx += rstd·g − xhat·(rstd·mean(g·xhat)) − rstd·mean(g).
/// </summary>
/// <remarks>
/// <see cref="Vector{T}"/> (256-bit with AVX2, also where AVX-512 exists: these passes are short and
/// bound by loads and the sums' latency, not by the multiply width), a scalar tail with the same
/// operations. A row's sums are two vector accumulators folded at the end; the column sums add row
/// after row (multiply, then add), the same in the vector lanes and the tail.
/// </remarks>
internal static unsafe class LayerNormRow
{
    /// <summary>y = ((x − mean)·rstd)·γ + β over one row of <paramref name="c"/>; returns (mean, rstd).</summary>
    public static (float Mean, float Rstd) Forward(float* x, float* gamma, float* beta, float epsilon, float* y, int c)
    {
        float m = Sum(x, c) / c;
        float s = 1f / MathF.Sqrt(SquaredDeviations(x, m, c) / c + epsilon);
        int w = Vector<float>.Count, j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<float> vm = new(m), vs = new(s);
            for (; j + w <= c; j += w)
            {
                var t = (Vector.Load(x + j) - vm) * vs;
                if (gamma is not null) t *= Vector.Load(gamma + j);
                if (beta is not null) t += Vector.Load(beta + j);
                t.Store(y + j);
            }
        }
        for (; j < c; j++)
        {
            float t = (x[j] - m) * s;
            if (gamma is not null) t *= gamma[j];
            if (beta is not null) t += beta[j];
            y[j] = t;
        }
        return (m, s);
    }

    /// <summary>
    /// dx += rstd·(g − mean(g) − xhat·mean(g·xhat)) with xhat = (x − mean)·rstd, g = dy·γ (dx may be
    /// null); <paramref name="sums"/> (2·c, or null) += (dy·xhat, dy) per column.
    /// </summary>
    public static void Backward(float* x, float mean, float rstd, float* gamma, float* dy, float* dx, float* sums, int c)
    {
        int w = Vector<float>.Count, j = 0;
        float sg = 0f, sgx = 0f;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<float> vm = new(mean), vr = new(rstd), ag = default, agx = default;
            for (; j + w <= c; j += w)
            {
                var d = Vector.Load(dy + j);
                var xhat = (Vector.Load(x + j) - vm) * vr;
                var g = gamma is null ? d : d * Vector.Load(gamma + j);
                ag += g;
                agx += g * xhat;
                if (sums is not null)
                {
                    (Vector.Load(sums + j) + d * xhat).Store(sums + j);
                    (Vector.Load(sums + c + j) + d).Store(sums + c + j);
                }
            }
            sg = Vector.Sum(ag);
            sgx = Vector.Sum(agx);
        }
        for (int k = j; k < c; k++)
        {
            float d = dy[k], xhat = (x[k] - mean) * rstd, g = gamma is null ? d : d * gamma[k];
            sg += g;
            sgx += g * xhat;
            if (sums is not null)
            {
                sums[k] += d * xhat;
                sums[c + k] += d;
            }
        }
        if (dx is null) return;
        float shift = -rstd * (sg / c), slope = -rstd * (sgx / c);
        j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<float> vm = new(mean), vr = new(rstd), vShift = new(shift), vSlope = new(slope);
            for (; j + w <= c; j += w)
            {
                var d = Vector.Load(dy + j);
                var xhat = (Vector.Load(x + j) - vm) * vr;
                var g = gamma is null ? d : d * Vector.Load(gamma + j);
                var t = Vector.FusedMultiplyAdd(g, vr, Vector.Load(dx + j));
                t = Vector.FusedMultiplyAdd(xhat, vSlope, t);
                (t + vShift).Store(dx + j);
            }
        }
        for (; j < c; j++)
        {
            float d = dy[j], xhat = (x[j] - mean) * rstd, g = gamma is null ? d : d * gamma[j];
            float t = MathF.FusedMultiplyAdd(g, rstd, dx[j]);
            t = MathF.FusedMultiplyAdd(xhat, slope, t);
            dx[j] = t + shift;
        }
    }

    private static float Sum(float* x, int c)
    {
        int w = Vector<float>.Count, j = 0;
        float sum = 0f;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<float> a0 = default, a1 = default;
            for (; j + 2 * w <= c; j += 2 * w)
            {
                a0 += Vector.Load(x + j);
                a1 += Vector.Load(x + j + w);
            }
            if (j + w <= c)
            {
                a0 += Vector.Load(x + j);
                j += w;
            }
            sum = Vector.Sum(a0 + a1);
        }
        for (; j < c; j++) sum += x[j];
        return sum;
    }

    private static float SquaredDeviations(float* x, float m, int c)
    {
        int w = Vector<float>.Count, j = 0;
        float sum = 0f;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<float> vm = new(m), a0 = default, a1 = default;
            for (; j + 2 * w <= c; j += 2 * w)
            {
                var d0 = Vector.Load(x + j) - vm;
                var d1 = Vector.Load(x + j + w) - vm;
                a0 += d0 * d0;
                a1 += d1 * d1;
            }
            if (j + w <= c)
            {
                var d = Vector.Load(x + j) - vm;
                a0 += d * d;
                j += w;
            }
            sum = Vector.Sum(a0 + a1);
        }
        for (; j < c; j++)
        {
            float d = x[j] - m;
            sum += d * d;
        }
        return sum;
    }
}
