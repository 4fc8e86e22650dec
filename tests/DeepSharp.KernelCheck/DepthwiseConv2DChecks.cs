using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>Depthwise convolution forward and both backward passes against their twin.</summary>
public static class DepthwiseConv2DChecks
{
    private static readonly (int H, int W)[] Kernels = [(1, 1), (3, 3), (2, 5)];
    private static readonly int[] Sides = [1, 2, 3, 4, 5, 7, 8, 9];
    private static readonly int[] Channels = [0, 1, 2, 3, 5, 8, 13, 16, 17, 33];
    private static readonly int[] Multipliers = [1, 1, 2, 3];

    /// <summary>Every kernel shape × stride × padding × dilation, each at several awkward sizes and multipliers.</summary>
    private static IEnumerable<DepthwiseConv2DGeometry> Geometries()
    {
        int i = 0;
        foreach (var (kh, kw) in Kernels)
            foreach (int stride in new[] { 1, 2 })
                foreach (bool same in new[] { false, true })
                    foreach (int dilation in new[] { 1, 2 })
                        for (int j = 0; j < 5; j++, i++)
                            yield return DepthwiseConv2DGeometry.Create(j % 3 + (j == 4 ? 1 : 0) - (i % 11 == 0 ? 1 : 0) + 1,
                                Sides[(i * 5 + j) % Sides.Length], Sides[(i * 7 + 3 * j + 4) % Sides.Length],
                                Channels[(i + 2 * j) % Channels.Length], Multipliers[(i + j) % Multipliers.Length],
                                kh, kw, stride, (stride + j) % 2 + 1, same, dilation, j % 2 == 0 ? dilation : 1);
        yield return DepthwiseConv2DGeometry.Create(3, 14, 14, 32, 1, 3, 3, 1, 1, samePadding: true); // a MobileNet block
        yield return DepthwiseConv2DGeometry.Create(2, 9, 8, 7, 4, 3, 3, 2, 2, samePadding: true);
        yield return DepthwiseConv2DGeometry.Create(1, 6, 7, 3, 2, 3, 3, 1, 1, false) with { PadTop = 2, PadLeft = 1 }; // explicit padding
    }

    public static void ForwardMatchesTwin()
    {
        int seed = 0;
        foreach (var g in Geometries())
        {
            var x = Check.Random(g.InputLength, ++seed);
            var w = Check.Random(g.KernelLength, ++seed);
            var bias = seed % 3 == 0 ? [] : Check.Random(g.OutC, ++seed);
            var expected = new float[g.OutputLength];
            var actual = Check.Random(g.OutputLength, ++seed); // must be overwritten
            NaiveDepthwiseConv2D.Forward(x, w, bias, expected, g);
            DepthwiseConv2DKernel.Forward(x, w, bias, actual, g);
            Check.Close(expected, actual, 1e-5f, 1e-5f, $"DepthwiseConv2D forward {g} bias={bias.Length}");
        }
    }

    public static void BackwardInputMatchesTwin()
    {
        int seed = 100;
        foreach (var g in Geometries())
        {
            var dy = Check.Random(g.OutputLength, ++seed);
            var w = Check.Random(g.KernelLength, ++seed);
            var expected = Check.Random(g.InputLength, ++seed);
            var actual = (float[])expected.Clone();
            NaiveDepthwiseConv2D.BackwardInput(dy, w, expected, g);
            DepthwiseConv2DKernel.BackwardInput(dy, w, actual, g);
            Check.Close(expected, actual, 1e-5f, 1e-5f, $"DepthwiseConv2D backward input {g}");
        }
    }

    public static void BackwardKernelMatchesTwin()
    {
        int seed = 200;
        foreach (var g in Geometries())
        {
            var x = Check.Random(g.InputLength, ++seed);
            var dy = Check.Random(g.OutputLength, ++seed);
            var expected = Check.Random(g.KernelLength, ++seed);
            var actual = (float[])expected.Clone();
            NaiveDepthwiseConv2D.BackwardKernel(x, dy, expected, g);
            DepthwiseConv2DKernel.BackwardKernel(x, dy, actual, g);
            Check.Close(expected, actual, 1e-4f, 1e-4f, $"DepthwiseConv2D backward kernel {g}");
        }
    }

    /// <summary>A depthwise convolution with M = 1 is a dense convolution whose kernel is diagonal in the channels.</summary>
    public static void EqualsADenseConvolutionWithADiagonalKernel()
    {
        var g = DepthwiseConv2DGeometry.Create(2, 7, 6, 5, 1, 3, 2, 2, 1, samePadding: true);
        var dense = Conv2DGeometry.Create(2, 7, 6, 5, 5, 3, 2, 2, 1, samePadding: true);
        var x = Check.Random(g.InputLength, 1);
        var w = Check.Random(g.KernelLength, 2);
        var full = new float[dense.KernelLength];
        for (int tap = 0; tap < 6; tap++)
            for (int c = 0; c < 5; c++) full[(tap * 5 + c) * 5 + c] = w[tap * 5 + c];
        var expected = new float[dense.OutputLength];
        var actual = new float[g.OutputLength];
        NaiveConv2D.Forward(x, full, [], expected, dense);
        DepthwiseConv2DKernel.Forward(x, w, [], actual, g);
        Check.Close(expected, actual, 1e-5f, 1e-5f, "DepthwiseConv2D as a diagonal Conv2D");
    }

    /// <summary>All three passes give the same bits with one thread as with two.</summary>
    public static void PassesAreIdenticalForAnyThreadCount()
    {
        var g = DepthwiseConv2DGeometry.Create(9, 11, 10, 19, 2, 3, 3, 1, 1, samePadding: true);
        var x = Check.Random(g.InputLength, 1);
        var w = Check.Random(g.KernelLength, 2);
        var bias = Check.Random(g.OutC, 3);
        var dy = Check.Random(g.OutputLength, 4);
        float[][] Run()
        {
            var y = new float[g.OutputLength];
            var dx = Check.Random(g.InputLength, 5);
            var dw = Check.Random(g.KernelLength, 6);
            DepthwiseConv2DKernel.Forward(x, w, bias, y, g);
            DepthwiseConv2DKernel.BackwardInput(dy, w, dx, g);
            DepthwiseConv2DKernel.BackwardKernel(x, dy, dw, g);
            return [y, dx, dw];
        }
        var one = ThreadCounts.With(1, Run);
        var two = ThreadCounts.With(2, Run);
        for (int i = 0; i < one.Length; i++) Check.Equal<float>(one[i], two[i], $"DepthwiseConv2D pass {i}, 1 vs 2 threads");
    }

    /// <summary>Geometries whose sizes would overflow 32-bit indexing are refused before any kernel runs.</summary>
    public static void OversizedGeometriesAreRefused()
    {
        Refused(() => DepthwiseConv2DGeometry.Create(1, 4, 4, 1 << 16, 1 << 16, 3, 3, 1, 1, false), "C·M");
        Refused(() => DepthwiseConv2DGeometry.Create(1 << 12, 1 << 10, 1 << 10, 1, 1, 1, 1, 1, 1, false), "input length");
        Refused(() => DepthwiseConv2DGeometry.Create(1, int.MaxValue, 1, 1, 1, 3, 1, 1, 1, true), "same-padded height");
        Refused(() => new DepthwiseConv2DGeometry(1, 4, 4, 2, 0, 3, 3, 1, 1, 0, 0, 2, 2).Validate(), "zero multiplier");
        Refused(() => DepthwiseConv2DKernel.Forward(new float[10], new float[18], [], new float[8], DepthwiseConv2DGeometry.Create(1, 4, 4, 2, 1, 3, 3, 1, 1, false)), "short input");
    }

    private static void Refused(Action action, string what)
    {
        try
        {
            action();
        }
        catch (ArgumentException)
        {
            return;
        }
        throw new CheckFailedException($"DepthwiseConv2D: {what} was not refused.");
    }
}
