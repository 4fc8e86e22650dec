using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

// The update operators of OptimizerKernels: each is its twin's loop body (NaiveOptimizers), with
// the twin's operations in the twin's order and no fused multiply-add, per vector width.

/// <summary>Adam: m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g·g; w −= lrT·m/(√v + ε). States: m, v.</summary>
internal readonly struct AdamOperator(float lrT, float beta1, float beta2, float epsilon) : IUpdateOperator
{
    private readonly float _c1 = 1f - beta1, _c2 = 1f - beta2;

    public void Invoke(ref float w, float g, ref float m, ref float v, ref float unused)
    {
        m = beta1 * m + _c1 * g;
        v = beta2 * v + _c2 * g * g;
        w -= lrT * m / (MathF.Sqrt(v) + epsilon);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector128<float> w, Vector128<float> g, ref Vector128<float> m, ref Vector128<float> v, ref Vector128<float> unused)
    {
        m = Vector128.Create(beta1) * m + Vector128.Create(_c1) * g;
        v = Vector128.Create(beta2) * v + Vector128.Create(_c2) * g * g;
        w -= Vector128.Create(lrT) * m / (Vector128.Sqrt(v) + Vector128.Create(epsilon));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector256<float> w, Vector256<float> g, ref Vector256<float> m, ref Vector256<float> v, ref Vector256<float> unused)
    {
        m = Vector256.Create(beta1) * m + Vector256.Create(_c1) * g;
        v = Vector256.Create(beta2) * v + Vector256.Create(_c2) * g * g;
        w -= Vector256.Create(lrT) * m / (Vector256.Sqrt(v) + Vector256.Create(epsilon));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector512<float> w, Vector512<float> g, ref Vector512<float> m, ref Vector512<float> v, ref Vector512<float> unused)
    {
        m = Vector512.Create(beta1) * m + Vector512.Create(_c1) * g;
        v = Vector512.Create(beta2) * v + Vector512.Create(_c2) * g * g;
        w -= Vector512.Create(lrT) * m / (Vector512.Sqrt(v) + Vector512.Create(epsilon));
    }
}

/// <summary>SGD without momentum: w −= lr·g. No states.</summary>
internal readonly struct SgdOperator(float lr) : IUpdateOperator
{
    public void Invoke(ref float w, float g, ref float u1, ref float u2, ref float u3) => w -= lr * g;

    public void Invoke(ref Vector128<float> w, Vector128<float> g, ref Vector128<float> u1, ref Vector128<float> u2, ref Vector128<float> u3)
        => w -= Vector128.Create(lr) * g;

    public void Invoke(ref Vector256<float> w, Vector256<float> g, ref Vector256<float> u1, ref Vector256<float> u2, ref Vector256<float> u3)
        => w -= Vector256.Create(lr) * g;

    public void Invoke(ref Vector512<float> w, Vector512<float> g, ref Vector512<float> u1, ref Vector512<float> u2, ref Vector512<float> u3)
        => w -= Vector512.Create(lr) * g;
}

/// <summary>SGD with momentum μ: v = μ·v − lr·g; w += v, or with Nesterov w += μ·v − lr·g. State: v.</summary>
internal readonly struct MomentumSgdOperator(float lr, float momentum, bool nesterov) : IUpdateOperator
{
    public void Invoke(ref float w, float g, ref float v, ref float unused2, ref float unused3)
    {
        v = momentum * v - lr * g;
        w += nesterov ? momentum * v - lr * g : v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector128<float> w, Vector128<float> g, ref Vector128<float> v, ref Vector128<float> unused2, ref Vector128<float> unused3)
    {
        var step = Vector128.Create(lr) * g;
        v = Vector128.Create(momentum) * v - step;
        w += nesterov ? Vector128.Create(momentum) * v - step : v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector256<float> w, Vector256<float> g, ref Vector256<float> v, ref Vector256<float> unused2, ref Vector256<float> unused3)
    {
        var step = Vector256.Create(lr) * g;
        v = Vector256.Create(momentum) * v - step;
        w += nesterov ? Vector256.Create(momentum) * v - step : v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector512<float> w, Vector512<float> g, ref Vector512<float> v, ref Vector512<float> unused2, ref Vector512<float> unused3)
    {
        var step = Vector512.Create(lr) * g;
        v = Vector512.Create(momentum) * v - step;
        w += nesterov ? Vector512.Create(momentum) * v - step : v;
    }
}
