namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>The contract of <see cref="SpatialMaskKernel"/>: y[b, p, c] = x[b, p, c]·mask[b, c], or y + that product.</summary>
internal static class NaiveSpatialMask
{
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> mask, Span<float> y, int batch, int positions, int channels, bool accumulate)
    {
        for (int b = 0; b < batch; b++)
            for (int p = 0; p < positions; p++)
                for (int c = 0; c < channels; c++)
                {
                    int i = (b * positions + p) * channels + c;
                    float v = x[i] * mask[b * channels + c];
                    y[i] = accumulate ? v + y[i] : v;
                }
    }
}
