using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>Average pooling against its twin, "valid" and "same" (padding not counted).</summary>
public static class AvgPool2DChecks
{
    private static readonly (int H, int W, int Sh, int Sw)[] Pools = [(2, 2, 2, 2), (3, 3, 2, 2), (3, 3, 1, 1), (2, 3, 1, 2), (1, 1, 1, 1)];
    private static readonly int[] Channels = [0, 1, 3, 8, 16, 17, 33];

    public static void ForwardAndBackwardMatchTwin()
    {
        int seed = 0, i = 0;
        foreach (var (ph, pw, sh, sw) in Pools)
            foreach (bool same in new[] { false, true })
                for (int j = 0; j < 6; j++, i++)
                {
                    var g = Pool2DGeometry.Create(j % 3, 1 + (i * 5 + j) % 9, 1 + (i * 7 + 2 * j) % 9, Channels[(i + j) % Channels.Length], ph, pw, sh, sw, same);
                    var x = Check.Random(g.InputLength, ++seed);
                    var y1 = new float[g.OutputLength];
                    var y2 = Check.Random(g.OutputLength, ++seed);
                    NaiveAvgPool2D.Forward(x, y1, g);
                    AvgPool2DKernel.Forward(x, y2, g);
                    Check.Close(y1, y2, 1e-6f, 1e-6f, $"AvgPool forward {g}");

                    var dy = Check.Random(g.OutputLength, ++seed);
                    var dx1 = Check.Random(g.InputLength, ++seed);
                    var dx2 = (float[])dx1.Clone();
                    NaiveAvgPool2D.Backward(dy, dx1, g);
                    AvgPool2DKernel.Backward(dy, dx2, g);
                    Check.Close(dx1, dx2, 1e-6f, 1e-6f, $"AvgPool backward {g}");
                }
    }

    public static void SamePaddingAveragesOnlyRealElements()
    {
        // 3x3 ones, 2x2 pool, stride 2, "same": every window's mean is 1, even the border ones.
        var g = Pool2DGeometry.Create(1, 3, 3, 1, 2, 2, 2, 2, samePadding: true);
        var y = new float[g.OutputLength];
        AvgPool2DKernel.Forward([1, 1, 1, 1, 1, 1, 1, 1, 1], y, g);
        Check.Equal<float>([1, 1, 1, 1], y, "AvgPool 'same' border windows");
    }
}
