using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// The fixed-point constants of an Add of two u8 tensors, each on its own grid (scale, zero point),
/// requantized to a third grid, as TFLite's quantized ADD (and ONNX Runtime's QLinearAdd) derive
/// them: each input, less its zero point, is shifted left by <see cref="Int8Add.LeftShift"/> bits
/// and multiplied by s_i / (2 · max(s_a, s_b)); their sum is multiplied by
/// 2 · max(s_a, s_b) / (2^LeftShift · s_out). Each real multiplier m is held as a 31-bit fraction
/// and a right shift (m ≈ multiplier · 2^−31 · 2^−shift).
/// </summary>
internal readonly record struct Int8AddParameters(
    int ZeroPointA, int MultiplierA, int ShiftA,
    int ZeroPointB, int MultiplierB, int ShiftB,
    int OutputZeroPoint, int OutputMultiplier, int OutputShift,
    int Min, int Max)
{
    /// <summary>
    /// The constants for inputs on (<paramref name="scaleA"/>, <paramref name="zeroA"/>) and
    /// (<paramref name="scaleB"/>, <paramref name="zeroB"/>) added onto (<paramref name="scaleOut"/>,
    /// <paramref name="zeroOut"/>); with <paramref name="relu"/> the output is clamped below at the zero point (0.0).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A scale is not positive and finite, a zero point is outside [0, 255], or the output scale is below 2^−19 of the larger input scale (its multiplier would exceed 1).</exception>
    public static Int8AddParameters Create(float scaleA, int zeroA, float scaleB, int zeroB, float scaleOut, int zeroOut, bool relu)
    {
        foreach (var (scale, zero) in new[] { (scaleA, zeroA), (scaleB, zeroB), (scaleOut, zeroOut) })
            if (!(scale > 0f) || !float.IsFinite(scale) || zero is < 0 or > 255)
                throw new ArgumentOutOfRangeException(nameof(scaleA), $"Int8 add: scales must be positive and finite and zero points in [0, 255]; got ({scaleA}, {zeroA}), ({scaleB}, {zeroB}) → ({scaleOut}, {zeroOut}).");
        double twiceMax = 2.0 * Math.Max(scaleA, scaleB);
        double outputReal = twiceMax / ((1 << Int8Add.LeftShift) * (double)scaleOut);
        if (outputReal >= 1.0)
            throw new ArgumentOutOfRangeException(nameof(scaleOut), $"Int8 add: the output scale {scaleOut} is too small for input scales {scaleA} and {scaleB} (it must exceed 2^-19 of the larger).");
        var (ma, sa) = Int8Add.QuantizeMultiplier(scaleA / twiceMax);
        var (mb, sb) = Int8Add.QuantizeMultiplier(scaleB / twiceMax);
        var (mo, so) = Int8Add.QuantizeMultiplier(outputReal);
        return new(zeroA, ma, sa, zeroB, mb, sb, zeroOut, mo, so, relu ? zeroOut : 0, 255);
    }
}

/// <summary>
/// Elementwise Add of two u8 tensors into a third, each on its own grid, in integers only: TFLite's
/// reference quantized ADD (left shift 20, one fixed-point multiplier per input and one for the
/// output, rounding doubling high multiplies and rounding right shifts), so the bytes are
/// deterministic and equal on every instruction set. 512-bit (AVX-512F) and 256-bit (AVX2) paths;
/// scalar for the rest. Naive twin: <c>Reference.NaiveInt8Add</c>.
/// </summary>
internal static unsafe class Int8Add
{
    /// <summary>The bits each input is shifted left by before its multiplier (TFLite's 20 for 8-bit inputs).</summary>
    public const int LeftShift = 20;

    /// <summary>y[i] = requantize(a[i], b[i]) for <paramref name="length"/> elements on the widest path.</summary>
    public static void Forward(byte* a, byte* b, long length, in Int8AddParameters p, byte* y) =>
        Forward(a, b, length, p, y, Avx512F.IsSupported ? 512 : Avx2.IsSupported ? 256 : 0);

    /// <summary>The same on a chosen path: 512, 256 (when supported) or 0 (scalar); for the kernel checks.</summary>
    public static void Forward(byte* a, byte* b, long length, in Int8AddParameters p, byte* y, int width)
    {
        long i = 0;
        if (width == 512 && Avx512F.IsSupported)
        {
            var ka = new Stage512(p.ZeroPointA, p.MultiplierA, p.ShiftA);
            var kb = new Stage512(p.ZeroPointB, p.MultiplierB, p.ShiftB);
            var ko = new Stage512(0, p.OutputMultiplier, p.OutputShift);
            var zo = Vector512.Create(p.OutputZeroPoint);
            var min = Vector512.Create(p.Min);
            var max = Vector512.Create(p.Max);
            for (; i + 16 <= length; i += 16)
            {
                var sa = ka.Input(Avx512F.ConvertToVector512Int32(Vector128.Load(a + i)));
                var sb = kb.Input(Avx512F.ConvertToVector512Int32(Vector128.Load(b + i)));
                var o = Vector512.Min(Vector512.Max(ko.Scale(sa + sb) + zo, min), max);
                Avx512F.ConvertToVector128Byte(o).Store(y + i);
            }
        }
        if (width >= 256 && Avx2.IsSupported)
        {
            var ka = new Stage256(p.ZeroPointA, p.MultiplierA, p.ShiftA);
            var kb = new Stage256(p.ZeroPointB, p.MultiplierB, p.ShiftB);
            var ko = new Stage256(0, p.OutputMultiplier, p.OutputShift);
            var zo = Vector256.Create(p.OutputZeroPoint);
            var min = Vector256.Create(p.Min);
            var max = Vector256.Create(p.Max);
            for (; i + 16 <= length; i += 16)
            {
                var lo = Vector256.Min(Vector256.Max(ko.Scale(ka.Input(Avx2.ConvertToVector256Int32(a + i)) + kb.Input(Avx2.ConvertToVector256Int32(b + i))) + zo, min), max);
                var hi = Vector256.Min(Vector256.Max(ko.Scale(ka.Input(Avx2.ConvertToVector256Int32(a + i + 8)) + kb.Input(Avx2.ConvertToVector256Int32(b + i + 8))) + zo, min), max);
                // Narrow keeps the element order: 16 shorts, then their 16 bytes in the lower half.
                var shorts = Vector256.Narrow(lo, hi);
                Vector256.Narrow(shorts.AsUInt16(), shorts.AsUInt16()).GetLower().Store(y + i);
            }
        }
        for (; i < length; i++) y[i] = One(a[i], b[i], p);
    }

    /// <summary>One element, scalar (the vector paths compute the same integers).</summary>
    public static byte One(byte a, byte b, in Int8AddParameters p)
    {
        int sa = Scale((a - p.ZeroPointA) << LeftShift, p.MultiplierA, p.ShiftA);
        int sb = Scale((b - p.ZeroPointB) << LeftShift, p.MultiplierB, p.ShiftB);
        int o = Scale(sa + sb, p.OutputMultiplier, p.OutputShift) + p.OutputZeroPoint;
        return (byte)Math.Clamp(o, p.Min, p.Max);
    }

    /// <summary>
    /// real = (q − zeroPoint) · scale for <paramref name="length"/> bytes: how a quantized Add's
    /// output is read as floats (the layer's float form and the graph runner share it).
    /// </summary>
    public static void Dequantize(byte* q, long length, float scale, int zeroPoint, float* y)
    {
        long i = 0;
        if (Avx2.IsSupported)
        {
            var s = Vector256.Create(scale);
            var z = Vector256.Create(zeroPoint);
            for (; i + 8 <= length; i += 8) (Vector256.ConvertToSingle(Avx2.ConvertToVector256Int32(q + i) - z) * s).Store(y + i);
        }
        for (; i < length; i++) y[i] = (q[i] - zeroPoint) * scale;
    }

    /// <summary>
    /// A positive real multiplier below 1 as a fraction in [2^30, 2^31) and a right shift ≥ 0
    /// (TFLite's QuantizeMultiplierSmallerThanOneExp); below 2^−31 · 2^−31 it is 0.
    /// </summary>
    public static (int Multiplier, int Shift) QuantizeMultiplier(double real)
    {
        if (!(real > 0.0 && real < 1.0)) throw new ArgumentOutOfRangeException(nameof(real), real, "An int8 add multiplier lies in (0, 1).");
        int exponent = Math.ILogB(real) + 1;                 // real = fraction · 2^exponent, fraction in [0.5, 1)
        double fraction = Math.ScaleB(real, -exponent);
        long q = (long)Math.Round(fraction * (1L << 31), MidpointRounding.AwayFromZero);
        if (q == 1L << 31)
        {
            q /= 2;
            exponent++;
        }
        if (exponent < -31) return (0, 0);
        return ((int)q, -exponent);
    }

    /// <summary>RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x, multiplier), shift), for |x| &lt; 2^30.</summary>
    private static int Scale(int x, int multiplier, int shift)
    {
        int high = (int)(((long)x * multiplier + (1L << 30)) >> 31);
        int mask = (int)((1L << shift) - 1);
        int threshold = (mask >> 1) + (high < 0 ? 1 : 0);
        return (high >> shift) + ((high & mask) > threshold ? 1 : 0);
    }

    /// <summary>
    /// One multiply-and-shift stage on 16 lanes. The doubling high multiply, (x·m + 2^30) >> 31
    /// (equal to gemmlowp's nudged, truncating form for every product that does not saturate), runs
    /// as two <c>vpmuldq</c> (even and odd lanes); the low 32 bits of the shifted product are the result.
    /// </summary>
    private readonly struct Stage512(int zeroPoint, int multiplier, int shift)
    {
        private readonly Vector512<int> _zero = Vector512.Create(zeroPoint);
        private readonly Vector512<int> _multiplier = Vector512.Create(multiplier);
        private readonly Vector512<long> _half = Vector512.Create(1L << 30);
        private readonly Vector512<int> _mask = Vector512.Create((int)((1L << shift) - 1));
        private readonly Vector512<int> _halfMask = Vector512.Create((int)((1L << shift) - 1) >> 1);
        private readonly Vector512<int> _oddLanes = Vector512.Create(0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1);
        private readonly int _shift = shift;

        public Vector512<int> Input(Vector512<int> q) => Scale(Vector512.ShiftLeft(q - _zero, LeftShift));

        public Vector512<int> Scale(Vector512<int> x)
        {
            var even = Avx512F.Multiply(x, _multiplier) + _half;
            var odd = Avx512F.Multiply(Vector512.ShiftRightLogical(x.AsInt64(), 32).AsInt32(), _multiplier) + _half;
            var high = Vector512.ConditionalSelect(_oddLanes, Vector512.ShiftLeft(odd, 1).AsInt32(), Vector512.ShiftRightLogical(even, 31).AsInt32());
            var threshold = _halfMask - Vector512.ShiftRightArithmetic(high, 31);
            var up = Vector512.GreaterThan(high & _mask, threshold);
            return Vector512.ShiftRightArithmetic(high, _shift) - up;
        }
    }

    /// <summary>The same stage on 8 lanes (AVX2).</summary>
    private readonly struct Stage256(int zeroPoint, int multiplier, int shift)
    {
        private readonly Vector256<int> _zero = Vector256.Create(zeroPoint);
        private readonly Vector256<int> _multiplier = Vector256.Create(multiplier);
        private readonly Vector256<long> _half = Vector256.Create(1L << 30);
        private readonly Vector256<int> _mask = Vector256.Create((int)((1L << shift) - 1));
        private readonly Vector256<int> _halfMask = Vector256.Create((int)((1L << shift) - 1) >> 1);
        private readonly Vector256<int> _oddLanes = Vector256.Create(0, -1, 0, -1, 0, -1, 0, -1);
        private readonly int _shift = shift;

        public Vector256<int> Input(Vector256<int> q) => Scale(Vector256.ShiftLeft(q - _zero, LeftShift));

        public Vector256<int> Scale(Vector256<int> x)
        {
            var even = Avx2.Multiply(x, _multiplier) + _half;
            var odd = Avx2.Multiply(Vector256.ShiftRightLogical(x.AsInt64(), 32).AsInt32(), _multiplier) + _half;
            var high = Vector256.ConditionalSelect(_oddLanes, Vector256.ShiftLeft(odd, 1).AsInt32(), Vector256.ShiftRightLogical(even, 31).AsInt32());
            var threshold = _halfMask - Vector256.ShiftRightArithmetic(high, 31);
            var up = Vector256.GreaterThan(high & _mask, threshold);
            return Vector256.ShiftRightArithmetic(high, _shift) - up;
        }
    }
}
