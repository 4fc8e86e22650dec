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

/// <summary>
/// Nadam with the step's scalars from the caller: m += (g − m)·(1−β1); v += (g² − v)·(1−β2);
/// w −= lr·(kM·m + kG·g)/(√(v/vDen) + ε). States: m, v.
/// </summary>
internal readonly struct NadamOperator(float lr, float beta1, float beta2, float epsilon, float kM, float kG, float vDen) : IUpdateOperator
{
    private readonly float _c1 = 1f - beta1, _c2 = 1f - beta2;

    public void Invoke(ref float w, float g, ref float m, ref float v, ref float unused)
    {
        m += (g - m) * _c1;
        v += (g * g - v) * _c2;
        float mHat = kM * m + kG * g;
        w -= lr * mHat / (MathF.Sqrt(v / vDen) + epsilon);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector128<float> w, Vector128<float> g, ref Vector128<float> m, ref Vector128<float> v, ref Vector128<float> unused)
    {
        m += (g - m) * Vector128.Create(_c1);
        v += (g * g - v) * Vector128.Create(_c2);
        var mHat = Vector128.Create(kM) * m + Vector128.Create(kG) * g;
        w -= Vector128.Create(lr) * mHat / (Vector128.Sqrt(v / Vector128.Create(vDen)) + Vector128.Create(epsilon));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector256<float> w, Vector256<float> g, ref Vector256<float> m, ref Vector256<float> v, ref Vector256<float> unused)
    {
        m += (g - m) * Vector256.Create(_c1);
        v += (g * g - v) * Vector256.Create(_c2);
        var mHat = Vector256.Create(kM) * m + Vector256.Create(kG) * g;
        w -= Vector256.Create(lr) * mHat / (Vector256.Sqrt(v / Vector256.Create(vDen)) + Vector256.Create(epsilon));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector512<float> w, Vector512<float> g, ref Vector512<float> m, ref Vector512<float> v, ref Vector512<float> unused)
    {
        m += (g - m) * Vector512.Create(_c1);
        v += (g * g - v) * Vector512.Create(_c2);
        var mHat = Vector512.Create(kM) * m + Vector512.Create(kG) * g;
        w -= Vector512.Create(lr) * mHat / (Vector512.Sqrt(v / Vector512.Create(vDen)) + Vector512.Create(epsilon));
    }
}
