namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="FilteredResizeKernel"/> with <see cref="ResizeTaps.For"/>: TensorFlow's
/// <c>tf.image.resize(method, antialias)</c>, written from the published formulas as one dense weight matrix per axis
/// (every input index against every output index, in double) and the 2-D sum y[o, p] = Σᵢ Σⱼ H[o, i]·W[p, j]·x[i, j].
/// Sample positions are computed in float as TensorFlow computes them, so that filters with a jump (the Gaussian at its
/// radius) cut at the same inputs.
/// <list type="bullet">
/// <item>bilinear: triangle at s = min(max((o + ½)·in/out − ½, 0), in − 1); with antialiasing as the filters below.</item>
/// <item>bicubic: Keys (a = −0.5) at distance |i − p|, p = ⌊s⌋ + round((s − ⌊s⌋)·1024)/1024, s = (o + ½)·in/out − ½; inputs
/// inside the image only, renormalised.</item>
/// <item>area: |[i, i + 1) ∩ [o·in/out, (o + 1)·in/out)| / (in/out), what lies past the last pixel counted on it.</item>
/// <item>the rest (and antialiased bilinear/bicubic): the filter at (i + ½ − t)/k, t = (o + ½)·in/out, k = max(in/out, 1)
/// with antialiasing else 1, for inputs within radius·k of t; renormalised.</item>
/// </list>
/// Backward passes accumulate (+=).
/// </summary>
internal static class NaiveFilteredResize
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, in ResizeGeometry g, ResizeMethod method, bool antialias)
    {
        var h = Weights(method, antialias, g.InH, g.OutH);
        var w = Weights(method, antialias, g.InW, g.OutW);
        int c = g.Channels;
        for (int n = 0; n < g.Batch; n++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                    for (int ch = 0; ch < c; ch++)
                    {
                        double sum = 0;
                        for (int i = 0; i < g.InH; i++)
                            for (int j = 0; j < g.InW; j++)
                                sum += h[oh, i] * w[ow, j] * x[((n * g.InH + i) * g.InW + j) * c + ch];
                        y[((n * g.OutH + oh) * g.OutW + ow) * c + ch] = (float)sum;
                    }
    }

    public static void Backward(ReadOnlySpan<float> dy, Span<float> dx, in ResizeGeometry g, ResizeMethod method, bool antialias)
    {
        var h = Weights(method, antialias, g.InH, g.OutH);
        var w = Weights(method, antialias, g.InW, g.OutW);
        int c = g.Channels;
        for (int n = 0; n < g.Batch; n++)
            for (int i = 0; i < g.InH; i++)
                for (int j = 0; j < g.InW; j++)
                    for (int ch = 0; ch < c; ch++)
                    {
                        double sum = 0;
                        for (int oh = 0; oh < g.OutH; oh++)
                            for (int ow = 0; ow < g.OutW; ow++)
                                sum += h[oh, i] * w[ow, j] * dy[((n * g.OutH + oh) * g.OutW + ow) * c + ch];
                        dx[((n * g.InH + i) * g.InW + j) * c + ch] += (float)sum;
                    }
    }

    /// <summary>The dense (out, in) weight matrix of one axis.</summary>
    public static double[,] Weights(ResizeMethod method, bool antialias, int inSize, int outSize)
    {
        var m = new double[outSize, inSize];
        float ratio = (float)inSize / outSize;
        for (int o = 0; o < outSize; o++)
        {
            if (method == ResizeMethod.Area)
            {
                float start = o * ratio, end = (o + 1) * ratio;
                for (int i = 0; i < inSize; i++) m[o, i] = Math.Max(0.0, Math.Min(i + 1.0, end) - Math.Max((double)i, start)) / ratio;
                m[o, inSize - 1] += Math.Max(0.0, end - Math.Max((double)inSize, start)) / ratio;
                continue;
            }
            if (method == ResizeMethod.Bilinear && !antialias)
            {
                double s = Math.Min(Math.Max((o + 0.5f) * ratio - 0.5f, 0f), inSize - 1);
                for (int i = 0; i < inSize; i++) m[o, i] = Math.Max(0.0, 1.0 - Math.Abs(i - s));
                continue;
            }
            if (method == ResizeMethod.Bicubic && !antialias)
            {
                float s = (o + 0.5f) * ratio - 0.5f;
                double floor = Math.Floor(s);
                double p = floor + Math.Round((s - (float)floor) * 1024f, MidpointRounding.ToEven) / 1024.0;
                for (int i = 0; i < inSize; i++) m[o, i] = Filter(ResizeMethod.Bicubic, Math.Abs(i - p));
                Normalize(m, o, inSize);
                continue;
            }
            float inverseScale = (float)(1.0 / ((float)outSize / inSize));
            float k = antialias ? MathF.Max(inverseScale, 1f) : 1f;
            float t = (o + 0.5f) * inverseScale;
            float reach = (float)Radius(method) * k;
            for (int i = 0; i < inSize; i++)
            {
                float d = i + 0.5f - t;
                if (MathF.Abs(d) <= reach) m[o, i] = Filter(method, Math.Abs(d * (1f / k)));
            }
            Normalize(m, o, inSize);
        }
        return m;
    }

    private static void Normalize(double[,] m, int o, int inSize)
    {
        double sum = 0;
        for (int i = 0; i < inSize; i++) sum += m[o, i];
        if (Math.Abs(sum) < 1e-30) return;
        for (int i = 0; i < inSize; i++) m[o, i] /= sum;
    }

    private static double Radius(ResizeMethod method) => method switch
    {
        ResizeMethod.Bilinear => 1,
        ResizeMethod.Bicubic or ResizeMethod.MitchellCubic => 2,
        ResizeMethod.Lanczos3 => 3,
        ResizeMethod.Lanczos5 => 5,
        _ => 1.5,
    };

    /// <summary>The published filters: triangle, Keys (a = −0.5), Mitchell–Netravali (B = C = 1/3), Lanczos, Gaussian (σ = 0.5, cut at 1.5).</summary>
    private static double Filter(ResizeMethod method, double x)
    {
        const double A = -0.5, B = 1.0 / 3, C = 1.0 / 3;
        switch (method)
        {
            case ResizeMethod.Bilinear: return Math.Max(0, 1 - x);
            case ResizeMethod.Bicubic:
                return x < 1 ? (A + 2) * x * x * x - (A + 3) * x * x + 1 : x < 2 ? A * x * x * x - 5 * A * x * x + 8 * A * x - 4 * A : 0;
            case ResizeMethod.MitchellCubic:
                return x < 1 ? ((12 - 9 * B - 6 * C) * x * x * x + (-18 + 12 * B + 6 * C) * x * x + (6 - 2 * B)) / 6
                    : x < 2 ? ((-B - 6 * C) * x * x * x + (6 * B + 30 * C) * x * x + (-12 * B - 48 * C) * x + (8 * B + 24 * C)) / 6 : 0;
            case ResizeMethod.Lanczos3:
            case ResizeMethod.Lanczos5:
                {
                    double r = Radius(method);
                    if (x > r) return 0;
                    if (x == 0) return 1;
                    return r * Math.Sin(Math.PI * x) * Math.Sin(Math.PI * x / r) / (Math.PI * Math.PI * x * x);
                }
            default:
                return x >= 1.5 ? 0 : Math.Exp(-x * x / (2 * 0.5 * 0.5));
        }
    }
}
