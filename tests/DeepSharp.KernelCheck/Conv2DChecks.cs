using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Conv;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>Convolution forward and both backward passes against their twin.</summary>
public static class Conv2DChecks
{
    private static readonly (int H, int W)[] Kernels = [(1, 1), (3, 3), (2, 5)];
    private static readonly int[] Batches = [0, 1, 3];
    private static readonly int[] Sides = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    private static readonly int[] InChannels = [1, 2, 3, 5, 8];
    private static readonly int[] OutChannels = [1, 5, 16, 17, 32, 33];

    /// <summary>Every kernel shape × stride × padding × dilation, each at several awkward sizes.</summary>
    private static IEnumerable<Conv2DGeometry> Geometries()
    {
        int i = 0;
        foreach (var (kh, kw) in Kernels)
            foreach (int stride in new[] { 1, 2 })
                foreach (bool same in new[] { false, true })
                    foreach (int dilation in new[] { 1, 2 })
                        for (int j = 0; j < 5; j++, i++)
                        {
                            int batch = Batches[(i + j) % Batches.Length] + (j == 4 ? 1 : 0);
                            int h = Sides[(i * 5 + j) % Sides.Length], w = Sides[(i * 7 + 3 * j + 4) % Sides.Length];
                            yield return Conv2DGeometry.Create(batch, h, w, InChannels[(i + 2 * j) % InChannels.Length],
                                OutChannels[(i * 3 + j) % OutChannels.Length], kh, kw, stride, (stride + j) % 2 + 1, same,
                                dilation, j % 2 == 0 ? dilation : 1);
                        }
        yield return Conv2DGeometry.Create(4, 28, 28, 1, 32, 3, 3, 1, 1, samePadding: false); // the seed's first layer
        yield return Conv2DGeometry.Create(2, 13, 13, 32, 64, 3, 3, 1, 1, samePadding: true);
        yield return Conv2DGeometry.Create(1, 6, 7, 3, 7, 3, 3, 1, 1, false) with { PadTop = 2, PadLeft = 1 }; // explicit padding
        // Input gradient as a forward convolution (stride 1, Cin a multiple of every block width, small padding ring),
        // and the forward's zero-padded bands: 'same' 3×3 and 5×5, dilated, prime sides, odd filter counts.
        yield return Conv2DGeometry.Create(3, 7, 5, 32, 17, 3, 3, 1, 1, samePadding: true, dilationH: 2, dilationW: 2);
        yield return Conv2DGeometry.Create(2, 11, 9, 64, 5, 5, 5, 1, 1, samePadding: true);
        yield return Conv2DGeometry.Create(1, 13, 13, 32, 33, 3, 3, 1, 1, samePadding: false);
        yield return Conv2DGeometry.Create(2, 26, 26, 32, 32, 3, 3, 1, 1, samePadding: false); // convnet-aug's widest layer
        // Strided gradients (the kernel gradient over zero-padded image groups, the input gradient by phases):
        // 'same' (Keras pads bottom/right) and 'valid', odd and prime sides, explicit padding, stride 3, groups of
        // images that do not divide the chunk, channel counts around the block widths.
        foreach (var g in StridedGeometries()) yield return g;
        // Narrow layers (≤ 16 filters, stride 1: vectorised along output rows on AVX-512): rows wider than one
        // 32-pixel block and not a multiple of 16, 8 and 16 filters (whole groups) and partial groups, dilation.
        foreach (var g in NarrowGeometries()) yield return g;
    }

    private static IEnumerable<Conv2DGeometry> StridedGeometries()
    {
        yield return Conv2DGeometry.Create(3, 14, 14, 64, 128, 3, 3, 2, 2, samePadding: true); // bench (c)'s 14×14 stride-2 row
        yield return Conv2DGeometry.Create(2, 28, 28, 32, 64, 3, 3, 2, 2, samePadding: true);
        yield return Conv2DGeometry.Create(5, 13, 11, 33, 17, 3, 3, 2, 2, samePadding: true);
        yield return Conv2DGeometry.Create(19, 7, 5, 16, 32, 3, 3, 2, 2, samePadding: false);
        yield return Conv2DGeometry.Create(2, 9, 10, 5, 31, 5, 5, 2, 2, samePadding: true);
        yield return Conv2DGeometry.Create(3, 8, 7, 32, 3, 2, 3, 2, 1, samePadding: true);
        yield return Conv2DGeometry.Create(2, 11, 13, 7, 9, 3, 3, 3, 3, samePadding: true);
        yield return Conv2DGeometry.Create(1, 1, 1, 64, 32, 3, 3, 2, 2, samePadding: true);
        yield return Conv2DGeometry.Create(2, 2, 3, 1, 1, 3, 3, 2, 2, samePadding: true);
        yield return Conv2DGeometry.Create(2, 9, 9, 8, 16, 3, 3, 2, 2, samePadding: false) with { PadTop = 1, PadLeft = 1, OutH = 5, OutW = 5 }; // libtorch-style padding 1
        yield return Conv2DGeometry.Create(2, 12, 12, 32, 32, 3, 3, 2, 2, samePadding: true, dilationH: 2, dilationW: 1);
        yield return Conv2DGeometry.Create(3, 7, 7, 128, 64, 1, 1, 1, 1, samePadding: true); // 1×1 on a small image: padded groups
        yield return Conv2DGeometry.Create(2, 9, 9, 32, 17, 1, 1, 2, 2, samePadding: true); // strided 1×1
    }

    private static IEnumerable<Conv2DGeometry> NarrowGeometries()
    {
        yield return Conv2DGeometry.Create(2, 28, 28, 8, 8, 3, 3, 1, 1, samePadding: true); // the growth chart's width 8
        yield return Conv2DGeometry.Create(1, 28, 28, 16, 16, 3, 3, 1, 1, samePadding: true);
        yield return Conv2DGeometry.Create(2, 5, 37, 7, 16, 3, 3, 1, 1, samePadding: true);
        yield return Conv2DGeometry.Create(1, 4, 70, 3, 12, 3, 3, 1, 1, samePadding: false);
        yield return Conv2DGeometry.Create(3, 9, 33, 8, 9, 5, 5, 1, 1, samePadding: true, dilationH: 1, dilationW: 2);
        yield return Conv2DGeometry.Create(1, 6, 17, 2, 8, 1, 1, 1, 1, samePadding: false);
        yield return Conv2DGeometry.Create(2, 7, 13, 13, 3, 3, 3, 1, 1, samePadding: true, dilationH: 2, dilationW: 2);
    }

    /// <summary>The row-vectorised narrow path gives the same bits as the channel-vectorised kernel it replaces.</summary>
    public static void NarrowForwardMatchesChannelPathExactly()
    {
        int seed = 400;
        foreach (var g in NarrowGeometries())
            foreach (bool relu in new[] { false, true })
            {
                var x = Check.Random(g.InputLength, ++seed);
                var w = Check.Random(g.KernelLength, ++seed);
                var bias = seed % 3 == 0 ? [] : Check.Random(g.OutC, ++seed);
                var rows = new float[g.OutputLength];
                var channels = new float[g.OutputLength];
                Conv2DKernel.Forward(x, w, bias, rows, g, relu);
                ConvPixelRows512.Disabled = true;
                try { Conv2DKernel.Forward(x, w, bias, channels, g, relu); }
                finally { ConvPixelRows512.Disabled = false; }
                Check.Equal<float>(channels, rows, $"Conv2D narrow forward {g} relu={relu}: rows vs channels path");
            }
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
            NaiveConv2D.Forward(x, w, bias, expected, g);
            Conv2DKernel.Forward(x, w, bias, actual, g);
            Check.Close(expected, actual, 1e-4f, 1e-4f, $"Conv2D forward {g} bias={bias.Length}");

            // Fused ReLU: the twin's output through the twin's ReLU (values near 0 may differ in sign by rounding).
            NaiveActivations.Relu(expected, expected);
            Conv2DKernel.Forward(x, w, bias, actual, g, relu: true);
            Check.Close(expected, actual, 1e-4f, 1e-4f, $"Conv2D forward+ReLU {g} bias={bias.Length}");
            foreach (float v in actual)
                if (!(v >= 0f)) throw new InvalidOperationException($"Conv2D forward+ReLU {g}: output {v} is negative or NaN.");
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
            NaiveConv2D.BackwardInput(dy, w, expected, g);
            Conv2DKernel.BackwardInput(dy, w, actual, g);
            Check.Close(expected, actual, 1e-4f, 1e-4f, $"Conv2D backward input {g}");
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
            NaiveConv2D.BackwardKernel(x, dy, expected, g);
            Conv2DKernel.BackwardKernel(x, dy, actual, g);
            Check.Close(expected, actual, 1e-4f, 1e-3f, $"Conv2D backward kernel {g}");
        }
    }

    /// <summary>The fused pass (ReLU mask in place, dW, bias sum) against the twins run one after another.</summary>
    public static void BackwardKernelFusedMatchesTwins()
    {
        int seed = 250;
        foreach (var g in Geometries())
        {
            var x = Check.Random(g.InputLength, ++seed);
            var reluOutput = Check.Random(g.OutputLength, ++seed);
            for (int i = 0; i < reluOutput.Length; i++) reluOutput[i] = Math.Max(reluOutput[i], 0f);
            var dy1 = Check.Random(g.OutputLength, ++seed);
            var dy2 = (float[])dy1.Clone();
            var dw1 = Check.Random(g.KernelLength, ++seed);
            var dw2 = (float[])dw1.Clone();
            var db1 = Check.Random(g.OutC, ++seed);
            var db2 = (float[])db1.Clone();
            bool relu = seed % 2 == 0;
            if (relu) NaiveActivations.ReluMaskGradient(reluOutput, dy1);
            NaiveConv2D.BackwardKernel(x, dy1, dw1, g);
            NaiveReductions.SumRows(dy1, db1, g.Batch * g.OutH * g.OutW, g.OutC);
            Conv2DKernel.BackwardKernelFused(x, dy2, relu ? reluOutput : [], dw2, db2, g);
            Check.Equal<float>(dy1, dy2, $"Conv2D fused backward: masked dy {g} relu={relu}");
            Check.Close(dw1, dw2, 1e-4f, 1e-3f, $"Conv2D fused backward: dW {g} relu={relu}");
            Check.Close(db1, db2, 1e-4f, 1e-3f, $"Conv2D fused backward: db {g} relu={relu}");
        }
    }

    /// <summary>All three passes give the same bits with one thread as with two.</summary>
    public static void PassesAreIdenticalForAnyThreadCount()
    {
        PassesAreIdenticalForAnyThreadCount(Conv2DGeometry.Create(37, 9, 11, 3, 17, 3, 3, 1, 1, samePadding: true));
        // Input channels a multiple of every block width: the input gradient runs as a forward convolution.
        PassesAreIdenticalForAnyThreadCount(Conv2DGeometry.Create(9, 12, 10, 32, 19, 3, 3, 1, 1, samePadding: true));
        // Stride 2, 'same': padded image groups that straddle the chunks; the input gradient by phases.
        PassesAreIdenticalForAnyThreadCount(Conv2DGeometry.Create(37, 14, 14, 32, 40, 3, 3, 2, 2, samePadding: true));
        PassesAreIdenticalForAnyThreadCount(Conv2DGeometry.Create(21, 9, 11, 5, 33, 5, 5, 2, 2, samePadding: true));
        // 1×1: the input gradient by GEMM, the kernel gradient over padded groups of 7×7 images.
        PassesAreIdenticalForAnyThreadCount(Conv2DGeometry.Create(23, 7, 7, 48, 40, 1, 1, 1, 1, samePadding: true));
        // Narrow: forward and input gradient vectorised along rows (AVX-512).
        PassesAreIdenticalForAnyThreadCount(Conv2DGeometry.Create(7, 11, 37, 8, 8, 3, 3, 1, 1, samePadding: true));
    }

    private static void PassesAreIdenticalForAnyThreadCount(Conv2DGeometry g)
    {
        var x = Check.Random(g.InputLength, 1);
        var w = Check.Random(g.KernelLength, 2);
        var bias = Check.Random(g.OutC, 3);
        var dy = Check.Random(g.OutputLength, 4);
        float[][] Run()
        {
            var y = new float[g.OutputLength];
            var dx = Check.Random(g.InputLength, 5);
            var dw = Check.Random(g.KernelLength, 6);
            Conv2DKernel.Forward(x, w, bias, y, g);
            Conv2DKernel.BackwardInput(dy, w, dx, g);
            Conv2DKernel.BackwardKernel(x, dy, dw, g);
            return [y, dx, dw];
        }
        var one = ThreadCounts.With(1, Run);
        var two = ThreadCounts.With(2, Run);
        for (int i = 0; i < one.Length; i++) Check.Equal<float>(one[i], two[i], $"Conv2D pass {i}, 1 vs 2 threads");
    }

    /// <summary>Two threads calling at once (the pool runs the second inline) get their own answers.</summary>
    public static void ConcurrentCallsDoNotInterfere()
    {
        var g1 = Conv2DGeometry.Create(6, 8, 8, 3, 17, 3, 3, 1, 1, samePadding: true);
        var g2 = Conv2DGeometry.Create(5, 9, 7, 2, 5, 2, 5, 2, 1, samePadding: false);
        float[] Run(Conv2DGeometry g, int seed)
        {
            var x = Check.Random(g.InputLength, seed);
            var w = Check.Random(g.KernelLength, seed + 1);
            var y = new float[g.OutputLength];
            var dw = new float[g.KernelLength];
            for (int i = 0; i < 20; i++)
            {
                Conv2DKernel.Forward(x, w, [], y, g);
                Conv2DKernel.BackwardKernel(x, y, dw, g);
            }
            return [.. y, .. dw];
        }
        var expected1 = Run(g1, 1);
        var expected2 = Run(g2, 2);
        var t1 = Task.Run(() => Run(g1, 1));
        var t2 = Task.Run(() => Run(g2, 2));
        Check.Equal<float>(expected1, t1.Result, "Conv2D concurrent call 1");
        Check.Equal<float>(expected2, t2.Result, "Conv2D concurrent call 2");
    }
}
