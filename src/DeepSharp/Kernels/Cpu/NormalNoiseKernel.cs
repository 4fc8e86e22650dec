using System.Numerics;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Normal noise from a counter-based generator, combined with x in the same pass: noise[i] = mean + std·n(i)
/// and y[i] = x[i] + noise[i] (<see cref="NoiseCombine.Add"/>, GaussianNoise) or x[i]·noise[i]
/// (<see cref="NoiseCombine.Multiply"/>, GaussianDropout), where n(i) is a standard normal that depends only
/// on the call's key and i. <see cref="Reference.NaiveNormalNoise"/> is the contract: which Philox4x32-10
/// words feed which element, and the exact float operations of the transform.
/// </summary>
/// <remarks>
/// Why: the noise layers drew one xoshiro128** value after another on one thread and turned each pair into
/// two normals with double-precision log, cos and sin (≈ 25 ns an element). Here a 32-element group takes
/// the eight Philox blocks 8g … 8g+7 (counter (b, 0, 1, 0): the 1 keeps these streams apart from
/// <see cref="DropoutMaskKernel"/>'s, which use 0), computed with the scalar <see cref="Philox4x32.Block"/>;
/// pair p (0–15) reads words 2(p mod 2) and 2(p mod 2)+1 of block 8g + p/2 as u1 = (w₁≫8 + 1)·2⁻²⁴ in (0, 1]
/// and u2 = (w₂≫8)·2⁻²⁴ in [0, 1), and Box–Muller gives element 32g + p = r·cos 2πu2 and 32g + 16 + p =
/// r·sin 2πu2 with r = √(−2 ln u1) (so |n| ≤ √(2·24·ln 2) ≈ 5.77, as the old 24-bit draws).
/// The transform runs on <see cref="Vector{T}"/> (4, 8 or 16 lanes: 16 pairs are whole vectors at every
/// width) with only IEEE-exact operations (+, −, ·, √, bit operations, exact conversions; no fused
/// multiply-add), so every width and the scalar twin give the same bits. ln: u1 = m·2ᵉ with m in
/// [√½, √2), ln(1 + f) for f = m − 1 by Cephes's single-precision minimax polynomial (Moshier; ≈ 1 ulp),
/// plus e·ln 2 in two parts. sin/cos of 2πu2: 4·u2 = q + f exactly (quadrant q, f in [0, 1)), the
/// Taylor polynomials of sin and cos at x = f·π/2 in [0, π/2) to x¹¹ and x¹² (truncation error below
/// 6·10⁻⁸), then the quadrant swaps them and sets signs. Tasks of <see cref="TaskElements"/> (whole groups)
/// spread over the worker pool; which thread runs a task never changes its bits.
/// </remarks>
internal static unsafe class NormalNoiseKernel
{
    /// <summary>Elements per group: sixteen Box–Muller pairs from eight Philox blocks.</summary>
    public const int GroupElements = 32;
    private const int Pairs = GroupElements / 2;
    private const int TaskElements = 8192; // a whole number of groups

    /// <summary>noise[i] = mean + std·n(i) (skipped when <paramref name="noise"/> is empty) and y[i] = x[i] ∘ noise[i], for i in [0, x.Length).</summary>
    public static void Apply(ReadOnlySpan<float> x, Span<float> noise, Span<float> y, uint k0, uint k1, float mean, float std, NoiseCombine combine)
    {
        if (y.Length < x.Length || (!noise.IsEmpty && noise.Length < x.Length))
            throw new ArgumentException($"Normal noise has {noise.Length} and output {y.Length} elements; x has {x.Length}.");
        fixed (float* px = x, pn = noise, py = y)
            Body.Run(px, noise.IsEmpty ? null : pn, py, x.Length, k0, k1, mean, std, combine);
    }

    /// <summary>Elements [start, start + n) (start a multiple of <see cref="GroupElements"/>), on this thread.</summary>
    private static void Range(float* x, float* noise, float* y, long start, int n, uint k0, uint k1, float mean, float std, NoiseCombine combine)
    {
        float* values = stackalloc float[GroupElements];
        uint* w1 = stackalloc uint[Pairs], w2 = stackalloc uint[Pairs];
        long group = start / GroupElements;
        for (int i = 0; i < n; i += GroupElements)
        {
            GroupWords(group + i / GroupElements, k0, k1, w1, w2);
            GroupValues(w1, w2, mean, std, values);
            int m = Math.Min(GroupElements, n - i);
            Combine(x + i, noise is null ? null : noise + i, y + i, values, m, combine);
        }
    }

    /// <summary>The 24-bit halves (word ≫ 8) of pair p's two words, for the sixteen pairs of group <paramref name="group"/>.</summary>
    private static void GroupWords(long group, uint k0, uint k1, uint* w1, uint* w2)
    {
        for (int j = 0; j < 8; j++)
        {
            long b = 8 * group + j;
            var (x0, x1, x2, x3) = Philox4x32.Block((uint)b, (uint)(b >> 32), 1, 0, k0, k1);
            w1[2 * j] = x0 >> 8; w2[2 * j] = x1 >> 8;
            w1[2 * j + 1] = x2 >> 8; w2[2 * j + 1] = x3 >> 8;
        }
    }

    /// <summary>The group's 32 values mean + std·n: the sixteen cosines, then the sixteen sines.</summary>
    private static void GroupValues(uint* w1, uint* w2, float mean, float std, float* values)
    {
        int lanes = Vector<float>.Count;
        var vm = new Vector<float>(mean);
        var vs = new Vector<float>(std);
        for (int p = 0; p < Pairs; p += lanes)
        {
            var a = Vector.ConvertToSingle(Vector.AsVectorInt32(Vector.Load(w1 + p)));
            var c = Vector.ConvertToSingle(Vector.AsVectorInt32(Vector.Load(w2 + p)));
            var u1 = (a + Vector<float>.One) * new Vector<float>(1f / 16777216f);
            var u2 = c * new Vector<float>(1f / 16777216f);
            var r = Vector.SquareRoot(Log(u1) * new Vector<float>(-2f));
            var (sin, cos) = SinCosTurns(u2);
            Vector.Store(vm + vs * (r * cos), values + p);
            Vector.Store(vm + vs * (r * sin), values + Pairs + p);
        }
    }

    /// <summary>ln u for u in [2⁻²⁴, 1] (the operations of <see cref="Reference.NaiveNormalNoise.Log"/>).</summary>
    private static Vector<float> Log(Vector<float> u)
    {
        var bits = Vector.AsVectorInt32(u);
        var e = Vector.ShiftRightArithmetic(bits, 23) - new Vector<int>(126);
        var m = Vector.AsVectorSingle((bits & new Vector<int>(0x007FFFFF)) | new Vector<int>(0x3F000000)); // [½, 1)
        var small = Vector.LessThan(m, new Vector<float>(NormalNoiseMath.SqrtHalf));
        e += small; // true lanes are −1
        var f = Vector.ConditionalSelect(small, m + m, m) - Vector<float>.One;
        var z = f * f;
        var p = new Vector<float>(NormalNoiseMath.L0);
        p = p * f + new Vector<float>(NormalNoiseMath.L1);
        p = p * f + new Vector<float>(NormalNoiseMath.L2);
        p = p * f + new Vector<float>(NormalNoiseMath.L3);
        p = p * f + new Vector<float>(NormalNoiseMath.L4);
        p = p * f + new Vector<float>(NormalNoiseMath.L5);
        p = p * f + new Vector<float>(NormalNoiseMath.L6);
        p = p * f + new Vector<float>(NormalNoiseMath.L7);
        p = p * f + new Vector<float>(NormalNoiseMath.L8);
        var fe = Vector.ConvertToSingle(e);
        var y = f * z * p;
        y += fe * new Vector<float>(NormalNoiseMath.Ln2Low);
        y += new Vector<float>(-0.5f) * z;
        return f + y + fe * new Vector<float>(NormalNoiseMath.Ln2High);
    }

    /// <summary>sin and cos of 2π·t for t in [0, 1) (the operations of <see cref="Reference.NaiveNormalNoise.SinCosTurns"/>).</summary>
    private static (Vector<float> Sin, Vector<float> Cos) SinCosTurns(Vector<float> t)
    {
        var t4 = t * new Vector<float>(4f);
        var q = Vector.ConvertToInt32(t4);
        var x = (t4 - Vector.ConvertToSingle(q)) * new Vector<float>(NormalNoiseMath.HalfPi);
        var z = x * x;
        var s = new Vector<float>(NormalNoiseMath.S5);
        s = s * z + new Vector<float>(NormalNoiseMath.S4);
        s = s * z + new Vector<float>(NormalNoiseMath.S3);
        s = s * z + new Vector<float>(NormalNoiseMath.S2);
        s = s * z + new Vector<float>(NormalNoiseMath.S1);
        s = s * z + Vector<float>.One;
        s *= x;
        var c = new Vector<float>(NormalNoiseMath.C6);
        c = c * z + new Vector<float>(NormalNoiseMath.C5);
        c = c * z + new Vector<float>(NormalNoiseMath.C4);
        c = c * z + new Vector<float>(NormalNoiseMath.C3);
        c = c * z + new Vector<float>(NormalNoiseMath.C2);
        c = c * z + new Vector<float>(NormalNoiseMath.C1);
        c = c * z + Vector<float>.One;
        var swap = Vector.Equals(q & Vector<int>.One, Vector<int>.One);
        var sinBits = Vector.AsVectorInt32(Vector.ConditionalSelect(swap, c, s)) ^ Vector.ShiftLeft(q & new Vector<int>(2), 30);
        var cosBits = Vector.AsVectorInt32(Vector.ConditionalSelect(swap, s, c)) ^ Vector.ShiftLeft((q + Vector<int>.One) & new Vector<int>(2), 30);
        return (Vector.AsVectorSingle(sinBits), Vector.AsVectorSingle(cosBits));
    }

    /// <summary>noise = values, y = x ∘ values, for the first <paramref name="m"/> elements of a group.</summary>
    private static void Combine(float* x, float* noise, float* y, float* values, int m, NoiseCombine combine)
    {
        int lanes = Vector<float>.Count, i = 0;
        if (m == GroupElements)
            for (; i < GroupElements; i += lanes)
            {
                var v = Vector.Load(values + i);
                if (noise is not null) Vector.Store(v, noise + i);
                var xv = Vector.Load(x + i);
                Vector.Store(combine == NoiseCombine.Multiply ? xv * v : xv + v, y + i);
            }
        for (; i < m; i++)
        {
            if (noise is not null) noise[i] = values[i];
            y[i] = combine == NoiseCombine.Multiply ? x[i] * values[i] : x[i] + values[i];
        }
    }

    /// <summary>Tasks of <see cref="TaskElements"/> spread over the worker pool.</summary>
    private sealed class Body : IParallelBody
    {
        [ThreadStatic] private static Body? t_instance;
        private float* _x, _noise, _y;
        private int _n;
        private uint _k0, _k1;
        private float _mean, _std;
        private NoiseCombine _combine;

        public static void Run(float* x, float* noise, float* y, int n, uint k0, uint k1, float mean, float std, NoiseCombine combine)
        {
            if (n == 0) return;
            var body = t_instance ??= new Body();
            body._x = x;
            body._noise = noise;
            body._y = y;
            (body._n, body._k0, body._k1, body._mean, body._std, body._combine) = (n, k0, k1, mean, std, combine);
            int tasks = (n + TaskElements - 1) / TaskElements;
            try
            {
                if (tasks == 1) body.Execute(0);
                else WorkerPool.Shared.For(tasks, body);
            }
            finally { body._x = body._noise = body._y = null; }
        }

        public void Execute(int task)
        {
            int start = task * TaskElements, n = Math.Min(TaskElements, _n - start);
            KernelBounds.Range(start, n, _n);
            Range(_x + start, _noise is null ? null : _noise + start, _y + start, start, n, _k0, _k1, _mean, _std, _combine);
        }
    }
}

/// <summary>How <see cref="NormalNoiseKernel"/> applies its noise to x.</summary>
internal enum NoiseCombine
{
    /// <summary>y = x + noise (GaussianNoise).</summary>
    Add,
    /// <summary>y = x·noise (GaussianDropout).</summary>
    Multiply,
}
