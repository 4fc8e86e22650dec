using System.Numerics.Tensors;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Shape of one resize of NHWC images to any size: (N, InH, InW, C) → (N, OutH, OutW, C).
/// </summary>
internal readonly record struct ResizeGeometry(int Batch, int InH, int InW, int Channels, int OutH, int OutW)
{
    public int InputLength => Batch * InH * InW * Channels;
    public int OutputLength => Batch * OutH * OutW * Channels;

    /// <summary>Checks the sizes (input sides ≥ 1, output sides ≥ 1) and that both lengths fit in an int.</summary>
    /// <exception cref="ArgumentException">The geometry is invalid (the message gives it).</exception>
    public void Validate()
    {
        if (Batch < 0 || Channels < 0 || InH < 1 || InW < 1 || OutH < 1 || OutW < 1)
            throw new ArgumentException($"Invalid resize geometry {this}: image sides must be positive.");
        if ((long)Batch * InH * InW * Channels > int.MaxValue || (long)Batch * OutH * OutW * Channels > int.MaxValue)
            throw new ArgumentException($"Resize geometry {this} has buffers of more than 2^31 − 1 elements.");
    }

    /// <summary>
    /// Bilinear resampling along one axis with half-pixel centres and no antialiasing (TensorFlow's resize, which Keras's
    /// Resizing uses; ONNX Resize "half_pixel"), in float as TensorFlow computes it: output o reads source position
    /// s = max((o + ½)·(size/outSize) − ½, 0), between ⌊s⌋ and min(⌊s⌋ + 1, size − 1) with weight s − ⌊s⌋ on the second.
    /// </summary>
    public static (int I0, int I1, float Weight) BilinearTap(int o, int size, int outSize)
    {
        float scale = (float)size / outSize;
        float s = MathF.Max((o + 0.5f) * scale - 0.5f, 0f);
        int i0 = Math.Min((int)s, size - 1);
        return (i0, Math.Min(i0 + 1, size - 1), s - i0);
    }

    /// <summary>Nearest with half-pixel centres (TensorFlow's resize "nearest"): min(⌊(o + ½)·(size/outSize)⌋, size − 1).</summary>
    public static int NearestTap(int o, int size, int outSize)
    {
        float scale = (float)size / outSize;
        return Math.Min((int)MathF.Floor((o + 0.5f) * scale), size - 1);
    }
}

/// <summary>
/// Resizing of NHWC images to any size, bilinear or nearest (<see cref="ResizeGeometry"/> gives the taps; see
/// <see cref="Reference.NaiveResize"/> for the contract). Each output pixel is whole channel rows: a copy for nearest,
/// a weighted sum of four rows for bilinear (TensorPrimitives, every vector width). Backward passes accumulate (+=).
/// </summary>
internal static class ResizeKernel
{
    /// <summary>Writes y.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, in ResizeGeometry g, bool bilinear)
    {
        Validate(x.Length, y.Length, g);
        int c = g.Channels;
        if (c == 0) return;
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
            {
                var outRow = y.Slice((n * g.OutH + oh) * g.OutW * c, g.OutW * c);
                if (!bilinear)
                {
                    var source = x.Slice((n * g.InH + ResizeGeometry.NearestTap(oh, g.InH, g.OutH)) * g.InW * c, g.InW * c);
                    for (int ow = 0; ow < g.OutW; ow++) source.Slice(ResizeGeometry.NearestTap(ow, g.InW, g.OutW) * c, c).CopyTo(outRow.Slice(ow * c, c));
                    continue;
                }
                var (h0, h1, fh) = ResizeGeometry.BilinearTap(oh, g.InH, g.OutH);
                var row0 = x.Slice((n * g.InH + h0) * g.InW * c, g.InW * c);
                var row1 = x.Slice((n * g.InH + h1) * g.InW * c, g.InW * c);
                for (int ow = 0; ow < g.OutW; ow++)
                {
                    var (w0, w1, fw) = ResizeGeometry.BilinearTap(ow, g.InW, g.OutW);
                    var target = outRow.Slice(ow * c, c);
                    TensorPrimitives.Multiply(row0.Slice(w0 * c, c), (1 - fh) * (1 - fw), target);
                    TensorPrimitives.MultiplyAdd(row0.Slice(w1 * c, c), (1 - fh) * fw, target, target);
                    TensorPrimitives.MultiplyAdd(row1.Slice(w0 * c, c), fh * (1 - fw), target, target);
                    TensorPrimitives.MultiplyAdd(row1.Slice(w1 * c, c), fh * fw, target, target);
                }
            }
    }

    /// <summary>dx += ∂L/∂x given dy: each output gradient goes to its source pixel(s) with their weights.</summary>
    public static void Backward(ReadOnlySpan<float> dy, Span<float> dx, in ResizeGeometry g, bool bilinear)
    {
        Validate(dx.Length, dy.Length, g);
        int c = g.Channels;
        if (c == 0) return;
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
            {
                var dyRow = dy.Slice((n * g.OutH + oh) * g.OutW * c, g.OutW * c);
                if (!bilinear)
                {
                    var target = dx.Slice((n * g.InH + ResizeGeometry.NearestTap(oh, g.InH, g.OutH)) * g.InW * c, g.InW * c);
                    for (int ow = 0; ow < g.OutW; ow++)
                    {
                        var t = target.Slice(ResizeGeometry.NearestTap(ow, g.InW, g.OutW) * c, c);
                        TensorPrimitives.Add(t, dyRow.Slice(ow * c, c), t);
                    }
                    continue;
                }
                var (h0, h1, fh) = ResizeGeometry.BilinearTap(oh, g.InH, g.OutH);
                var row0 = dx.Slice((n * g.InH + h0) * g.InW * c, g.InW * c);
                var row1 = dx.Slice((n * g.InH + h1) * g.InW * c, g.InW * c);
                for (int ow = 0; ow < g.OutW; ow++)
                {
                    var (w0, w1, fw) = ResizeGeometry.BilinearTap(ow, g.InW, g.OutW);
                    var d = dyRow.Slice(ow * c, c);
                    AddScaled(row0.Slice(w0 * c, c), d, (1 - fh) * (1 - fw));
                    AddScaled(row0.Slice(w1 * c, c), d, (1 - fh) * fw);
                    AddScaled(row1.Slice(w0 * c, c), d, fh * (1 - fw));
                    AddScaled(row1.Slice(w1 * c, c), d, fh * fw);
                }
            }
    }

    private static void AddScaled(Span<float> target, ReadOnlySpan<float> d, float weight)
    {
        if (weight != 0f) TensorPrimitives.MultiplyAdd(d, weight, target, target);
    }

    private static void Validate(int inputLength, int outputLength, in ResizeGeometry g)
    {
        g.Validate();
        if (inputLength < g.InputLength || outputLength < g.OutputLength)
            throw new ArgumentException($"Resize buffers of {inputLength} and {outputLength} elements; geometry {g} needs {g.InputLength} and {g.OutputLength}.");
    }
}
