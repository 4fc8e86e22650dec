using System.Runtime.Intrinsics;

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

    /// <summary>One output (the naive twin uses this too).</summary>
    public static float One(int acc, int zeroPoint, int columnSum, float scale, float bias, bool hasBias, bool relu)
    {
        float v = (acc - zeroPoint * columnSum) * scale;
        if (hasBias) v += bias;
        return relu ? (v > 0f ? v : 0f) : v;
    }
}
