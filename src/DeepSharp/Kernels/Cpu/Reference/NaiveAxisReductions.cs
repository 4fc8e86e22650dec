namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>The specification of <see cref="AxisReductions"/>: plain loops over (outer, n, inner), sums in double.</summary>
internal static class NaiveAxisReductions
{
    public static void Sum(ReadOnlySpan<float> x, Span<float> y, int outer, int n, int inner)
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                double sum = 0;
                for (int j = 0; j < n; j++) sum += x[(o * n + j) * inner + i];
                y[o * inner + i] = (float)sum;
            }
    }

    public static void Extremum(ReadOnlySpan<float> x, Span<float> y, int outer, int n, int inner, bool max)
    {
        var index = new int[outer * inner];
        ArgExtremum(x, index, outer, n, inner, max);
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
                y[o * inner + i] = x[(o * n + index[o * inner + i]) * inner + i];
    }

    public static void ArgExtremum(ReadOnlySpan<float> x, Span<int> index, int outer, int n, int inner, bool max)
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int best = -1;
                for (int j = 0; j < n; j++)
                {
                    float v = x[(o * n + j) * inner + i];
                    if (float.IsNaN(v)) { best = j; break; }
                    if (best < 0) { best = j; continue; }
                    float b = x[(o * n + best) * inner + i];
                    if (max ? v > b : v < b) best = j;
                }
                index[o * inner + i] = best;
            }
    }

    public static void SumBackward(ReadOnlySpan<float> dy, Span<float> dx, int outer, int n, int inner, float scale)
    {
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < n; j++)
                for (int i = 0; i < inner; i++)
                    dx[(o * n + j) * inner + i] += scale * dy[o * inner + i];
    }

    public static void ScatterBackward(ReadOnlySpan<int> index, ReadOnlySpan<float> dy, Span<float> dx, int outer, int n, int inner)
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
                dx[(o * n + index[o * inner + i]) * inner + i] += dy[o * inner + i];
    }
}
