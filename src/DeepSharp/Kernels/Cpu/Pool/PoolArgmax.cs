using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Pool;

/// <summary>
/// The max-pool of one window of channel runs with the flat index of its maximum, as
/// <c>NaiveMaxPool2D.Forward</c> takes them: pixels in scan order (rows, then columns), a value
/// replacing the best so far only when greater (the first maximum wins ties; a NaN never wins over an
/// earlier value). Vectorised over the channels at 512, 256 and 128 bits, single floats for the rest;
/// every lane does the same comparisons, so each width gives the same values and indices.
/// </summary>
internal static unsafe class PoolArgmax
{
    /// <summary>
    /// dst[c] = max over di &lt; <paramref name="rows"/>, dj &lt; <paramref name="cols"/> of
    /// first[di·rowStride + dj·channels + c], and argmax[c] = <paramref name="index"/> + di·indexRowStride
    /// + dj·channels + c of the first maximum, for c in [0, channels).
    /// </summary>
    public static void Window(float* first, int rows, int cols, long rowStride, int channels, float* dst, int* argmax, int index, int indexRowStride)
    {
        int c = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; c + 16 <= channels; c += 16)
            {
                var lanes = Vector512<int>.Indices + Vector512.Create(index + c);
                var best = Vector512.Load(first + c);
                var at = lanes;
                for (int di = 0; di < rows; di++)
                    for (int dj = di == 0 ? 1 : 0; dj < cols; dj++)
                    {
                        var v = Vector512.Load(first + di * rowStride + dj * channels + c);
                        var greater = Vector512.GreaterThan(v, best);
                        best = Vector512.ConditionalSelect(greater, v, best);
                        at = Vector512.ConditionalSelect(greater.AsInt32(), lanes + Vector512.Create(di * indexRowStride + dj * channels), at);
                    }
                best.Store(dst + c);
                at.Store(argmax + c);
            }
        if (Vector256.IsHardwareAccelerated)
            for (; c + 8 <= channels; c += 8)
            {
                var lanes = Vector256<int>.Indices + Vector256.Create(index + c);
                var best = Vector256.Load(first + c);
                var at = lanes;
                for (int di = 0; di < rows; di++)
                    for (int dj = di == 0 ? 1 : 0; dj < cols; dj++)
                    {
                        var v = Vector256.Load(first + di * rowStride + dj * channels + c);
                        var greater = Vector256.GreaterThan(v, best);
                        best = Vector256.ConditionalSelect(greater, v, best);
                        at = Vector256.ConditionalSelect(greater.AsInt32(), lanes + Vector256.Create(di * indexRowStride + dj * channels), at);
                    }
                best.Store(dst + c);
                at.Store(argmax + c);
            }
        if (Vector128.IsHardwareAccelerated)
            for (; c + 4 <= channels; c += 4)
            {
                var lanes = Vector128<int>.Indices + Vector128.Create(index + c);
                var best = Vector128.Load(first + c);
                var at = lanes;
                for (int di = 0; di < rows; di++)
                    for (int dj = di == 0 ? 1 : 0; dj < cols; dj++)
                    {
                        var v = Vector128.Load(first + di * rowStride + dj * channels + c);
                        var greater = Vector128.GreaterThan(v, best);
                        best = Vector128.ConditionalSelect(greater, v, best);
                        at = Vector128.ConditionalSelect(greater.AsInt32(), lanes + Vector128.Create(di * indexRowStride + dj * channels), at);
                    }
                best.Store(dst + c);
                at.Store(argmax + c);
            }
        for (; c < channels; c++)
        {
            float best = first[c];
            int at = index + c;
            for (int di = 0; di < rows; di++)
                for (int dj = di == 0 ? 1 : 0; dj < cols; dj++)
                {
                    float v = first[di * rowStride + dj * channels + c];
                    if (v > best)
                    {
                        best = v;
                        at = index + di * indexRowStride + dj * channels + c;
                    }
                }
            dst[c] = best;
            argmax[c] = at;
        }
    }
}
