namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The contract of <see cref="DropoutMaskKernel"/>, one element at a time. Element i of a call with key
/// (k0, k1) reads word w of the Philox4x32-10 block whose counter is (b, 0, 0, 0), where i = 32g + 8w + j
/// (g = i / 32, w = (i mod 32) / 8, j = i mod 8) and b = 8g + j: a group of 32 elements takes the four words
/// of eight consecutive blocks, word-major, which is how eight 64-bit lanes hold them. The element is kept
/// (mask = <c>keepScale</c>) when the word's top 24 bits, u = word ≫ 8, reach <c>threshold</c> = ⌈rate·2²⁴⌉,
/// i.e. exactly when u·2⁻²⁴ ≥ rate, as the old <c>NextFloat() ≥ rate</c> test; y = x·mask.
/// </summary>
internal static class NaiveDropoutMask
{
    public static void Apply(ReadOnlySpan<float> x, Span<float> mask, Span<float> y, uint k0, uint k1, uint threshold, float keepScale)
    {
        for (int i = 0; i < x.Length; i++)
        {
            mask[i] = Word(i, k0, k1) >> 8 >= threshold ? keepScale : 0f;
            y[i] = x[i] * mask[i];
        }
    }

    /// <summary>The 32 random bits behind element <paramref name="i"/>.</summary>
    public static uint Word(long i, uint k0, uint k1)
    {
        long g = i >> 5;
        int w = (int)(i & 31) >> 3, j = (int)(i & 7);
        long b = 8 * g + j;
        var (x0, x1, x2, x3) = Philox4x32.Block((uint)b, (uint)(b >> 32), 0, 0, k0, k1);
        return w switch { 0 => x0, 1 => x1, 2 => x2, _ => x3 };
    }
}
