using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// The requantization epilogue: int32 sums to float outputs with per-channel scales, bias and
/// ReLU fused. y[j] = ((acc[j] − zeroPoint · Σ_k w[k, j]) · scale[j]) + bias[j], then max(·, 0)
/// when <c>relu</c>; scale[j] = the input's scale × channel j's weight scale. Multiply then add
/// (no FMA), in float, as the naive twin does.
/// </summary>
internal static unsafe class Int8Epilogue
{
    /// <summary>One row of <paramref name="n"/> outputs.</summary>
    public static void ToFloat(int* acc, int n, int zeroPoint, int* columnSums, float* scales, float* bias, bool relu, float* y)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var zp = Vector256.Create(zeroPoint);
            for (; j + 8 <= n; j += 8)
            {
                var v = Vector256.ConvertToSingle(Vector256.Load(acc + j) - zp * Vector256.Load(columnSums + j)) * Vector256.Load(scales + j);
                if (bias != null) v += Vector256.Load(bias + j);
                if (relu) v = Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), v, Vector256<float>.Zero);
                v.Store(y + j);
            }
        }
        for (; j < n; j++) y[j] = One(acc[j], zeroPoint, columnSums[j], scales[j], bias == null ? 0f : bias[j], bias != null, relu);
    }

    /// <summary>
    /// <paramref name="rows"/> rows of <paramref name="n"/> outputs (stride n) quantized straight to
    /// bytes on (<paramref name="outScale"/>, <paramref name="outZero"/>): <see cref="ToFloat"/> then
    /// <see cref="Int8Quantize"/>, the same operations in the same order (so the same bits), 16
    /// channels at a time in registers.
    /// </summary>
    public static void ToBytes(int* acc, int rows, int n, int zeroPoint, int* columnSums, float* scales, float* bias, bool relu, float outScale, int outZero, byte* y)
    {
        int vectorEnd = Avx512F.IsSupported ? n / 16 * 16 : 0;
        var zp = Vector512.Create(zeroPoint);
        var s = Vector512.Create(outScale);
        var z = Vector512.Create((float)outZero);
        var top = Vector512.Create(255f);
        for (int r = 0; r < rows; r++, acc += n, y += n)
        {
            int j = 0;
            for (; j < vectorEnd; j += 16)
            {
                var v = Vector512.ConvertToSingle(Vector512.Load(acc + j) - zp * Vector512.Load(columnSums + j)) * Vector512.Load(scales + j);
                if (bias != null) v += Vector512.Load(bias + j);
                if (relu) v = Vector512.ConditionalSelect(Vector512.GreaterThan(v, Vector512<float>.Zero), v, Vector512<float>.Zero);
                v = Vector512.Round(v / s) + z;
                var low = Vector512.ConditionalSelect(Vector512.GreaterThan(v, Vector512<float>.Zero), v, Vector512<float>.Zero);
                v = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(v, top), top, low);
                Avx512F.ConvertToVector128Byte(Avx512F.ConvertToVector512Int32WithTruncation(v)).Store(y + j);
            }
            for (; j < n; j++)
                y[j] = Int8Quantize.One(One(acc[j], zeroPoint, columnSums[j], scales[j], bias == null ? 0f : bias[j], bias != null, relu), outScale, outZero);
        }
    }

    /// <summary>One output (the naive twin uses this too).</summary>
    public static float One(int acc, int zeroPoint, int columnSum, float scale, float bias, bool hasBias, bool relu)
    {
        float v = (acc - zeroPoint * columnSum) * scale;
        if (hasBias) v += bias;
        return relu ? (v > 0f ? v : 0f) : v;
    }
}
