using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>The transposed convolution (col2im of the convolution's input gradient) against its scatter twin, and its sizes.</summary>
public static class Conv2DTransposeChecks
{
    private static readonly (int H, int W)[] Kernels = [(1, 1), (3, 3), (2, 5), (4, 4)];
    private static readonly int[] Sides = [1, 2, 3, 4, 5, 7];
    private static readonly int[] InChannels = [1, 2, 3, 5, 8, 17];
    private static readonly int[] Filters = [1, 3, 5, 16, 17, 33];

    private static IEnumerable<Conv2DGeometry> Geometries()
    {
        int i = 0;
        foreach (var (kh, kw) in Kernels)
            foreach (int stride in new[] { 1, 2, 3 })
                foreach (bool same in new[] { false, true })
                    for (int j = 0; j < 4; j++, i++)
                    {
                        int dilation = stride == 1 && j % 2 == 1 ? 2 : 1;
                        yield return Conv2DTransposeGeometry.Create(j % 3, Sides[(i * 5 + j) % Sides.Length], Sides[(i * 7 + 3 * j + 4) % Sides.Length],
                            InChannels[(i + 2 * j) % InChannels.Length], Filters[(i * 3 + j) % Filters.Length], kh, kw,
                            stride, (stride + j) % 3 + 1, same, dilation, dilation);
                    }
    }

    public static void ForwardMatchesTwin()
    {
        int seed = 0;
        foreach (var g in Geometries())
        {
            var x = Check.Random(g.OutputLength, ++seed); // the transposed input is the convolution's output side
            var w = Check.Random(g.KernelLength, ++seed);
            var bias = seed % 3 == 0 ? [] : Check.Random(g.InC, ++seed);
            var expected = new float[g.InputLength];
            var actual = Check.Random(g.InputLength, ++seed); // must be overwritten
            NaiveConv2DTranspose.Forward(x, w, bias, expected, g);
            Conv2DTransposeKernel.Forward(x, w, bias, actual, g);
            Check.Close(expected, actual, 1e-4f, 1e-4f, $"Conv2DTranspose forward {g} bias={bias.Length}");
        }
    }

    /// <summary>The input gradient is the convolution of dy: written, and accumulated through scratch.</summary>
    public static void BackwardInputMatchesTwin()
    {
        int seed = 100;
        foreach (var g in Geometries())
        {
            var dy = Check.Random(g.InputLength, ++seed);
            var w = Check.Random(g.KernelLength, ++seed);
            var conv = new float[g.OutputLength];
            NaiveConv2D.Forward(dy, w, [], conv, g);
            var written = Check.Random(g.OutputLength, ++seed);
            Conv2DTransposeKernel.BackwardInput(dy, w, written, [], accumulate: false, g);
            Check.Close(conv, written, 1e-4f, 1e-4f, $"Conv2DTranspose backward input (write) {g}");
            var start = Check.Random(g.OutputLength, ++seed);
            var expected = new float[g.OutputLength];
            for (int i = 0; i < expected.Length; i++) expected[i] = start[i] + conv[i];
            Conv2DTransposeKernel.BackwardInput(dy, w, start, new float[g.OutputLength], accumulate: true, g);
            Check.Close(expected, start, 1e-4f, 1e-4f, $"Conv2DTranspose backward input (accumulate) {g}");
        }
    }

    /// <summary>Keras's sizes: valid (in − 1)·s + k when k ≥ s, in·s + (0 or k − s) otherwise; same in·s.</summary>
    public static void OutputSizesAreKeras()
    {
        foreach (int input in new[] { 0, 1, 2, 5, 13 })
            foreach (int kernel in new[] { 1, 2, 3, 5 })
                foreach (int stride in new[] { 1, 2, 3 })
                {
                    int valid = Conv2DTransposeGeometry.OutputSize(input, kernel, stride, 1, samePadding: false);
                    int same = Conv2DTransposeGeometry.OutputSize(input, kernel, stride, 1, samePadding: true);
                    int want = input * stride + Math.Max(kernel - stride, 0);
                    if (valid != want || same != input * stride)
                        throw new CheckFailedException($"Conv2DTranspose sizes for in {input}, k {kernel}, s {stride}: valid {valid} (want {want}), same {same}.");
                    if (input > 0 && kernel >= stride && valid != (input - 1) * stride + kernel)
                        throw new CheckFailedException($"Conv2DTranspose valid size {valid} is not (in − 1)·s + k.");
                }
        if (Conv2DTransposeGeometry.OutputSize(4, 3, 1, 2, false) != 8)
            throw new CheckFailedException("Conv2DTranspose with dilation 2: a 3-tap kernel spans 5, so 4 → 8.");
        try
        {
            Conv2DTransposeGeometry.OutputSize(1 << 30, 3, 4, 1, false);
        }
        catch (ArgumentOutOfRangeException)
        {
            return;
        }
        throw new CheckFailedException("Conv2DTranspose: an output beyond 2^31 − 1 was not refused.");
    }
}
