using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The transposed 3-D convolution (Conv3D's column blocks with the roles swapped) against its scatter twin, the
/// twin against Conv3D's as its adjoint, the same bits for any thread count, and Keras's sizes.
/// </summary>
public static class Conv3DTransposeChecks
{
    private static readonly (int D, int H, int W)[] Kernels = [(1, 1, 1), (3, 3, 3), (2, 3, 1), (1, 2, 4)];
    private static readonly int[] Sides = [0, 1, 2, 3, 5, 7];
    private static readonly int[] InChannels = [1, 2, 3, 5, 8, 9];
    private static readonly int[] Filters = [1, 4, 7, 16, 17];

    /// <summary>Every kernel shape × stride 1-3 × padding × (dilation or output padding) at awkward sizes (0, 1, primes), plus larger layers.</summary>
    private static IEnumerable<Conv3DGeometry> Geometries()
    {
        int i = 0;
        foreach (var kernel in Kernels)
            foreach (int stride in new[] { 1, 2, 3 })
                foreach (bool same in new[] { false, true })
                    for (int j = 0; j < 3; j++, i++)
                    {
                        int dilation = stride == 1 && j == 1 ? 2 : 1;
                        (int, int, int)? outputPadding = j == 2 ? (stride - 1, (stride + 1) % stride, 0) : null;
                        var input = (Sides[(i + j + 1) % Sides.Length], Sides[(i * 5 + j) % Sides.Length] + 1, Sides[(i * 7 + 2 * j) % Sides.Length] + 1);
                        var g = TryCreate(j == 0 ? 2 : 1, input, InChannels[(i + 2 * j) % InChannels.Length], Filters[(i * 3 + j) % Filters.Length],
                            kernel, (stride, j == 1 ? 1 : stride, stride), same, (dilation, dilation, 1), outputPadding);
                        if (g is { } valid) yield return valid;
                    }
        yield return Conv3DTransposeGeometry.Create(2, (4, 5, 5), 8, 4, (3, 3, 3), (2, 2, 2), true, (1, 1, 1)); // a 3-D decoder's upsampling step
        yield return Conv3DTransposeGeometry.Create(1, (3, 4, 3), 5, 6, (3, 3, 3), (2, 2, 2), true, (1, 1, 1), (1, 0, 1)); // same, output padding
        yield return Conv3DTransposeGeometry.Create(1, (3, 3, 2), 4, 3, (2, 4, 2), (2, 3, 3), false, (1, 1, 1), (1, 2, 0)); // valid, output padding
        yield return Conv3DTransposeGeometry.Create(1, (4, 3, 3), 3, 2, (4, 2, 2), (1, 1, 1), true, (1, 1, 1)); // even kernel, stride 1: output shrinks by one
        yield return Conv3DTransposeGeometry.Create(2, (3, 3, 3), 0, 5, (2, 2, 2), (2, 2, 2), false, (1, 1, 1)); // no input channels: bias only
        yield return Conv3DTransposeGeometry.Create(0, (3, 3, 3), 2, 5, (3, 3, 3), (1, 1, 1), true, (1, 1, 1)); // empty batch
        yield return Conv3DTransposeGeometry.Create(2, (6, 7, 9), 16, 32, (3, 3, 3), (2, 2, 2), true, (1, 1, 1)); // several column blocks
    }

    private static Conv3DGeometry? TryCreate(int batch, (int, int, int) input, int inC, int filters, (int, int, int) kernel,
        (int, int, int) strides, bool same, (int, int, int) dilation, (int, int, int)? outputPadding)
    {
        try
        {
            return Conv3DTransposeGeometry.Create(batch, input, inC, filters, kernel, strides, same, dilation, outputPadding);
        }
        catch (ArgumentOutOfRangeException)
        {
            return null; // a negative output length (an empty input with an output padding): refused, as checked below
        }
    }

    public static void ForwardAndBackwardMatchTwin()
    {
        int seed = 500, count = 0;
        foreach (var g in Geometries())
        {
            count++;
            var x = Check.Random(g.OutputLength, ++seed); // the transposed input is the convolution's output side
            var w = Check.Random(g.KernelLength, ++seed);
            var bias = seed % 4 == 0 ? [] : Check.Random(g.InC, ++seed);
            var dy = Check.Random(g.InputLength, ++seed);
            var (y, dx, dw) = Run(g, x, w, bias, dy, naive: false);
            var (y0, dx0, dw0) = Run(g, x, w, bias, dy, naive: true);
            Check.Close(y0, y, 1e-4f, 1e-4f, $"Conv3DTranspose forward {g} bias={bias.Length}");
            Check.Close(dx0, dx, 1e-4f, 1e-4f, $"Conv3DTranspose input gradient {g}");
            Check.Close(dw0, dw, 1e-4f, 1e-4f, $"Conv3DTranspose kernel gradient {g}");
            // The input gradient written (no accumulation) equals the accumulated one from zero.
            var written = Check.Random(g.OutputLength, ++seed);
            Conv3DTransposeKernel.BackwardInput(dy, w, written, [], accumulate: false, g);
            var fromZero = new float[g.OutputLength];
            NaiveConv3DTranspose.BackwardInput(dy, w, fromZero, g);
            Check.Close(fromZero, written, 1e-4f, 1e-4f, $"Conv3DTranspose input gradient (write) {g}");
        }
        if (count < 60) throw new CheckFailedException($"Conv3DTranspose: only {count} geometries were tried.");
    }

    /// <summary>The twin is the adjoint of Conv3D's twin: ⟨conv(a), b⟩ = ⟨a, convᵀ(b)⟩, and the kernel gradients agree with the roles swapped.</summary>
    public static void TwinIsTheAdjointOfConv3D()
    {
        int seed = 900;
        foreach (var g in Geometries().Take(40))
        {
            var a = Check.Random(g.InputLength, ++seed);
            var b = Check.Random(g.OutputLength, ++seed);
            var w = Check.Random(g.KernelLength, ++seed);
            var conv = new float[g.OutputLength];
            NaiveConv3D.Forward(a, w, [], conv, g);
            var transposed = new float[g.InputLength];
            NaiveConv3DTranspose.Forward(b, w, [], transposed, g);
            double left = 0, right = 0, scale = 1;
            for (int i = 0; i < conv.Length; i++) (left, scale) = (left + (double)conv[i] * b[i], scale + Math.Abs((double)conv[i] * b[i]));
            for (int i = 0; i < transposed.Length; i++) right += (double)a[i] * transposed[i];
            if (Math.Abs(left - right) > 1e-5 * scale)
                throw new CheckFailedException($"Conv3DTranspose twin is not Conv3D's adjoint for {g}: {left} vs {right}.");
            var dwConv = new float[g.KernelLength];
            NaiveConv3D.BackwardKernel(a, b, dwConv, g); // Conv3D's: input a, output gradient b
            var dwTransposed = new float[g.KernelLength];
            NaiveConv3DTranspose.BackwardKernel(b, a, dwTransposed, g);
            Check.Close(dwConv, dwTransposed, 1e-4f, 1e-4f, $"Conv3DTranspose twin's kernel gradient vs Conv3D's {g}");
        }
    }

    public static void SameBitsForAnyThreadCount()
    {
        foreach (var g in new[]
        {
            Conv3DTransposeGeometry.Create(4, (5, 6, 7), 8, 3, (3, 3, 3), (2, 2, 2), true, (1, 1, 1)),
            Conv3DTransposeGeometry.Create(3, (8, 8, 8), 16, 8, (3, 3, 3), (1, 1, 1), true, (1, 1, 1)),
            Conv3DTransposeGeometry.Create(2, (4, 9, 9), 8, 16, (2, 3, 3), (2, 2, 2), false, (1, 1, 1), (1, 1, 0)),
        })
        {
            var x = Check.Random(g.OutputLength, 1);
            var w = Check.Random(g.KernelLength, 2);
            var bias = Check.Random(g.InC, 3);
            var dy = Check.Random(g.InputLength, 4);
            var one = ThreadCounts.With(1, () => Run(g, x, w, bias, dy, naive: false));
            foreach (int threads in new[] { 2, 3, 4 })
            {
                var many = ThreadCounts.With(threads, () => Run(g, x, w, bias, dy, naive: false));
                Check.Equal<float>(one.Y, many.Y, $"Conv3DTranspose forward, {threads} threads {g}");
                Check.Equal<float>(one.Dx, many.Dx, $"Conv3DTranspose input gradient, {threads} threads {g}");
                Check.Equal<float>(one.Dw, many.Dw, $"Conv3DTranspose kernel gradient, {threads} threads {g}");
            }
        }
    }

    /// <summary>Keras 3's sizes (worked out by hand from its formulas) and front paddings; an output padding at or above the stride is refused.</summary>
    public static void OutputSizesAndPaddingsAreKeras()
    {
        // (input, kernel, stride, dilation, same, output padding) → (output, front pad)
        var cases = new (int In, int K, int S, int Dl, bool Same, int? Op, int Out, int Pad)[]
        {
            (5, 3, 2, 1, false, null, 11, 0), (5, 2, 3, 1, false, null, 15, 0), (10, 2, 2, 1, false, null, 20, 0), // Keras's example: 10 → 20
            (5, 3, 2, 1, false, 1, 12, 0), (2, 3, 2, 1, false, 0, 5, 0), (0, 1, 3, 1, false, null, 0, 0),
            (5, 3, 2, 1, true, null, 10, 0), (5, 4, 1, 1, true, null, 5, 1), (5, 5, 1, 1, true, null, 5, 2), (4, 3, 1, 2, true, null, 4, 2),
            (5, 3, 2, 1, true, 1, 10, 0), (2, 3, 2, 1, true, 0, 3, 1), (4, 4, 1, 1, true, 0, 3, 2), (3, 5, 3, 1, true, 2, 9, 1),
            (4, 3, 1, 2, false, null, 8, 0), (1, 1, 2, 1, true, 1, 2, 0),
        };
        foreach (var c in cases)
        {
            var (output, pad) = Conv3DTransposeGeometry.Axis(c.In, c.K, c.S, c.Dl, c.Same, c.Op);
            if ((output, pad) != (c.Out, c.Pad))
                throw new CheckFailedException($"Conv3DTranspose axis {c}: got output {output}, pad {pad}.");
            // "valid" crops nothing: the last tap of the last input voxel lands inside the output.
            if (!c.Same && c.In > 0 && (c.In - 1L) * c.S + (c.K - 1L) * c.Dl >= output)
                throw new CheckFailedException($"Conv3DTranspose axis {c}: a valid output of {output} crops taps.");
        }
        foreach (var refused in new Func<(int, int)>[]
        {
            () => Conv3DTransposeGeometry.Axis(4, 3, 2, 1, false, 2), // output padding not below the stride
            () => Conv3DTransposeGeometry.Axis(4, 3, 1, 1, true, 1),
            () => Conv3DTransposeGeometry.Axis(0, 1, 3, 1, false, 0), // (0 − 1)·3 + 1: negative
            () => Conv3DTransposeGeometry.Axis(1 << 30, 3, 4, 1, false, null), // beyond 2^31 − 1
        })
        {
            try
            {
                refused();
            }
            catch (ArgumentOutOfRangeException)
            {
                continue;
            }
            throw new CheckFailedException("Conv3DTranspose: a bad axis was not refused.");
        }
    }

    /// <summary>Runs the three passes; the gradients accumulate into buffers that start at a known nonzero value.</summary>
    private static (float[] Y, float[] Dx, float[] Dw) Run(Conv3DGeometry g, float[] x, float[] w, float[] bias, float[] dy, bool naive)
    {
        var y = Check.Random(g.InputLength, 7); // overwritten
        var dx = Check.Random(g.OutputLength, 8);
        var dw = Check.Random(g.KernelLength, 9);
        if (naive)
        {
            NaiveConv3DTranspose.Forward(x, w, bias, y, g);
            NaiveConv3DTranspose.BackwardInput(dy, w, dx, g);
            NaiveConv3DTranspose.BackwardKernel(x, dy, dw, g);
        }
        else
        {
            Conv3DTransposeKernel.Forward(x, w, bias, y, g);
            Conv3DTransposeKernel.BackwardInput(dy, w, dx, new float[g.OutputLength], accumulate: true, g);
            Conv3DTransposeKernel.BackwardKernel(x, dy, dw, g);
        }
        return (y, dx, dw);
    }
}
