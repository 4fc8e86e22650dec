using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>Max pooling against its twin, with many ties (as after ReLU).</summary>
public static class MaxPool2DChecks
{
    private static readonly (int H, int W, int Sh, int Sw)[] Pools = [(2, 2, 2, 2), (3, 3, 2, 2), (3, 3, 1, 1), (2, 3, 1, 2), (1, 1, 1, 1)];
    private static readonly int[] Channels = [0, 1, 3, 8, 16, 17, 32, 33];

    private static IEnumerable<Pool2DGeometry> Geometries()
    {
        int i = 0;
        foreach (var (ph, pw, sh, sw) in Pools)
            foreach (bool same in new[] { false, true })
                for (int j = 0; j < 8; j++, i++)
                    yield return Pool2DGeometry.Create(j % 3 + (j == 7 ? 1 : 0), 1 + (i * 5 + j) % 9, 1 + (i * 7 + 2 * j) % 9,
                        Channels[(i + j) % Channels.Length], ph, pw, sh, sw, same);
        yield return Pool2DGeometry.Create(4, 26, 26, 32, 2, 2, 2, 2, samePadding: false); // the seed's pool
        // Channel counts whose remainder after 512-bit blocks takes every narrower step (8 + 4 + 1, 4 + 2).
        yield return Pool2DGeometry.Create(2, 6, 7, 29, 2, 2, 2, 2, samePadding: false);
        yield return Pool2DGeometry.Create(2, 6, 7, 22, 3, 3, 2, 2, samePadding: true);
        yield return Pool2DGeometry.Create(2, 5, 4, 3, 2, 2, 2, 2, false) with { PadTop = 1, PadLeft = 1, OutH = 3, OutW = 3 };
        yield return Pool2DGeometry.Create(1, 3, 3, 5, 1, 1, 4, 4, false) with { PadTop = 2, OutH = 2, OutW = 1 }; // a window in padding only
    }

    /// <summary>ReLU-like data: a third zeros, values on a coarse grid so that ties are common.</summary>
    private static float[] TiedData(int length, int seed)
    {
        var x = Check.Random(length, seed);
        for (int i = 0; i < x.Length; i++) x[i] = MathF.Max(0f, MathF.Round(x[i] * 4f) / 4f);
        return x;
    }

    public static void ForwardAndBackwardMatchTwin()
    {
        int seed = 0;
        foreach (var g in Geometries())
        {
            var x = TiedData(g.InputLength, ++seed);
            var y1 = new float[g.OutputLength];
            var y2 = Check.Random(g.OutputLength, ++seed);
            var a1 = new int[g.OutputLength];
            var a2 = new int[g.OutputLength];
            NaiveMaxPool2D.Forward(x, y1, a1, g);
            MaxPool2DKernel.Forward(x, y2, a2, g);
            Check.Equal<float>(y1, y2, $"MaxPool forward {g}");
            Check.Equal<int>(a1, a2, $"MaxPool argmax {g}");

            var dy = Check.Random(g.OutputLength, ++seed);
            var dx1 = Check.Random(g.InputLength, ++seed);
            var dx2 = (float[])dx1.Clone();
            NaiveMaxPool2D.Backward(dy, a1, dx1);
            MaxPool2DKernel.Backward(dy, a2, dx2, g);
            Check.Equal<float>(dx1, dx2, $"MaxPool backward {g}");

            var dx3 = Check.Random(g.InputLength, ++seed); // overwritten, not accumulated
            var dx4 = new float[g.InputLength];
            NaiveMaxPool2D.Backward(dy, a1, dx4);
            MaxPool2DKernel.Backward(dy, a2, dx3, g, accumulate: false);
            Check.Equal<float>(dx4, dx3, $"MaxPool backward (overwrite) {g}");

            // Through the ReLU that made x (TiedData is ReLU output: a third zeros): the fused
            // kernel reads the mask off the pooled maxima; its twin off x; and both equal the
            // scatter followed by the ReLU's mask pass.
            var dx5 = Check.Random(g.InputLength, ++seed);
            var dx6 = new float[g.InputLength];
            NaiveMaxPool2D.BackwardThroughRelu(dy, a1, x, dx6);
            MaxPool2DKernel.Backward(dy, a2, dx5, g, accumulate: false, pooled: y2);
            Check.Equal<float>(dx6, dx5, $"MaxPool backward through ReLU (overwrite) {g}");
            for (int j = 0; j < dx4.Length; j++) dx4[j] = x[j] > 0 ? dx4[j] : 0f;
            Check.Equal<float>(dx4, dx5, $"MaxPool backward through ReLU against scatter + mask {g}");
            var dx7 = Check.Random(g.InputLength, ++seed);
            var dx8 = (float[])dx7.Clone();
            NaiveMaxPool2D.BackwardThroughRelu(dy, a1, x, dx8);
            MaxPool2DKernel.Backward(dy, a2, dx7, g, accumulate: true, pooled: y2);
            Check.Equal<float>(dx8, dx7, $"MaxPool backward through ReLU (accumulate) {g}");
        }
    }

    public static void SpecialValuesMatchTwin()
    {
        var g = Pool2DGeometry.Create(2, 4, 6, 19, 2, 2, 2, 2, samePadding: false);
        var x = TiedData(g.InputLength, 7);
        float[] specials = [float.NegativeInfinity, float.PositiveInfinity, float.NaN, -0f, 0f, float.MinValue];
        for (int i = 0; i < x.Length; i += 3) x[i] = specials[i / 3 % specials.Length];
        var y1 = new float[g.OutputLength];
        var y2 = new float[g.OutputLength];
        var a1 = new int[g.OutputLength];
        var a2 = new int[g.OutputLength];
        NaiveMaxPool2D.Forward(x, y1, a1, g);
        MaxPool2DKernel.Forward(x, y2, a2, g);
        Check.Equal<int>(a1, a2, "MaxPool argmax with NaN/±inf/±0");
        Check.Equal<float>(y1, y2, "MaxPool forward with NaN/±inf/±0");
    }

    public static void ForwardIsIdenticalForAnyThreadCount()
    {
        var g = Pool2DGeometry.Create(9, 11, 10, 20, 3, 3, 2, 2, samePadding: true);
        var x = TiedData(g.InputLength, 3);
        (float[], int[]) Run()
        {
            var y = new float[g.OutputLength];
            var a = new int[g.OutputLength];
            MaxPool2DKernel.Forward(x, y, a, g);
            return (y, a);
        }
        var one = ThreadCounts.With(1, Run);
        var two = ThreadCounts.With(2, Run);
        Check.Equal<float>(one.Item1, two.Item1, "MaxPool forward, 1 vs 2 threads");
        Check.Equal<int>(one.Item2, two.Item2, "MaxPool argmax, 1 vs 2 threads");
    }
}
