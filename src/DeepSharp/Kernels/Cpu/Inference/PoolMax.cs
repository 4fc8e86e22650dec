using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Inference;

/// <summary>
/// The max-pool of one window of channel runs, as <c>NaiveMaxPool2D</c> takes it: pixels in scan
/// order (rows, then columns), a value replacing the best so far only when greater (so a NaN never
/// wins over an earlier value). Vectorised over the channels at 512, 256 and 128 bits with single
/// floats for the rest; every lane does the same comparisons, so each width gives the same bits.
/// </summary>
internal static unsafe class PoolMax
{
    /// <summary>
    /// dst[c] = max over di &lt; <paramref name="rows"/>, dj &lt; <paramref name="cols"/> of
    /// first[di·rowStride + dj·channels + c], for c in [0, channels).
    /// </summary>
    public static void Window(float* first, int rows, int cols, long rowStride, int channels, float* dst)
    {
        int c = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; c + 16 <= channels; c += 16)
            {
                var best = Vector512.Load(first + c);
                for (int di = 0; di < rows; di++)
                    for (int dj = di == 0 ? 1 : 0; dj < cols; dj++)
                    {
                        var v = Vector512.Load(first + di * rowStride + dj * channels + c);
                        best = Vector512.ConditionalSelect(Vector512.GreaterThan(v, best), v, best);
                    }
                best.Store(dst + c);
            }
        if (Vector256.IsHardwareAccelerated)
            for (; c + 8 <= channels; c += 8)
            {
                var best = Vector256.Load(first + c);
                for (int di = 0; di < rows; di++)
                    for (int dj = di == 0 ? 1 : 0; dj < cols; dj++)
                    {
                        var v = Vector256.Load(first + di * rowStride + dj * channels + c);
                        best = Vector256.ConditionalSelect(Vector256.GreaterThan(v, best), v, best);
                    }
                best.Store(dst + c);
            }
        if (Vector128.IsHardwareAccelerated)
            for (; c + 4 <= channels; c += 4)
            {
                var best = Vector128.Load(first + c);
                for (int di = 0; di < rows; di++)
                    for (int dj = di == 0 ? 1 : 0; dj < cols; dj++)
                    {
                        var v = Vector128.Load(first + di * rowStride + dj * channels + c);
                        best = Vector128.ConditionalSelect(Vector128.GreaterThan(v, best), v, best);
                    }
                best.Store(dst + c);
            }
        for (; c < channels; c++) dst[c] = Scalar(first + c, rows, cols, rowStride, channels);
    }

    /// <summary>The four outputs of a 2×2 tile, stored as rows (0,0), (0,1), (1,0), (1,1) of <paramref name="channels"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Of4(float* quad, int channels, float* dst) => Window(quad, 2, 2, 2L * channels, channels, dst);

    private static float Scalar(float* p, int rows, int cols, long rowStride, int channels)
    {
        float best = p[0];
        for (int di = 0; di < rows; di++)
            for (int dj = di == 0 ? 1 : 0; dj < cols; dj++)
            {
                float v = p[di * rowStride + dj * channels];
                if (v > best) best = v;
            }
        return best;
    }
}
