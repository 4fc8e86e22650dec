using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// The LSTM cell's backward arithmetic for one row slice in a single pass (see the notes of
/// <see cref="LstmCell"/>): act(c) by <see cref="CellActivationMath"/> (the forward pass's function),
/// then the derivative operators of <see cref="CellActivationKernel"/> (no contraction into fused
/// multiply-adds), each input read once. Every width gives the scalar body's bits.
/// </summary>
internal readonly unsafe struct LstmCellBackwardLoop(
    float* i, float* f, float* g, float* o, float* cPrev, float* c, float* dh, float* dc,
    float* dcPrev, float* di, float* df, float* dg, float* dO,
    CellActivation activation, CellActivation recurrentActivation) : IVectorLoopBody
{
    public void Invoke(nuint k)
    {
        float a = CellActivationMath.Apply(activation, c[k]), dhk = dh[k];
        float total = Derivative(activation, a, dhk * o[k]) + dc[k];
        float fk = f[k], gk = g[k], ik = i[k];
        df[k] = Derivative(recurrentActivation, fk, total * cPrev[k]);
        dg[k] = Derivative(activation, gk, total * ik);
        dcPrev[k] = total * fk;
        di[k] = Derivative(recurrentActivation, ik, total * gk);
        dO[k] = Derivative(recurrentActivation, o[k], a * dhk);
    }

    public void Invoke128(nuint k)
    {
        var a = CellActivationMath.Apply(activation, Vector128.Load(c + k));
        var dhk = Vector128.Load(dh + k);
        var total = Derivative(activation, a, dhk * Vector128.Load(o + k)) + Vector128.Load(dc + k);
        var fk = Vector128.Load(f + k);
        var gk = Vector128.Load(g + k);
        var ik = Vector128.Load(i + k);
        Derivative(recurrentActivation, fk, total * Vector128.Load(cPrev + k)).Store(df + k);
        Derivative(activation, gk, total * ik).Store(dg + k);
        (total * fk).Store(dcPrev + k);
        Derivative(recurrentActivation, ik, total * gk).Store(di + k);
        Derivative(recurrentActivation, Vector128.Load(o + k), a * dhk).Store(dO + k);
    }

    public void Invoke256(nuint k)
    {
        var a = CellActivationMath.Apply(activation, Vector256.Load(c + k));
        var dhk = Vector256.Load(dh + k);
        var total = Derivative(activation, a, dhk * Vector256.Load(o + k)) + Vector256.Load(dc + k);
        var fk = Vector256.Load(f + k);
        var gk = Vector256.Load(g + k);
        var ik = Vector256.Load(i + k);
        Derivative(recurrentActivation, fk, total * Vector256.Load(cPrev + k)).Store(df + k);
        Derivative(activation, gk, total * ik).Store(dg + k);
        (total * fk).Store(dcPrev + k);
        Derivative(recurrentActivation, ik, total * gk).Store(di + k);
        Derivative(recurrentActivation, Vector256.Load(o + k), a * dhk).Store(dO + k);
    }

    public void Invoke512(nuint k)
    {
        var a = CellActivationMath.Apply(activation, Vector512.Load(c + k));
        var dhk = Vector512.Load(dh + k);
        var total = Derivative(activation, a, dhk * Vector512.Load(o + k)) + Vector512.Load(dc + k);
        var fk = Vector512.Load(f + k);
        var gk = Vector512.Load(g + k);
        var ik = Vector512.Load(i + k);
        Derivative(recurrentActivation, fk, total * Vector512.Load(cPrev + k)).Store(df + k);
        Derivative(activation, gk, total * ik).Store(dg + k);
        (total * fk).Store(dcPrev + k);
        Derivative(recurrentActivation, ik, total * gk).Store(di + k);
        Derivative(recurrentActivation, Vector512.Load(o + k), a * dhk).Store(dO + k);
    }

    // d·f′ through the output y, exactly as CellActivationKernel.MultiplyDerivative computes it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Derivative(CellActivation f, float y, float d) => f switch
    {
        CellActivation.Tanh => default(TanhDerivativeOperator).Invoke(y, d),
        CellActivation.Sigmoid => default(SigmoidDerivativeOperator).Invoke(y, d),
        CellActivation.Relu => default(ReluMaskOperator).Invoke(y, d),
        _ => d,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Derivative(CellActivation f, Vector128<float> y, Vector128<float> d) => f switch
    {
        CellActivation.Tanh => default(TanhDerivativeOperator).Invoke(y, d),
        CellActivation.Sigmoid => default(SigmoidDerivativeOperator).Invoke(y, d),
        CellActivation.Relu => default(ReluMaskOperator).Invoke(y, d),
        _ => d,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Derivative(CellActivation f, Vector256<float> y, Vector256<float> d) => f switch
    {
        CellActivation.Tanh => default(TanhDerivativeOperator).Invoke(y, d),
        CellActivation.Sigmoid => default(SigmoidDerivativeOperator).Invoke(y, d),
        CellActivation.Relu => default(ReluMaskOperator).Invoke(y, d),
        _ => d,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Derivative(CellActivation f, Vector512<float> y, Vector512<float> d) => f switch
    {
        CellActivation.Tanh => default(TanhDerivativeOperator).Invoke(y, d),
        CellActivation.Sigmoid => default(SigmoidDerivativeOperator).Invoke(y, d),
        CellActivation.Relu => default(ReluMaskOperator).Invoke(y, d),
        _ => d,
    };
}
