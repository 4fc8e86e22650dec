using System.Numerics.Tensors;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Per-image affine or projective transforms with bilinear or nearest sampling over NHWC data (the augmentation layers);
/// see <see cref="NaiveImageTransform"/>. The neighbours and weights are computed once per pixel
/// and applied to the whole channel row with vectorised multiply-adds.
/// </summary>
internal static class ImageTransformKernel
{
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> transforms, Span<float> y, in ImageTransformGeometry g)
    {
        Validate(x.Length, y.Length, transforms.Length, g);
        int c = g.Channels, pixels = g.Height * g.Width;
        Span<int> at = stackalloc int[4];
        Span<float> w = stackalloc float[4];
        for (int n = 0; n < g.Batch; n++)
            for (int oy = 0; oy < g.Height; oy++)
                for (int ox = 0; ox < g.Width; ox++)
                {
                    NaiveImageTransform.Neighbours(transforms.Slice(n * g.TransformSize, g.TransformSize), ox, oy, g, at, w);
                    var row = y.Slice(((n * g.Height + oy) * g.Width + ox) * c, c);
                    float fill = 0f;
                    row.Clear();
                    for (int k = 0; k < 4; k++)
                    {
                        if (at[k] < 0) fill += w[k] * g.FillValue;
                        else if (w[k] != 0f) TensorPrimitives.MultiplyAdd(x.Slice((n * pixels + at[k]) * c, c), w[k], row, row);
                    }
                    if (fill != 0f) TensorPrimitives.Add(row, fill, row);
                }
    }

    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> transforms, Span<float> dx, in ImageTransformGeometry g)
    {
        Validate(dx.Length, dy.Length, transforms.Length, g);
        int c = g.Channels, pixels = g.Height * g.Width;
        Span<int> at = stackalloc int[4];
        Span<float> w = stackalloc float[4];
        for (int n = 0; n < g.Batch; n++)
            for (int oy = 0; oy < g.Height; oy++)
                for (int ox = 0; ox < g.Width; ox++)
                {
                    NaiveImageTransform.Neighbours(transforms.Slice(n * g.TransformSize, g.TransformSize), ox, oy, g, at, w);
                    var row = dy.Slice(((n * g.Height + oy) * g.Width + ox) * c, c);
                    for (int k = 0; k < 4; k++)
                    {
                        if (at[k] < 0 || w[k] == 0f) continue;
                        var target = dx.Slice((n * pixels + at[k]) * c, c);
                        TensorPrimitives.MultiplyAdd(row, w[k], target, target);
                    }
                }
    }

    private static void Validate(int inputLength, int outputLength, int transformLength, in ImageTransformGeometry g)
    {
        if (g.Batch < 0 || g.Height < 0 || g.Width < 0 || g.Channels < 0 || !Enum.IsDefined(g.EdgeFill))
            throw new ArgumentException($"Invalid image transform geometry {g}.");
        long length = (long)g.Batch * g.Height * g.Width * g.Channels; // in 64 bits: a wrapped product must not pass
        if (length > int.MaxValue || inputLength < length || outputLength < length || transformLength < (long)g.Batch * g.TransformSize)
            throw new ArgumentException($"Image transform buffers of {inputLength}, {outputLength} and {transformLength} elements; geometry {g} needs {g.Length} and {g.TransformLength} transform numbers.");
    }
}
