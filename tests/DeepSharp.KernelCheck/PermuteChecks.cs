using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>Axis permutation against its twin: every permutation up to rank 4, awkward sizes (0, 1, primes), a rank-6 case.</summary>
public static class PermuteChecks
{
    private static readonly int[][] Shapes =
        [[7], [0, 3], [1, 1], [3, 5], [2, 3, 4], [1, 13, 2], [5, 0, 3], [2, 3, 1, 5], [3, 2, 7, 4], [17, 1, 3, 2]];

    public static void PermuteMatchesTwin()
    {
        int seed = 200;
        foreach (var dims in Shapes.Append([2, 3, 1, 2, 3, 2]))
            foreach (var perm in Permutations(dims.Length).Take(dims.Length > 4 ? 40 : int.MaxValue))
                foreach (bool accumulate in new[] { false, true })
                {
                    int n = dims.Aggregate(1, (p, d) => p * d);
                    var x = Check.Random(n, ++seed);
                    var y1 = Check.Random(n, ++seed);
                    var y2 = (float[])y1.Clone();
                    NaivePermute.Permute(x, dims, perm, y1, accumulate);
                    PermuteKernel.Permute(x, dims, perm, y2, accumulate);
                    Check.Equal<float>(y1, y2, $"Permute ({string.Join(", ", dims)}) by ({string.Join(", ", perm)}) accumulate={accumulate}");
                }
    }

    private static IEnumerable<int[]> Permutations(int n)
    {
        if (n == 0) { yield return []; yield break; }
        foreach (var rest in Permutations(n - 1))
            for (int at = 0; at <= rest.Length; at++)
                yield return [.. rest[..at], n - 1, .. rest[at..]];
    }
}
