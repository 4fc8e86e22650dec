using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Lion, Keras 3 form, with c1 = 1 − β1 and c2 = 1 − β2 from the caller: d = m·β1 + g·c1;
/// w −= lr·sign(d) (sign(NaN) = NaN, sign(±0) = 0); m = m·β2 + g·c2. State: m.
/// </summary>
/// <remarks>
/// The vector sign is (d &gt; 0) − (d &lt; 0) as ±1/0 in each lane, and d itself where d ≠ d (NaN), so each lane
/// multiplies lr by the scalar form's operand and gives its bits.
/// </remarks>
internal readonly struct LionOperator(float lr, float beta1, float beta2, float c1, float c2) : IUpdateOperator
{
    public void Invoke(ref float w, float g, ref float m, ref float unused2, ref float unused3)
    {
        float direction = m * beta1 + g * c1;
        w -= lr * (float.IsNaN(direction) ? direction : MathF.Sign(direction));
        m = m * beta2 + g * c2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector128<float> w, Vector128<float> g, ref Vector128<float> m, ref Vector128<float> unused2, ref Vector128<float> unused3)
    {
        var d = m * Vector128.Create(beta1) + g * Vector128.Create(c1);
        var one = Vector128<float>.One;
        var sign = (Vector128.GreaterThan(d, Vector128<float>.Zero) & one) - (Vector128.LessThan(d, Vector128<float>.Zero) & one);
        w -= Vector128.Create(lr) * Vector128.ConditionalSelect(Vector128.Equals(d, d), sign, d);
        m = m * Vector128.Create(beta2) + g * Vector128.Create(c2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector256<float> w, Vector256<float> g, ref Vector256<float> m, ref Vector256<float> unused2, ref Vector256<float> unused3)
    {
        var d = m * Vector256.Create(beta1) + g * Vector256.Create(c1);
        var one = Vector256<float>.One;
        var sign = (Vector256.GreaterThan(d, Vector256<float>.Zero) & one) - (Vector256.LessThan(d, Vector256<float>.Zero) & one);
        w -= Vector256.Create(lr) * Vector256.ConditionalSelect(Vector256.Equals(d, d), sign, d);
        m = m * Vector256.Create(beta2) + g * Vector256.Create(c2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector512<float> w, Vector512<float> g, ref Vector512<float> m, ref Vector512<float> unused2, ref Vector512<float> unused3)
    {
        var d = m * Vector512.Create(beta1) + g * Vector512.Create(c1);
        var one = Vector512<float>.One;
        var sign = (Vector512.GreaterThan(d, Vector512<float>.Zero) & one) - (Vector512.LessThan(d, Vector512<float>.Zero) & one);
        w -= Vector512.Create(lr) * Vector512.ConditionalSelect(Vector512.Equals(d, d), sign, d);
        m = m * Vector512.Create(beta2) + g * Vector512.Create(c2);
    }
}

/// <summary>
/// Adamax, Keras 3 form, with c1 = 1 − β1 and bias = 1 − β1^t from the caller: m += (g − m)·c1;
/// u = max(β2·u, |g|); w −= lr·m/(bias·(u + ε)). States: m, u.
/// </summary>
/// <remarks>
/// Vector Max is MathF.Max's IEEE 754:2019 maximum since .NET 9 (a NaN wins, +0 over −0), so every lane has the scalar bits.
/// </remarks>
internal readonly struct AdamaxOperator(float lr, float c1, float beta2, float epsilon, float bias) : IUpdateOperator
{
    public void Invoke(ref float w, float g, ref float m, ref float u, ref float unused)
    {
        m += (g - m) * c1;
        u = MathF.Max(beta2 * u, MathF.Abs(g));
        w -= lr * m / (bias * (u + epsilon));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector128<float> w, Vector128<float> g, ref Vector128<float> m, ref Vector128<float> u, ref Vector128<float> unused)
    {
        m += (g - m) * Vector128.Create(c1);
        u = Vector128.Max(Vector128.Create(beta2) * u, Vector128.Abs(g));
        w -= Vector128.Create(lr) * m / (Vector128.Create(bias) * (u + Vector128.Create(epsilon)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector256<float> w, Vector256<float> g, ref Vector256<float> m, ref Vector256<float> u, ref Vector256<float> unused)
    {
        m += (g - m) * Vector256.Create(c1);
        u = Vector256.Max(Vector256.Create(beta2) * u, Vector256.Abs(g));
        w -= Vector256.Create(lr) * m / (Vector256.Create(bias) * (u + Vector256.Create(epsilon)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector512<float> w, Vector512<float> g, ref Vector512<float> m, ref Vector512<float> u, ref Vector512<float> unused)
    {
        m += (g - m) * Vector512.Create(c1);
        u = Vector512.Max(Vector512.Create(beta2) * u, Vector512.Abs(g));
        w -= Vector512.Create(lr) * m / (Vector512.Create(bias) * (u + Vector512.Create(epsilon)));
    }
}
