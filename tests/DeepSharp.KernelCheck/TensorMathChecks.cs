using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>The tensor maths' kernels (axis reductions, comparisons, Where's select) against their twins.</summary>
public static class TensorMathChecks
{
    private static readonly (int Outer, int Inner)[] Layouts = [(1, 1), (3, 1), (1, 5), (2, 7), (4, 16), (1, 33), (2, 0), (0, 3)];

    public static void AxisSumsMatchTwin()
    {
        foreach (var (outer, inner) in Layouts)
            foreach (int n in Check.AwkwardSizes)
            {
                var x = Check.Random(outer * n * inner, n + 3 * inner);
                var expected = new float[outer * inner];
                var actual = new float[outer * inner];
                NaiveAxisReductions.Sum(x, expected, outer, n, inner);
                AxisReductions.Sum(x, actual, outer, n, inner);
                Check.Close(expected, actual, 1e-5f, 1e-5f, $"Sum ({outer}, {n}, {inner})");

                var dy = Check.Random(outer * inner, 11);
                var dx1 = Check.Random(x.Length, 12);
                var dx2 = (float[])dx1.Clone();
                NaiveAxisReductions.SumBackward(dy, dx1, outer, n, inner, 0.5f);
                AxisReductions.SumBackward(dy, dx2, outer, n, inner, 0.5f);
                Check.Close(dx1, dx2, 1e-6f, 1e-6f, $"SumBackward ({outer}, {n}, {inner})");
            }
    }

    public static void AxisExtremaMatchTwin()
    {
        foreach (var (outer, inner) in Layouts)
            foreach (int n in Check.AwkwardSizes)
            {
                if (n == 0) continue;
                var x = Check.Random(outer * n * inner, n + 5 * inner);
                for (int i = 0; i < x.Length; i += 3) x[i] = MathF.Round(x[i] * 2f) / 2f; // ties
                if (x.Length > 4) x[x.Length / 2] = float.NaN;
                foreach (bool max in new[] { true, false })
                {
                    var e = new float[outer * inner];
                    var a = new float[outer * inner];
                    NaiveAxisReductions.Extremum(x, e, outer, n, inner, max);
                    AxisReductions.Extremum(x, a, outer, n, inner, max);
                    Check.Close(e, a, 0f, 0f, $"Extremum max={max} ({outer}, {n}, {inner})");

                    var ie = new int[outer * inner];
                    var ia = new int[outer * inner];
                    NaiveAxisReductions.ArgExtremum(x, ie, outer, n, inner, max);
                    AxisReductions.ArgExtremum(x, ia, outer, n, inner, max);
                    Check.Equal<int>(ie, ia, $"ArgExtremum max={max} ({outer}, {n}, {inner})");

                    var dy = Check.Random(outer * inner, 13);
                    var d1 = new float[x.Length];
                    var d2 = new float[x.Length];
                    NaiveAxisReductions.ScatterBackward(ie, dy, d1, outer, n, inner);
                    AxisReductions.ScatterBackward(ia, dy, d2, outer, n, inner);
                    Check.Equal<float>(d1, d2, $"ScatterBackward ({outer}, {n}, {inner})");
                }
            }
    }

    public static void ComparisonsAndSelectMatchTwin()
    {
        foreach (int n in Check.AwkwardSizes)
        {
            var x = Check.Random(n, n + 1);
            var y = Check.Random(n, n + 2);
            for (int i = 0; i < n; i += 4) y[i] = x[i];          // equal lanes
            if (n > 2) { x[1] = float.NaN; y[2] = float.NaN; }   // NaN lanes
            if (n > 5) { x[5] = -0f; y[5] = 0f; }               // −0 = +0
            foreach (ComparisonKind kind in Enum.GetValues<ComparisonKind>())
            {
                var e = new float[n];
                var a = new float[n];
                NaiveComparisons.Compare(kind, x, y, e);
                Comparisons.Compare(kind, x, y, a);
                Check.Equal<float>(e, a, $"Compare {kind} n={n}");
            }

            var c = new float[n];
            for (int i = 0; i < n; i++) c[i] = i % 3 == 0 ? 0f : i % 3 == 1 ? 1f : -2.5f;
            if (n > 7) { c[6] = -0f; c[7] = float.NaN; }
            var se = new float[n];
            var sa = new float[n];
            NaiveComparisons.Select(c, x, y, se);
            Comparisons.Select(c, x, y, sa);
            Check.Equal<float>(se, sa, $"Select n={n}");

            foreach (bool whereTrue in new[] { true, false })
            {
                var d1 = Check.Random(n, 31);
                var d2 = (float[])d1.Clone();
                NaiveComparisons.SelectBackward(c, y, d1, whereTrue);
                Comparisons.SelectBackward(c, y, d2, whereTrue);
                Check.Equal<float>(d1, d2, $"SelectBackward whereTrue={whereTrue} n={n}");
            }
        }
    }
}
