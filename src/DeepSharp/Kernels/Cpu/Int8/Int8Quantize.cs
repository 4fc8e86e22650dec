using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// Affine quantization of float activations to unsigned bytes, as ONNX's QuantizeLinear:
/// q = clamp(round(x / scale) + zeroPoint, 0, 255), rounding half to even; NaN gives 0.
/// </summary>
internal static unsafe class Int8Quantize
{
    /// <summary>Quantizes <paramref name="x"/> into <paramref name="q"/> (same length or longer).</summary>
    public static void ToUInt8(ReadOnlySpan<float> x, float scale, int zeroPoint, Span<byte> q)
    {
        if (q.Length < x.Length) throw new ArgumentException($"Int8 quantize: {x.Length} values into {q.Length} bytes.", nameof(q));
        fixed (float* px = x)
        fixed (byte* pq = q)
            ToUInt8(px, x.Length, scale, zeroPoint, pq);
    }

    /// <summary>The pointer form of <see cref="ToUInt8(ReadOnlySpan{float}, float, int, Span{byte})"/>.</summary>
    public static void ToUInt8(float* x, int length, float scale, int zeroPoint, byte* q)
    {
        int i = 0;
        if (Avx512F.IsSupported)
        {
            // 16 at a time: the same divide, round and clamp, then vpmovdb straight to bytes.
            var s = Vector512.Create(scale);
            var z = Vector512.Create((float)zeroPoint);
            var top = Vector512.Create(255f);
            for (; i + 16 <= length; i += 16)
            {
                var v = Vector512.Round(Vector512.Load(x + i) / s) + z;
                var low = Vector512.ConditionalSelect(Vector512.GreaterThan(v, Vector512<float>.Zero), v, Vector512<float>.Zero);
                v = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(v, top), top, low);
                Avx512F.ConvertToVector128Byte(Avx512F.ConvertToVector512Int32WithTruncation(v)).Store(q + i);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var s = Vector256.Create(scale);
            var z = Vector256.Create((float)zeroPoint);
            var top = Vector256.Create(255f);
            for (; i + 32 <= length; i += 32)
            {
                var v0 = Clamp(Vector256.Round(Vector256.Load(x + i) / s) + z, top);
                var v1 = Clamp(Vector256.Round(Vector256.Load(x + i + 8) / s) + z, top);
                var v2 = Clamp(Vector256.Round(Vector256.Load(x + i + 16) / s) + z, top);
                var v3 = Clamp(Vector256.Round(Vector256.Load(x + i + 24) / s) + z, top);
                var lo = Vector256.Narrow(Vector256.ConvertToInt32(v0), Vector256.ConvertToInt32(v1));
                var hi = Vector256.Narrow(Vector256.ConvertToInt32(v2), Vector256.ConvertToInt32(v3));
                // Narrow works lane by lane in order on 256 bits: bytes come out as 0..31.
                Vector256.Narrow(lo.AsUInt16(), hi.AsUInt16()).Store(q + i);
            }
        }
        for (; i < length; i++) q[i] = One(x[i], scale, zeroPoint);
    }

    /// <summary>One value: clamp(round(x / scale) + zeroPoint, 0, 255); NaN → 0.</summary>
    public static byte One(float x, float scale, int zeroPoint)
    {
        float v = MathF.Round(x / scale) + zeroPoint;
        return v >= 255f ? (byte)255 : v > 0f ? (byte)(int)v : (byte)0;
    }

    private static Vector256<float> Clamp(Vector256<float> v, Vector256<float> top)
    {
        var low = Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), v, Vector256<float>.Zero);
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(v, top), top, low);
    }
}
