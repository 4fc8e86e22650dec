using DeepSharp.Kernels.Cpu;

namespace DeepSharp.KernelCheck;

/// <summary>
/// GemmPacking against the panel layout written out element by element: every packed slot holds
/// op(X)'s element or, past the last row/column, zero (slots start as NaN, so a slot left
/// unwritten fails). Widths of every micro-kernel, both layouts, strided sources, awkward sizes.
/// </summary>
public static unsafe class GemmPackingChecks
{
    private static readonly int[] Widths = [4, 6, 8, 16, 32];
    private static readonly int[] Counts = [1, 2, 5, 7, 8, 12, 13, 16, 24, 31, 32, 33, 67];
    private static readonly int[] Depths = [1, 3, 8, 9, 15, 17, 24, 64, 256];

    public static void PackedPanelsMatchLayout()
    {
        int seed = 5000;
        foreach (int width in Widths)
            foreach (int count in Counts)
                foreach (int kc in Depths)
                    foreach (bool trans in new[] { false, true })
                    {
                        int pad = seed++ % 3;
                        CheckA(trans, count, kc, width, pad, seed);
                        CheckB(trans, kc, count, width, pad, seed);
                    }
    }

    /// <summary>op(A) is rows×kc: a[i·lda + p], or a[p·lda + i] when transposed.</summary>
    private static void CheckA(bool trans, int rows, int kc, int mr, int pad, int seed)
    {
        int lda = (trans ? rows : kc) + pad;
        var a = Check.Random((trans ? kc : rows) * lda, seed);
        var expected = Expected(rows, kc, mr, (i, p) => trans ? a[p * lda + i] : a[i * lda + p]);
        var actual = Sentinels(expected.Length);
        fixed (float* pa = a, pd = actual)
            GemmPacking.PackA(trans, pa, lda, rows, kc, mr, pd);
        Check.Equal<float>(expected, actual, $"PackA rows={rows} kc={kc} mr={mr} transA={trans} lda={lda}");
    }

    /// <summary>op(B) is kc×cols: b[p·ldb + j], or b[j·ldb + p] when transposed.</summary>
    private static void CheckB(bool trans, int kc, int cols, int nr, int pad, int seed)
    {
        int ldb = (trans ? kc : cols) + pad;
        var b = Check.Random((trans ? cols : kc) * ldb, seed + 1);
        var expected = Expected(cols, kc, nr, (j, p) => trans ? b[j * ldb + p] : b[p * ldb + j]);
        var actual = Sentinels(expected.Length);
        fixed (float* pb = b, pd = actual)
            GemmPacking.PackB(trans, pb, ldb, kc, cols, nr, pd);
        Check.Equal<float>(expected, actual, $"PackB kc={kc} cols={cols} nr={nr} transB={trans} ldb={ldb}");
    }

    /// <summary>Panels of <paramref name="width"/> along the packed dimension: slot (panel, p, lane).</summary>
    private static float[] Expected(int count, int kc, int width, Func<int, int, float> element)
    {
        int panels = (count + width - 1) / width;
        var packed = new float[panels * width * kc];
        for (int q = 0; q < panels * width; q++)
            for (int p = 0; p < kc; p++)
                packed[q / width * width * kc + p * width + q % width] = q < count ? element(q, p) : 0f;
        return packed;
    }

    private static float[] Sentinels(int length)
    {
        var values = new float[length];
        Array.Fill(values, float.NaN);
        return values;
    }
}
