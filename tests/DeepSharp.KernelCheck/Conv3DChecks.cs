using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>3-D convolution forward and both backward passes against their twin, and the same bits for any thread count.</summary>
public static class Conv3DChecks
{
    private static readonly (int D, int H, int W)[] Kernels = [(1, 1, 1), (3, 3, 3), (2, 3, 1), (3, 1, 2)];
    private static readonly int[] Sides = [1, 2, 3, 4, 5, 7];
    private static readonly int[] Channels = [1, 2, 3, 5, 8, 9];
    private static readonly int[] Filters = [1, 4, 7, 16, 17];

    /// <summary>Every kernel shape × stride × padding × dilation at awkward sizes (1, primes, odd depth), plus groups and larger layers.</summary>
    private static IEnumerable<Conv3DGeometry> Geometries()
    {
        int i = 0;
        foreach (var kernel in Kernels)
            foreach (int stride in new[] { 1, 2 })
                foreach (bool same in new[] { false, true })
                    foreach (int dilation in stride == 1 ? new[] { 1, 2 } : [1])
                        for (int j = 0; j < 3; j++, i++)
                        {
                            int batch = j % 3 == 2 ? 2 : 1;
                            var input = (Sides[(i + j) % Sides.Length] + kernel.D, Sides[(i * 5 + j) % Sides.Length] + 1, Sides[(i * 7 + 2 * j) % Sides.Length]);
                            var strides = (stride, j == 1 ? 1 : stride, stride);
                            var g = TryCreate(batch, input, Channels[(i + 2 * j) % Channels.Length], Filters[(i * 3 + j) % Filters.Length],
                                kernel, strides, same, (dilation, j == 1 ? 1 : dilation, dilation), 1);
                            if (g is { } valid) yield return valid;
                        }
        yield return Conv3DGeometry.Create(2, (7, 9, 9), 1, 8, (3, 3, 3), (1, 1, 1), false, (1, 1, 1)); // a small 3-D CNN's first layer
        yield return Conv3DGeometry.Create(1, (5, 6, 7), 8, 16, (3, 3, 3), (2, 2, 2), true, (1, 1, 1)); // even sizes, stride 2: the far side pads
        yield return Conv3DGeometry.Create(3, (4, 5, 3), 6, 9, (3, 3, 3), (1, 1, 1), true, (1, 1, 1), groups: 3);
        yield return Conv3DGeometry.Create(2, (5, 4, 4), 4, 4, (2, 2, 2), (1, 1, 1), false, (2, 1, 2), groups: 4); // depthwise-like
        yield return Conv3DGeometry.Create(1, (3, 3, 3), 0, 5, (1, 1, 1), (1, 1, 1), false, (1, 1, 1)); // no input channels: bias only
        yield return Conv3DGeometry.Create(0, (3, 3, 3), 2, 5, (3, 3, 3), (1, 1, 1), true, (1, 1, 1)); // empty batch
        yield return Conv3DGeometry.Create(2, (13, 11, 9), 16, 32, (3, 3, 3), (1, 1, 1), true, (1, 1, 1)); // several column blocks
    }

    private static Conv3DGeometry? TryCreate(int batch, (int, int, int) input, int inC, int outC, (int, int, int) kernel,
        (int, int, int) strides, bool same, (int, int, int) dilation, int groups)
    {
        var g = Conv3DGeometry.Create(batch, input, inC, outC, kernel, strides, same, dilation, groups);
        return g.OutD > 0 && g.OutH > 0 && g.OutW > 0 ? g : null;
    }

    public static void ForwardAndBackwardMatchTwin()
    {
        int seed = 300;
        foreach (var g in Geometries())
        {
            var x = Check.Random(g.InputLength, ++seed);
            var w = Check.Random(g.KernelLength, ++seed);
            var bias = Check.Random(g.OutC, ++seed);
            var dy = Check.Random(g.OutputLength, ++seed);
            var (y, dx, dw) = Run(g, x, w, bias, dy, naive: false);
            var (y0, dx0, dw0) = Run(g, x, w, bias, dy, naive: true);
            Check.Close(y0, y, 1e-4f, 1e-4f, $"Conv3D forward {g}");
            Check.Close(dx0, dx, 1e-4f, 1e-4f, $"Conv3D input gradient {g}");
            Check.Close(dw0, dw, 1e-4f, 1e-4f, $"Conv3D kernel gradient {g}");
        }
    }

    public static void SameBitsForAnyThreadCount()
    {
        foreach (var g in new[]
        {
            Conv3DGeometry.Create(4, (9, 10, 11), 3, 8, (3, 3, 3), (1, 1, 1), true, (1, 1, 1)),
            Conv3DGeometry.Create(3, (16, 16, 16), 8, 16, (3, 3, 3), (2, 2, 2), true, (1, 1, 1)),
            Conv3DGeometry.Create(5, (6, 20, 20), 16, 8, (3, 3, 3), (1, 1, 1), false, (1, 1, 1), groups: 2),
        })
        {
            var x = Check.Random(g.InputLength, 1);
            var w = Check.Random(g.KernelLength, 2);
            var bias = Check.Random(g.OutC, 3);
            var dy = Check.Random(g.OutputLength, 4);
            var one = ThreadCounts.With(1, () => Run(g, x, w, bias, dy, naive: false));
            foreach (int threads in new[] { 2, 3, 4 })
            {
                var many = ThreadCounts.With(threads, () => Run(g, x, w, bias, dy, naive: false));
                Check.Equal<float>(one.Y, many.Y, $"Conv3D forward, {threads} threads {g}");
                Check.Equal<float>(one.Dx, many.Dx, $"Conv3D input gradient, {threads} threads {g}");
                Check.Equal<float>(one.Dw, many.Dw, $"Conv3D kernel gradient, {threads} threads {g}");
            }
        }
    }

    /// <summary>Runs the three passes; the gradients accumulate into buffers that start at a known nonzero value.</summary>
    private static (float[] Y, float[] Dx, float[] Dw) Run(Conv3DGeometry g, float[] x, float[] w, float[] bias, float[] dy, bool naive)
    {
        var y = Check.Random(g.OutputLength, 7); // overwritten
        var dx = Check.Random(g.InputLength, 8);
        var dw = Check.Random(g.KernelLength, 9);
        if (naive)
        {
            NaiveConv3D.Forward(x, w, bias, y, g);
            NaiveConv3D.BackwardInput(dy, w, dx, g);
            NaiveConv3D.BackwardKernel(x, dy, dw, g);
        }
        else
        {
            Conv3DKernel.Forward(x, w, bias, y, g);
            Conv3DKernel.BackwardInput(dy, w, dx, g);
            Conv3DKernel.BackwardKernel(x, dy, dw, g);
        }
        return (y, dx, dw);
    }
}
