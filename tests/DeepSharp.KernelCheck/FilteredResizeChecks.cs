using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// Filtered resizing (bicubic, area, Lanczos, Gaussian, Mitchell; antialiased or not) against its naive twin: shrinking,
/// growing, 1-pixel sides, primes, odd channel counts (the column pass switches to TensorPrimitives at 16 channels).
/// </summary>
public static class FilteredResizeChecks
{
    private static readonly int[] Channels = [0, 1, 3, 8, 16, 17, 33];
    private static readonly int[] Sides = [1, 2, 3, 5, 7, 11, 13];

    public static void EveryMethodMatchesTwin()
    {
        int seed = 900;
        foreach (var method in Enum.GetValues<ResizeMethod>())
            foreach (bool antialias in new[] { false, true })
                for (int i = 0; i < 12; i++)
                {
                    var g = new ResizeGeometry(i % 3, Sides[i % 7], Sides[(i * 3 + 1) % 7], Channels[(i * 5 + 2) % 7], Sides[(i * 2 + 3) % 7] + i % 4, Sides[(i + 5) % 7] + i % 3);
                    var rows = ResizeTaps.For(method, antialias, g.InH, g.OutH);
                    var columns = ResizeTaps.For(method, antialias, g.InW, g.OutW);
                    var scratch = new float[FilteredResizeKernel.ScratchLength(g)];
                    var x = Check.Random(g.InputLength, ++seed);
                    var y1 = new float[g.OutputLength];
                    var y2 = Check.Random(g.OutputLength, ++seed);
                    NaiveFilteredResize.Forward(x, y1, g, method, antialias);
                    FilteredResizeKernel.Forward(x, y2, scratch, g, rows, columns);
                    Check.Close(y1, y2, 1e-4f, 1e-5f, $"Resize {method} antialias={antialias} forward {g}");
                    var dy = Check.Random(g.OutputLength, ++seed);
                    var dx1 = Check.Random(g.InputLength, ++seed);
                    var dx2 = (float[])dx1.Clone();
                    NaiveFilteredResize.Backward(dy, dx1, g, method, antialias);
                    FilteredResizeKernel.Backward(dy, dx2, scratch, g, rows, columns);
                    Check.Close(dx1, dx2, 1e-4f, 1e-5f, $"Resize {method} antialias={antialias} backward {g}");
                }
    }
}
