namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The contract of <see cref="NormalNoiseKernel"/>, one element at a time. Element i = 32g + k of a call
/// with key (k0, k1) is pair p = k mod 16 of group g: the pair reads words 2(p mod 2) and 2(p mod 2) + 1 of
/// the Philox4x32-10 block with counter (8g + p/2, 0, 1, 0), as u1 = (w₁≫8 + 1)·2⁻²⁴ and u2 = (w₂≫8)·2⁻²⁴;
/// with r = √(−2 ln u1), n(i) = r·cos 2πu2 for k &lt; 16 and r·sin 2πu2 for k ≥ 16 (Box–Muller). The
/// value is mean + std·n and y = x + value or x·value. Every float operation below is the kernel's, in
/// the kernel's order, so the two agree bit for bit.
/// </summary>
internal static class NaiveNormalNoise
{
    public static void Apply(ReadOnlySpan<float> x, Span<float> noise, Span<float> y, uint k0, uint k1, float mean, float std, NoiseCombine combine)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float v = mean + std * Standard(i, k0, k1);
            if (!noise.IsEmpty) noise[i] = v;
            y[i] = combine == NoiseCombine.Multiply ? x[i] * v : x[i] + v;
        }
    }

    /// <summary>The standard normal n(i).</summary>
    public static float Standard(long i, uint k0, uint k1)
    {
        long g = i >> 5;
        int k = (int)(i & 31), p = k & 15;
        long b = 8 * g + (p >> 1);
        var (x0, x1, x2, x3) = Philox4x32.Block((uint)b, (uint)(b >> 32), 1, 0, k0, k1);
        uint w1 = (p & 1) == 0 ? x0 : x2, w2 = (p & 1) == 0 ? x1 : x3;
        float u1 = ((float)(int)(w1 >> 8) + 1f) * (1f / 16777216f);
        float u2 = (float)(int)(w2 >> 8) * (1f / 16777216f);
        float r = MathF.Sqrt(Log(u1) * -2f);
        var (sin, cos) = SinCosTurns(u2);
        return k < 16 ? r * cos : r * sin;
    }

    /// <summary>ln u for u in [2⁻²⁴, 1]: u = m·2ᵉ, m in [½, 1) doubled below √½, then Cephes's polynomial.</summary>
    public static float Log(float u)
    {
        int bits = BitConverter.SingleToInt32Bits(u);
        int e = (bits >> 23) - 126;
        float m = BitConverter.Int32BitsToSingle((bits & 0x007FFFFF) | 0x3F000000);
        bool small = m < NormalNoiseMath.SqrtHalf;
        if (small) e -= 1;
        float f = (small ? m + m : m) - 1f;
        float z = f * f;
        float p = NormalNoiseMath.L0;
        p = p * f + NormalNoiseMath.L1;
        p = p * f + NormalNoiseMath.L2;
        p = p * f + NormalNoiseMath.L3;
        p = p * f + NormalNoiseMath.L4;
        p = p * f + NormalNoiseMath.L5;
        p = p * f + NormalNoiseMath.L6;
        p = p * f + NormalNoiseMath.L7;
        p = p * f + NormalNoiseMath.L8;
        float fe = e;
        float y = f * z * p;
        y += fe * NormalNoiseMath.Ln2Low;
        y += -0.5f * z;
        return f + y + fe * NormalNoiseMath.Ln2High;
    }

    /// <summary>sin and cos of 2π·t for t in [0, 1): quadrant q = ⌊4t⌋, Taylor polynomials at (4t − q)·π/2, then the quadrant's swap and signs.</summary>
    public static (float Sin, float Cos) SinCosTurns(float t)
    {
        float t4 = t * 4f;
        int q = (int)t4;
        float x = (t4 - q) * NormalNoiseMath.HalfPi;
        float z = x * x;
        float s = NormalNoiseMath.S5;
        s = s * z + NormalNoiseMath.S4;
        s = s * z + NormalNoiseMath.S3;
        s = s * z + NormalNoiseMath.S2;
        s = s * z + NormalNoiseMath.S1;
        s = s * z + 1f;
        s *= x;
        float c = NormalNoiseMath.C6;
        c = c * z + NormalNoiseMath.C5;
        c = c * z + NormalNoiseMath.C4;
        c = c * z + NormalNoiseMath.C3;
        c = c * z + NormalNoiseMath.C2;
        c = c * z + NormalNoiseMath.C1;
        c = c * z + 1f;
        bool swap = (q & 1) != 0;
        float sin = swap ? c : s, cos = swap ? s : c;
        if ((q & 2) != 0) sin = -sin;
        if (((q + 1) & 2) != 0) cos = -cos;
        return (sin, cos);
    }
}
