namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// A transposed convolution scatters input voxel i through tap k to output position o = i·s − P + k·d
// (per axis; s stride, d dilation, P the front padding of the convolution it is the gradient of).
// Keras 3 fixes the output length L and P per axis (keras.src.backend.common.backend_utils: the output
// length from TensorFlow's rule, the padding from the JAX form, both written here from their formulas).
// With K = (k − 1)·d + 1 the dilated extent and op the output_padding:
//   valid, no op      L = in·s + max(K − s, 0)                P = 0
//   valid, op         L = (in − 1)·s + K + op                 P = 0
//   same,  no op      L = in·s                                P = K − 1 − min(⌈t / 2⌉, K − 1), t = s + K − 2
//   same,  op         L = (in − 1)·s + K mod 2 + op           P = K − 1 − min(⌈t / 2⌉, K − 1), t = K + K mod 2 − 2 + op
// (JAX pads the stride-dilated input by K − 1 − P in front: the "same" rows are its rule; without op P
// equals max(⌊(K − s) / 2⌋, 0), TensorFlow's "same" padding of the convolution from L to in.) Output
// positions no tap reaches (the far side that op adds) hold only the bias, as in Keras.

/// <summary>
/// A transposed 3-D convolution is the input gradient of a <see cref="Conv3DGeometry"/> convolution: its
/// input (N, D, H, W, Cin) plays the convolution's output, its output (N, OD, OH, OW, filters) the
/// convolution's input, and the (KD, KH, KW, filters, Cin) kernel is the convolution's (KD, KH, KW, Cin', Cout')
/// kernel as it lies. This class finds that convolution, with Keras 3's output sizes and padding.
/// </summary>
internal static class Conv3DTransposeGeometry
{
    /// <summary>
    /// Keras's output length and front padding along one axis; <paramref name="outputPadding"/> null for
    /// Keras's <c>output_padding=None</c>. Computed in 64 bits.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range, the output padding is not below the stride, or the output is negative or exceeds 2^31 − 1.</exception>
    public static (int Output, int Pad) Axis(int input, int kernel, int stride, int dilation, bool samePadding, int? outputPadding)
    {
        if (input < 0 || kernel < 1 || stride < 1 || dilation < 1 || outputPadding is < 0)
            throw new ArgumentOutOfRangeException(nameof(kernel),
                $"A transposed convolution axis needs input ≥ 0, kernel, stride and dilation ≥ 1 and output padding ≥ 0; " +
                $"got input {input}, kernel {kernel}, stride {stride}, dilation {dilation}, output padding {outputPadding}.");
        if (outputPadding >= stride)
            throw new ArgumentOutOfRangeException(nameof(outputPadding),
                $"A transposed convolution's output padding {outputPadding} must be less than its stride {stride} (as in Keras).");
        long extent = Conv2DGeometry.EffectiveSize(kernel, dilation);
        long output = samePadding
            ? (outputPadding is { } sameOp ? (input - 1L) * stride + extent % 2 + sameOp : (long)input * stride)
            : (outputPadding is { } validOp ? (input - 1L) * stride + extent + validOp : (long)input * stride + Math.Max(extent - stride, 0));
        long pad = 0;
        if (samePadding)
        {
            long total = outputPadding is { } op ? extent + extent % 2 - 2 + op : stride + extent - 2;
            pad = extent - 1 - Math.Min((total + 1) / 2, extent - 1);
        }
        if (output < 0 || output > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(input),
                $"A transposed convolution of an input of {input} with kernel {kernel}, stride {stride}, dilation {dilation} and output padding " +
                $"{outputPadding} gives {output} elements, outside 0 … 2^31 − 1.");
        return ((int)output, (int)pad);
    }

    /// <summary>
    /// The convolution whose input gradient is the transposed convolution of x (batch, input.D, input.H, input.W, inC)
    /// into <paramref name="filters"/> channels: its InD/InH/InW/InC are the transposed output, its OutD/OutH/OutW/OutC
    /// the transposed input. <paramref name="outputPadding"/> null for Keras's <c>output_padding=None</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A size is out of range or the geometry does not fit 32-bit indexing.</exception>
    public static Conv3DGeometry Create(int batch, (int D, int H, int W) input, int inC, int filters, (int D, int H, int W) kernel,
        (int D, int H, int W) strides, bool samePadding, (int D, int H, int W) dilation, (int D, int H, int W)? outputPadding = null)
    {
        var (outD, padFront) = Axis(input.D, kernel.D, strides.D, dilation.D, samePadding, outputPadding?.D);
        var (outH, padTop) = Axis(input.H, kernel.H, strides.H, dilation.H, samePadding, outputPadding?.H);
        var (outW, padLeft) = Axis(input.W, kernel.W, strides.W, dilation.W, samePadding, outputPadding?.W);
        var g = new Conv3DGeometry(batch, outD, outH, outW, filters, inC, kernel.D, kernel.H, kernel.W,
            strides.D, strides.H, strides.W, padFront, padTop, padLeft, input.D, input.H, input.W, dilation.D, dilation.H, dilation.W);
        g.Validate();
        return g;
    }
}
