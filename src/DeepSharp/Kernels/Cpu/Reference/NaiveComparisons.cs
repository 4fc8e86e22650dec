namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>The specification of <see cref="Comparisons"/>.</summary>
internal static class NaiveComparisons
{
    public static void Compare(ComparisonKind kind, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d)
    {
        for (int i = 0; i < x.Length; i++)
        {
            bool r = kind switch
            {
                ComparisonKind.Equal => x[i] == y[i],
                ComparisonKind.NotEqual => x[i] != y[i],
                ComparisonKind.Greater => x[i] > y[i],
                ComparisonKind.GreaterEqual => x[i] >= y[i],
                ComparisonKind.Less => x[i] < y[i],
                _ => x[i] <= y[i],
            };
            d[i] = r ? 1f : 0f;
        }
    }

    public static void Select(ReadOnlySpan<float> c, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> d)
    {
        for (int i = 0; i < c.Length; i++) d[i] = c[i] != 0f ? a[i] : b[i];
    }

    public static void SelectBackward(ReadOnlySpan<float> c, ReadOnlySpan<float> dy, Span<float> dx, bool whereTrue)
    {
        for (int i = 0; i < c.Length; i++)
            if ((c[i] != 0f) == whereTrue) dx[i] += dy[i];
    }
}
