using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>3-D max and average pooling against their twin ("valid" and "same"), and the same bits for any thread count.</summary>
public static class Pool3DChecks
{
    private static readonly ((int, int, int) Pool, (int, int, int) Strides)[] Pools =
        [((2, 2, 2), (2, 2, 2)), ((3, 3, 3), (2, 2, 2)), ((3, 3, 3), (1, 1, 1)), ((1, 2, 3), (1, 2, 1)), ((1, 1, 1), (1, 1, 1)), ((2, 3, 2), (3, 1, 2))];
    private static readonly int[] Channels = [0, 1, 3, 8, 16, 17, 33];

    private static IEnumerable<Pool3DGeometry> Geometries()
    {
        int i = 0;
        foreach (var (pool, strides) in Pools)
            foreach (bool same in new[] { false, true })
                for (int j = 0; j < 4; j++, i++)
                {
                    var g = Pool3DGeometry.Create(j % 3, (1 + (i * 3 + j) % 7, 1 + (i * 5 + 2 * j) % 9, 1 + (i * 7 + j) % 8),
                        Channels[(i + j) % Channels.Length], pool, strides, same);
                    yield return g;
                }
        yield return Pool3DGeometry.Create(2, (8, 16, 16), 8, (2, 2, 2), (2, 2, 2), false);
    }

    public static void ForwardAndBackwardMatchTwin()
    {
        int seed = 500;
        foreach (var g in Geometries())
        {
            var x = Check.Random(g.InputLength, ++seed);
            var dy = Check.Random(g.OutputLength, ++seed);

            var y0 = new float[g.OutputLength];
            var a0 = new int[g.OutputLength];
            var y1 = Check.Random(g.OutputLength, ++seed);
            var a1 = new int[g.OutputLength];
            NaivePool3D.MaxForward(x, y0, a0, g);
            MaxPool3DKernel.Forward(x, y1, a1, g);
            Check.Equal<float>(y0, y1, $"MaxPool3D forward {g}");
            Check.Equal<int>(a0, a1, $"MaxPool3D argmax {g}");
            var dx0 = Check.Random(g.InputLength, ++seed);
            var dx1 = (float[])dx0.Clone();
            NaivePool3D.MaxBackward(dy, a0, dx0);
            MaxPool3DKernel.Backward(dy, a1, dx1, g);
            Check.Equal<float>(dx0, dx1, $"MaxPool3D backward {g}");

            var m0 = new float[g.OutputLength];
            var m1 = Check.Random(g.OutputLength, ++seed);
            NaivePool3D.AvgForward(x, m0, g);
            AvgPool3DKernel.Forward(x, m1, g);
            Check.Close(m0, m1, 1e-6f, 1e-6f, $"AvgPool3D forward {g}");
            var d0 = Check.Random(g.InputLength, ++seed);
            var d1 = (float[])d0.Clone();
            NaivePool3D.AvgBackward(dy, d0, g);
            AvgPool3DKernel.Backward(dy, d1, g);
            Check.Close(d0, d1, 1e-6f, 1e-6f, $"AvgPool3D backward {g}");
        }
    }

    public static void TiesGoToTheFirstMaximumAndSamePaddingAveragesOnlyRealVoxels()
    {
        // A 2×2×2 volume of ones, pool 2, stride 2, 'same' pads nothing: one window; the first voxel takes the gradient.
        var g = Pool3DGeometry.Create(1, (2, 2, 2), 1, (2, 2, 2), (2, 2, 2), samePadding: true);
        var x = new float[] { 1, 1, 1, 1, 1, 1, 1, 1 };
        var y = new float[1];
        var argmax = new int[1];
        MaxPool3DKernel.Forward(x, y, argmax, g);
        Check.Equal<int>([0], argmax, "MaxPool3D tie");
        // 3×3×3 ones, pool 2, stride 2, 'same': output 2×2×2, every border window's mean is 1.
        var s = Pool3DGeometry.Create(1, (3, 3, 3), 1, (2, 2, 2), (2, 2, 2), samePadding: true);
        var ones = new float[27];
        Array.Fill(ones, 1f);
        var mean = new float[s.OutputLength];
        AvgPool3DKernel.Forward(ones, mean, s);
        Check.Equal<float>([1, 1, 1, 1, 1, 1, 1, 1], mean, "AvgPool3D 'same' border windows");
    }

    public static void SameBitsForAnyThreadCount()
    {
        var g = Pool3DGeometry.Create(5, (9, 12, 12), 16, (3, 3, 3), (2, 2, 2), true);
        var x = Check.Random(g.InputLength, 1);
        var dy = Check.Random(g.OutputLength, 2);
        (float[], int[], float[], float[], float[]) Run()
        {
            var y = new float[g.OutputLength];
            var a = new int[g.OutputLength];
            var dx = new float[g.InputLength];
            var m = new float[g.OutputLength];
            var dm = new float[g.InputLength];
            MaxPool3DKernel.Forward(x, y, a, g);
            MaxPool3DKernel.Backward(dy, a, dx, g);
            AvgPool3DKernel.Forward(x, m, g);
            AvgPool3DKernel.Backward(dy, dm, g);
            return (y, a, dx, m, dm);
        }
        var one = ThreadCounts.With(1, Run);
        foreach (int threads in new[] { 2, 3 })
        {
            var many = ThreadCounts.With(threads, Run);
            Check.Equal<float>(one.Item1, many.Item1, $"MaxPool3D forward, {threads} threads");
            Check.Equal<int>(one.Item2, many.Item2, $"MaxPool3D argmax, {threads} threads");
            Check.Equal<float>(one.Item3, many.Item3, $"MaxPool3D backward, {threads} threads");
            Check.Equal<float>(one.Item4, many.Item4, $"AvgPool3D forward, {threads} threads");
            Check.Equal<float>(one.Item5, many.Item5, $"AvgPool3D backward, {threads} threads");
        }
    }
}
