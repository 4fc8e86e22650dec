namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The contract of <see cref="AlphaDropoutKernel"/>: element i is kept exactly when
/// <see cref="NaiveDropoutMask"/> keeps it (word ≫ 8 ≥ threshold); then mask = a and y = a·x + b, else
/// mask = 0 and y = dropped.
/// </summary>
internal static class NaiveAlphaDropout
{
    public static void Apply(ReadOnlySpan<float> x, Span<float> mask, Span<float> y, uint k0, uint k1, uint threshold, float a, float b, float dropped)
    {
        for (int i = 0; i < x.Length; i++)
        {
            bool kept = NaiveDropoutMask.Word(i, k0, k1) >> 8 >= threshold;
            mask[i] = kept ? a : 0f;
            y[i] = kept ? x[i] * a + b : dropped;
        }
    }
}
