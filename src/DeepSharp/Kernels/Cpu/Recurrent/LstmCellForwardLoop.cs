using System.Runtime.Intrinsics;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// The LSTM cell's forward arithmetic for one row slice in a single pass (see the notes of
/// <see cref="LstmCell"/>): the four gates activated in place by <see cref="CellActivationMath"/>,
/// c = fma(i, g, f·c_prev), h = o·act(c). Every width gives the scalar body's bits.
/// </summary>
internal readonly unsafe struct LstmCellForwardLoop(
    float* i, float* f, float* g, float* o, float* cPrev, float* c, float* h,
    CellActivation activation, CellActivation recurrentActivation) : IVectorLoopBody
{
    public void Invoke(nuint k)
    {
        float ik = CellActivationMath.Apply(recurrentActivation, i[k]);
        float fk = CellActivationMath.Apply(recurrentActivation, f[k]);
        float gk = CellActivationMath.Apply(activation, g[k]);
        float ok = CellActivationMath.Apply(recurrentActivation, o[k]);
        (i[k], f[k], g[k], o[k]) = (ik, fk, gk, ok);
        float ck = MathF.FusedMultiplyAdd(ik, gk, fk * cPrev[k]);
        c[k] = ck;
        h[k] = ok * CellActivationMath.Apply(activation, ck);
    }

    public void Invoke128(nuint k)
    {
        var ik = CellActivationMath.Apply(recurrentActivation, Vector128.Load(i + k));
        var fk = CellActivationMath.Apply(recurrentActivation, Vector128.Load(f + k));
        var gk = CellActivationMath.Apply(activation, Vector128.Load(g + k));
        var ok = CellActivationMath.Apply(recurrentActivation, Vector128.Load(o + k));
        ik.Store(i + k);
        fk.Store(f + k);
        gk.Store(g + k);
        ok.Store(o + k);
        var ck = Vector128.FusedMultiplyAdd(ik, gk, fk * Vector128.Load(cPrev + k));
        ck.Store(c + k);
        (ok * CellActivationMath.Apply(activation, ck)).Store(h + k);
    }

    public void Invoke256(nuint k)
    {
        var ik = CellActivationMath.Apply(recurrentActivation, Vector256.Load(i + k));
        var fk = CellActivationMath.Apply(recurrentActivation, Vector256.Load(f + k));
        var gk = CellActivationMath.Apply(activation, Vector256.Load(g + k));
        var ok = CellActivationMath.Apply(recurrentActivation, Vector256.Load(o + k));
        ik.Store(i + k);
        fk.Store(f + k);
        gk.Store(g + k);
        ok.Store(o + k);
        var ck = Vector256.FusedMultiplyAdd(ik, gk, fk * Vector256.Load(cPrev + k));
        ck.Store(c + k);
        (ok * CellActivationMath.Apply(activation, ck)).Store(h + k);
    }

    public void Invoke512(nuint k)
    {
        var ik = CellActivationMath.Apply(recurrentActivation, Vector512.Load(i + k));
        var fk = CellActivationMath.Apply(recurrentActivation, Vector512.Load(f + k));
        var gk = CellActivationMath.Apply(activation, Vector512.Load(g + k));
        var ok = CellActivationMath.Apply(recurrentActivation, Vector512.Load(o + k));
        ik.Store(i + k);
        fk.Store(f + k);
        gk.Store(g + k);
        ok.Store(o + k);
        var ck = Vector512.FusedMultiplyAdd(ik, gk, fk * Vector512.Load(cPrev + k));
        ck.Store(c + k);
        (ok * CellActivationMath.Apply(activation, ck)).Store(h + k);
    }
}
