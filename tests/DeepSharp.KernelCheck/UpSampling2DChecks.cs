using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>Nearest and bilinear upsampling against their twin.</summary>
public static class UpSampling2DChecks
{
    private static readonly int[] Channels = [0, 1, 3, 8, 16, 17, 33];
    private static readonly (int H, int W)[] Factors = [(1, 1), (2, 2), (3, 2), (1, 4), (5, 3)];

    private static IEnumerable<UpSampling2DGeometry> Geometries()
    {
        int i = 0;
        foreach (var (fh, fw) in Factors)
            for (int j = 0; j < 6; j++, i++)
                yield return UpSampling2DGeometry.Create(j % 3, 1 + (i * 5 + j) % 7, 1 + (i * 3 + 2 * j) % 8, Channels[(i + j) % Channels.Length], fh, fw);
    }

    public static void NearestMatchesTwin()
    {
        int seed = 0;
        foreach (var g in Geometries())
        {
            var x = Check.Random(g.InputLength, ++seed);
            var y1 = new float[g.OutputLength];
            var y2 = Check.Random(g.OutputLength, ++seed);
            NaiveUpSampling2D.NearestForward(x, y1, g);
            UpSampling2DKernel.NearestForward(x, y2, g);
            Check.Equal<float>(y1, y2, $"UpSampling2D nearest forward {g}");
            var dy = Check.Random(g.OutputLength, ++seed);
            var dx1 = Check.Random(g.InputLength, ++seed);
            var dx2 = (float[])dx1.Clone();
            NaiveUpSampling2D.NearestBackward(dy, dx1, g);
            UpSampling2DKernel.NearestBackward(dy, dx2, g);
            Check.Close(dx1, dx2, 1e-6f, 1e-6f, $"UpSampling2D nearest backward {g}");
        }
    }

    public static void BilinearMatchesTwin()
    {
        int seed = 100;
        foreach (var g in Geometries())
        {
            var x = Check.Random(g.InputLength, ++seed);
            var y1 = new float[g.OutputLength];
            var y2 = Check.Random(g.OutputLength, ++seed);
            NaiveUpSampling2D.BilinearForward(x, y1, g);
            UpSampling2DKernel.BilinearForward(x, y2, g);
            Check.Close(y1, y2, 1e-5f, 1e-6f, $"UpSampling2D bilinear forward {g}");
            var dy = Check.Random(g.OutputLength, ++seed);
            var dx1 = Check.Random(g.InputLength, ++seed);
            var dx2 = (float[])dx1.Clone();
            NaiveUpSampling2D.BilinearBackward(dy, dx1, g);
            UpSampling2DKernel.BilinearBackward(dy, dx2, g);
            Check.Close(dx1, dx2, 1e-5f, 1e-5f, $"UpSampling2D bilinear backward {g}");
        }
    }

    /// <summary>TensorFlow's resize of [0, 1] by 2 with half-pixel centres gives [0, 0.25, 0.75, 1].</summary>
    public static void BilinearUsesHalfPixelCentres()
    {
        var g = UpSampling2DGeometry.Create(1, 1, 2, 1, 1, 2);
        var y = new float[4];
        UpSampling2DKernel.BilinearForward([0f, 1f], y, g);
        Check.Close([0f, 0.25f, 0.75f, 1f], y, 0f, 1e-7f, "UpSampling2D bilinear half-pixel centres");
    }
}
