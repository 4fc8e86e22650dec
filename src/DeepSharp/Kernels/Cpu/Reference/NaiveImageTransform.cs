namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="ImageTransformKernel"/>: for every output pixel, the input point
/// (see <see cref="ImageTransformGeometry"/>) is sampled bilinearly from its four neighbours (nearest: the
/// rounded point, one neighbour of weight 1); a
/// neighbour outside the image is reflected (Reflect) or reads the fill value (Constant). Backward
/// sends dy·weight to each neighbour the forward read (nothing for fill values) and accumulates.
/// </summary>
internal static class NaiveImageTransform
{
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> transforms, Span<float> y, in ImageTransformGeometry g)
    {
        Span<int> at = stackalloc int[4];
        Span<float> w = stackalloc float[4];
        for (int n = 0; n < g.Batch; n++)
            for (int oy = 0; oy < g.Height; oy++)
                for (int ox = 0; ox < g.Width; ox++)
                {
                    Neighbours(transforms.Slice(n * g.TransformSize, g.TransformSize), ox, oy, g, at, w);
                    for (int c = 0; c < g.Channels; c++)
                    {
                        float sum = 0f;
                        for (int k = 0; k < 4; k++)
                            sum += w[k] * (at[k] < 0 ? g.FillValue : x[((n * g.Height * g.Width) + at[k]) * g.Channels + c]);
                        y[((n * g.Height + oy) * g.Width + ox) * g.Channels + c] = sum;
                    }
                }
    }

    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> transforms, Span<float> dx, in ImageTransformGeometry g)
    {
        Span<int> at = stackalloc int[4];
        Span<float> w = stackalloc float[4];
        for (int n = 0; n < g.Batch; n++)
            for (int oy = 0; oy < g.Height; oy++)
                for (int ox = 0; ox < g.Width; ox++)
                {
                    Neighbours(transforms.Slice(n * g.TransformSize, g.TransformSize), ox, oy, g, at, w);
                    for (int c = 0; c < g.Channels; c++)
                        for (int k = 0; k < 4; k++)
                            if (at[k] >= 0)
                                dx[((n * g.Height * g.Width) + at[k]) * g.Channels + c] += w[k] * dy[((n * g.Height + oy) * g.Width + ox) * g.Channels + c];
                }
    }

    /// <summary>
    /// The four neighbours of output pixel (ox, oy) as pixel indices y·W + x within the image
    /// (−1 for the fill value) and their bilinear weights, in the order (y0,x0), (y0,x1), (y1,x0), (y1,x1).
    /// </summary>
    public static void Neighbours(ReadOnlySpan<float> t, int ox, int oy, in ImageTransformGeometry g, Span<int> at, Span<float> w)
    {
        float sx = t[0] * ox + t[1] * oy + t[2];
        float sy = t[3] * ox + t[4] * oy + t[5];
        if (g.Projective)
        {
            float d = t[6] * ox + t[7] * oy + 1f;
            sx /= d;
            sy /= d;
            if (!(float.IsFinite(sx) && float.IsFinite(sy))) (sx, sy) = (-4f * g.Width - 8, -4f * g.Height - 8); // the horizon: outside
        }
        if (g.Nearest)
        {
            // Nearest: the rounded point with weight 1, as a bilinear sample that falls exactly on a pixel.
            sx = MathF.Floor(sx + 0.5f);
            sy = MathF.Floor(sy + 0.5f);
        }
        float fx0 = MathF.Floor(sx), fy0 = MathF.Floor(sy);
        float fx = sx - fx0, fy = sy - fy0;
        // Far outside the image every neighbour is fill (or reflected): clamp before converting to int.
        int x0 = (int)Math.Clamp(fx0, -4f * g.Width - 4, 4f * g.Width + 4);
        int y0 = (int)Math.Clamp(fy0, -4f * g.Height - 4, 4f * g.Height + 4);
        int cx0 = Coordinate(x0, g.Width, g.EdgeFill), cx1 = Coordinate(x0 + 1, g.Width, g.EdgeFill);
        int cy0 = Coordinate(y0, g.Height, g.EdgeFill), cy1 = Coordinate(y0 + 1, g.Height, g.EdgeFill);
        at[0] = Index(cy0, cx0, g.Width);
        at[1] = Index(cy0, cx1, g.Width);
        at[2] = Index(cy1, cx0, g.Width);
        at[3] = Index(cy1, cx1, g.Width);
        w[0] = (1f - fy) * (1f - fx);
        w[1] = (1f - fy) * fx;
        w[2] = fy * (1f - fx);
        w[3] = fy * fx;
    }

    /// <summary>An integer coordinate mapped into [0, size) by the fill mode, or −1 for the fill value.</summary>
    public static int Coordinate(int i, int size, EdgeFill mode)
    {
        if ((uint)i < (uint)size) return i;
        if (mode == EdgeFill.Constant || size == 0) return -1;
        int period = 2 * size;
        int r = ((i % period) + period) % period;
        return r < size ? r : period - 1 - r;
    }

    private static int Index(int y, int x, int width) => y < 0 || x < 0 ? -1 : y * width + x;
}
