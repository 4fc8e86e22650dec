using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

// The update operators of OptimizerKernels: each is its twin's loop body (NaiveOptimizers), with
// the twin's operations in the twin's order and no fused multiply-add, per vector width.

/// <summary>
/// Adam, Keras 3 form: m += (g − m)·c1; v += (g² − v)·c2; w −= m·α/(√v + ε), with c1 = 1−β1,
/// c2 = 1−β2 and α from the caller. States: m, v.
/// </summary>
internal readonly struct AdamOperator(float alpha, float c1, float c2, float epsilon) : IUpdateOperator
{
    public void Invoke(ref float w, float g, ref float m, ref float v, ref float unused)
    {
        m += (g - m) * c1;
        v += (g * g - v) * c2;
        w -= m * alpha / (MathF.Sqrt(v) + epsilon);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector128<float> w, Vector128<float> g, ref Vector128<float> m, ref Vector128<float> v, ref Vector128<float> unused)
    {
        m += (g - m) * Vector128.Create(c1);
        v += (g * g - v) * Vector128.Create(c2);
        w -= m * Vector128.Create(alpha) / (Vector128.Sqrt(v) + Vector128.Create(epsilon));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector256<float> w, Vector256<float> g, ref Vector256<float> m, ref Vector256<float> v, ref Vector256<float> unused)
    {
        m += (g - m) * Vector256.Create(c1);
        v += (g * g - v) * Vector256.Create(c2);
        w -= m * Vector256.Create(alpha) / (Vector256.Sqrt(v) + Vector256.Create(epsilon));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Invoke(ref Vector512<float> w, Vector512<float> g, ref Vector512<float> m, ref Vector512<float> v, ref Vector512<float> unused)
    {
        m += (g - m) * Vector512.Create(c1);
        v += (g * g - v) * Vector512.Create(c2);
        w -= m * Vector512.Create(alpha) / (Vector512.Sqrt(v) + Vector512.Create(epsilon));
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

/// <summary>w → w − w·wd·lr (decoupled weight decay, Keras's operation order, no fused multiply-add).</summary>
internal readonly struct WeightDecayOperator(float weightDecay, float learningRate) : IUnaryOperator
{
    public float Invoke(float w) => w - w * weightDecay * learningRate;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> w) => w - w * Vector128.Create(weightDecay) * Vector128.Create(learningRate);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> w) => w - w * Vector256.Create(weightDecay) * Vector256.Create(learningRate);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> w) => w - w * Vector512.Create(weightDecay) * Vector512.Create(learningRate);
}
