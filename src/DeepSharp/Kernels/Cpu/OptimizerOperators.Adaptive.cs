using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// RMSprop, not centered, with c = 1−ρ from the caller: v = ρ·v + c·g²; inc = lr·g/√(v + ε); with momentum μ &gt; 0,
/// m = μ·m + inc and w −= m, else w −= inc. States: v, and m when μ &gt; 0.
/// </summary>
internal readonly struct RmsPropOperator(float lr, float rho, float c, float momentum, float epsilon) : IUpdateOperator
{

    public void Invoke(ref float w, float g, ref float v, ref float m, ref float unused)
    {
        v = rho * v + c * (g * g);
        float inc = lr * g / MathF.Sqrt(v + epsilon);
        if (momentum > 0f)
        {
            m = momentum * m + inc;
            w -= m;
        }
        else
        {
            w -= inc;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector128<float> w, Vector128<float> g, ref Vector128<float> v, ref Vector128<float> m, ref Vector128<float> unused)
    {
        var mu = Vector128.Create(momentum); // here, where the JIT hoists it out of the loop
        v = Vector128.Create(rho) * v + Vector128.Create(c) * (g * g);
        var inc = Vector128.Create(lr) * g / Vector128.Sqrt(v + Vector128.Create(epsilon));
        if (momentum > 0f)
        {
            m = mu * m + inc;
            w -= m;
        }
        else
        {
            w -= inc;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector256<float> w, Vector256<float> g, ref Vector256<float> v, ref Vector256<float> m, ref Vector256<float> unused)
    {
        var mu = Vector256.Create(momentum); // here, where the JIT hoists it out of the loop
        v = Vector256.Create(rho) * v + Vector256.Create(c) * (g * g);
        var inc = Vector256.Create(lr) * g / Vector256.Sqrt(v + Vector256.Create(epsilon));
        if (momentum > 0f)
        {
            m = mu * m + inc;
            w -= m;
        }
        else
        {
            w -= inc;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector512<float> w, Vector512<float> g, ref Vector512<float> v, ref Vector512<float> m, ref Vector512<float> unused)
    {
        var mu = Vector512.Create(momentum); // here, where the JIT hoists it out of the loop
        v = Vector512.Create(rho) * v + Vector512.Create(c) * (g * g);
        var inc = Vector512.Create(lr) * g / Vector512.Sqrt(v + Vector512.Create(epsilon));
        if (momentum > 0f)
        {
            m = mu * m + inc;
            w -= m;
        }
        else
        {
            w -= inc;
        }
    }
}

/// <summary>
/// Centered RMSprop: as <see cref="RmsPropOperator"/> with a = ρ·a + c·g and
/// inc = lr·g/√(v − a² + ε). States: v, a, and m when μ &gt; 0.
/// </summary>
internal readonly struct CenteredRmsPropOperator(float lr, float rho, float c, float momentum, float epsilon) : IUpdateOperator
{

    public void Invoke(ref float w, float g, ref float v, ref float a, ref float m)
    {
        v = rho * v + c * (g * g);
        a = rho * a + c * g;
        float inc = lr * g / MathF.Sqrt(v - a * a + epsilon);
        if (momentum > 0f)
        {
            m = momentum * m + inc;
            w -= m;
        }
        else
        {
            w -= inc;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector128<float> w, Vector128<float> g, ref Vector128<float> v, ref Vector128<float> a, ref Vector128<float> m)
    {
        var mu = Vector128.Create(momentum); // here, where the JIT hoists it out of the loop
        v = Vector128.Create(rho) * v + Vector128.Create(c) * (g * g);
        a = Vector128.Create(rho) * a + Vector128.Create(c) * g;
        var inc = Vector128.Create(lr) * g / Vector128.Sqrt(v - a * a + Vector128.Create(epsilon));
        if (momentum > 0f)
        {
            m = mu * m + inc;
            w -= m;
        }
        else
        {
            w -= inc;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector256<float> w, Vector256<float> g, ref Vector256<float> v, ref Vector256<float> a, ref Vector256<float> m)
    {
        var mu = Vector256.Create(momentum); // here, where the JIT hoists it out of the loop
        v = Vector256.Create(rho) * v + Vector256.Create(c) * (g * g);
        a = Vector256.Create(rho) * a + Vector256.Create(c) * g;
        var inc = Vector256.Create(lr) * g / Vector256.Sqrt(v - a * a + Vector256.Create(epsilon));
        if (momentum > 0f)
        {
            m = mu * m + inc;
            w -= m;
        }
        else
        {
            w -= inc;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector512<float> w, Vector512<float> g, ref Vector512<float> v, ref Vector512<float> a, ref Vector512<float> m)
    {
        var mu = Vector512.Create(momentum); // here, where the JIT hoists it out of the loop
        v = Vector512.Create(rho) * v + Vector512.Create(c) * (g * g);
        a = Vector512.Create(rho) * a + Vector512.Create(c) * g;
        var inc = Vector512.Create(lr) * g / Vector512.Sqrt(v - a * a + Vector512.Create(epsilon));
        if (momentum > 0f)
        {
            m = mu * m + inc;
            w -= m;
        }
        else
        {
            w -= inc;
        }
    }
}

/// <summary>Adagrad: acc += g²; w −= lr·g/√(acc + ε). State: acc.</summary>
internal readonly struct AdagradOperator(float lr, float epsilon) : IUpdateOperator
{
    public void Invoke(ref float w, float g, ref float acc, ref float unused2, ref float unused3)
    {
        acc += g * g;
        w -= lr * g / MathF.Sqrt(acc + epsilon);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector128<float> w, Vector128<float> g, ref Vector128<float> acc, ref Vector128<float> unused2, ref Vector128<float> unused3)
    {
        acc += g * g;
        w -= Vector128.Create(lr) * g / Vector128.Sqrt(acc + Vector128.Create(epsilon));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector256<float> w, Vector256<float> g, ref Vector256<float> acc, ref Vector256<float> unused2, ref Vector256<float> unused3)
    {
        acc += g * g;
        w -= Vector256.Create(lr) * g / Vector256.Sqrt(acc + Vector256.Create(epsilon));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector512<float> w, Vector512<float> g, ref Vector512<float> acc, ref Vector512<float> unused2, ref Vector512<float> unused3)
    {
        acc += g * g;
        w -= Vector512.Create(lr) * g / Vector512.Sqrt(acc + Vector512.Create(epsilon));
    }
}

/// <summary>The per-step scalars of a Nadam update, float32 as Keras 3 computes them (see <see cref="Reference.NaiveOptimizers.Nadam"/>).</summary>
internal readonly record struct NadamStep(float LearningRate, float C1, float C2, float Epsilon,
    float UNext, float MomentDen, float GradientCoef, float GradientDen, float VelocityDen);

/// <summary>
/// Nadam, Keras 3 form, with the step's scalars from the caller: m += (g − m)·c1; v += (g² − v)·c2;
/// m̂ = u_{t+1}·m/mDen + (1 − u_t)·g/gDen; w −= m̂·lr/(√(v/vDen) + ε). States: m, v.
/// </summary>
internal readonly struct NadamOperator(NadamStep s) : IUpdateOperator
{
    public void Invoke(ref float w, float g, ref float m, ref float v, ref float unused)
    {
        m += (g - m) * s.C1;
        v += (g * g - v) * s.C2;
        float mHat = s.UNext * m / s.MomentDen + s.GradientCoef * g / s.GradientDen;
        w -= mHat * s.LearningRate / (MathF.Sqrt(v / s.VelocityDen) + s.Epsilon);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector128<float> w, Vector128<float> g, ref Vector128<float> m, ref Vector128<float> v, ref Vector128<float> unused)
    {
        m += (g - m) * Vector128.Create(s.C1);
        v += (g * g - v) * Vector128.Create(s.C2);
        var mHat = Vector128.Create(s.UNext) * m / Vector128.Create(s.MomentDen) + Vector128.Create(s.GradientCoef) * g / Vector128.Create(s.GradientDen);
        w -= mHat * Vector128.Create(s.LearningRate) / (Vector128.Sqrt(v / Vector128.Create(s.VelocityDen)) + Vector128.Create(s.Epsilon));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector256<float> w, Vector256<float> g, ref Vector256<float> m, ref Vector256<float> v, ref Vector256<float> unused)
    {
        m += (g - m) * Vector256.Create(s.C1);
        v += (g * g - v) * Vector256.Create(s.C2);
        var mHat = Vector256.Create(s.UNext) * m / Vector256.Create(s.MomentDen) + Vector256.Create(s.GradientCoef) * g / Vector256.Create(s.GradientDen);
        w -= mHat * Vector256.Create(s.LearningRate) / (Vector256.Sqrt(v / Vector256.Create(s.VelocityDen)) + Vector256.Create(s.Epsilon));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector512<float> w, Vector512<float> g, ref Vector512<float> m, ref Vector512<float> v, ref Vector512<float> unused)
    {
        m += (g - m) * Vector512.Create(s.C1);
        v += (g * g - v) * Vector512.Create(s.C2);
        var mHat = Vector512.Create(s.UNext) * m / Vector512.Create(s.MomentDen) + Vector512.Create(s.GradientCoef) * g / Vector512.Create(s.GradientDen);
        w -= mHat * Vector512.Create(s.LearningRate) / (Vector512.Sqrt(v / Vector512.Create(s.VelocityDen)) + Vector512.Create(s.Epsilon));
    }
}
