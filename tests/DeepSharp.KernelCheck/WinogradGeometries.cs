using DeepSharp.Kernels.Cpu;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The 3×3 stride-1 geometries the Winograd checks sweep (<see cref="WinogradChecks"/> for F(2,3),
/// <see cref="WinogradF43Checks"/> for F(4,3)): one loop, each family giving its sides, channel counts and batches.
/// </summary>
internal static class WinogradGeometries
{
    /// <summary>What one family's sweep varies.</summary>
    /// <param name="Sides">Heights and widths, taken in a scattered order.</param>
    /// <param name="InChannels">Input channel counts.</param>
    /// <param name="OutChannels">Output channel counts.</param>
    /// <param name="PerPadding">Geometries per padding ('valid', then 'same').</param>
    /// <param name="OutShift">Offset of the output channel's index (so that in and out differ where the lists are one).</param>
    /// <param name="ValidSpread">A 'valid' geometry with a side under 3 becomes square of side 3 + j mod this.</param>
    /// <param name="Batch">The batch of geometry j.</param>
    /// <param name="MaxWork">Above this H·W·Cin·Cout, channels are cut to 17 in and 16 out (0: never).</param>
    public sealed record Sweep(int[] Sides, int[] InChannels, int[] OutChannels, int PerPadding, int OutShift, int ValidSpread, Func<int, int> Batch, long MaxWork = 0);

    /// <summary>
    /// The sweep's geometries, then five named ones: an empty batch (16 in, <paramref name="emptyFilters"/> out), explicit
    /// padding, convnet's second layer (<paramref name="convnetBatch"/> images), convnet-aug's widest 'same', and more than
    /// 128 channels with partial blocks.
    /// </summary>
    public static IEnumerable<Conv2DGeometry> Of(Sweep s, int emptyFilters, int convnetBatch)
    {
        int i = 0;
        foreach (bool same in new[] { false, true })
            for (int j = 0; j < s.PerPadding; j++, i++)
            {
                int h = s.Sides[(i * 5 + j) % s.Sides.Length], w = s.Sides[(i * 7 + 3 * j + 2) % s.Sides.Length];
                if (!same && (h < 3 || w < 3)) h = w = 3 + j % s.ValidSpread;
                int cin = s.InChannels[(i + 2 * j) % s.InChannels.Length], cout = s.OutChannels[(i * 3 + j + s.OutShift) % s.OutChannels.Length];
                if (s.MaxWork > 0 && (long)h * w * cin * cout > s.MaxWork) (cin, cout) = (Math.Min(cin, 17), Math.Min(cout, 16)); // keeps the bound's cost down
                yield return Conv2DGeometry.Create(s.Batch(j), h, w, cin, cout, 3, 3, 1, 1, same);
            }
        yield return Conv2DGeometry.Create(0, 5, 5, 16, emptyFilters, 3, 3, 1, 1, samePadding: true); // empty batch
        yield return Conv2DGeometry.Create(1, 6, 7, 3, 7, 3, 3, 1, 1, false) with { PadTop = 2, PadLeft = 1 }; // explicit padding
        yield return Conv2DGeometry.Create(convnetBatch, 13, 13, 32, 64, 3, 3, 1, 1, samePadding: false); // convnet's second layer
        yield return Conv2DGeometry.Create(1, 26, 26, 32, 32, 3, 3, 1, 1, samePadding: true);  // convnet-aug's widest, 'same'
        yield return Conv2DGeometry.Create(1, 9, 10, 129, 70, 3, 3, 1, 1, samePadding: true);  // > 128 channels, partial blocks, past a chunk
    }

    /// <summary>
    /// The kernel the stride-1 input gradient convolves dy with: flipped and transposed, (KH, KW, Cout, Cin), so that
    /// a check can bound the forward convolution it runs.
    /// </summary>
    public static float[] FlippedKernel(float[] w, in Conv2DGeometry g)
    {
        var flipped = new float[w.Length];
        for (int kh = 0; kh < 3; kh++)
            for (int kw = 0; kw < 3; kw++)
                for (int ci = 0; ci < g.InC; ci++)
                    for (int co = 0; co < g.OutC; co++)
                        flipped[((kh * 3 + kw) * g.OutC + co) * g.InC + ci] = w[(((2 - kh) * 3 + (2 - kw)) * g.InC + ci) * g.OutC + co];
        return flipped;
    }
}
