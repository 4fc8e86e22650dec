using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>Resizing to any size (Keras's Resizing), nearest and bilinear, against its twin: shrinking, growing, 1-pixel sides, odd channel counts.</summary>
public static class ResizeChecks
{
    private static readonly int[] Channels = [0, 1, 3, 8, 16, 17, 33];
    private static readonly int[] Sides = [1, 2, 3, 5, 7, 8, 13];

    private static IEnumerable<ResizeGeometry> Geometries()
    {
        for (int i = 0; i < 40; i++)
            yield return new ResizeGeometry(i % 3, Sides[i % 7], Sides[(i * 3 + 1) % 7], Channels[(i * 5 + 2) % 7], Sides[(i * 2 + 3) % 7] + i % 4, Sides[(i + 5) % 7] + i % 3);
    }

    public static void NearestMatchesTwin() => MatchesTwin(bilinear: false, seed: 0);

    public static void BilinearMatchesTwin() => MatchesTwin(bilinear: true, seed: 500);

    private static void MatchesTwin(bool bilinear, int seed)
    {
        string what = bilinear ? "bilinear" : "nearest";
        foreach (var g in Geometries())
        {
            var x = Check.Random(g.InputLength, ++seed);
            var y1 = new float[g.OutputLength];
            var y2 = Check.Random(g.OutputLength, ++seed);
            NaiveResize.Forward(x, y1, g, bilinear);
            ResizeKernel.Forward(x, y2, g, bilinear);
            Check.Close(y1, y2, 1e-5f, 1e-6f, $"Resize {what} forward {g}");
            var dy = Check.Random(g.OutputLength, ++seed);
            var dx1 = Check.Random(g.InputLength, ++seed);
            var dx2 = (float[])dx1.Clone();
            NaiveResize.Backward(dy, dx1, g, bilinear);
            ResizeKernel.Backward(dy, dx2, g, bilinear);
            Check.Close(dx1, dx2, 1e-5f, 1e-5f, $"Resize {what} backward {g}");
        }
    }

    /// <summary>TensorFlow's resize of [0, 10, 20, 30] to 8 (half-pixel centres) gives [0, 2.5, 7.5, …, 27.5, 30].</summary>
    public static void BilinearUsesHalfPixelCentres()
    {
        var g = new ResizeGeometry(1, 1, 4, 1, 1, 8);
        var y = new float[8];
        ResizeKernel.Forward([0f, 10f, 20f, 30f], y, g, bilinear: true);
        Check.Close([0f, 2.5f, 7.5f, 12.5f, 17.5f, 22.5f, 27.5f, 30f], y, 0f, 1e-6f, "Resize bilinear half-pixel centres");
    }
}
