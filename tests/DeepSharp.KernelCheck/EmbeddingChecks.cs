using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>Embedding gather and scatter-add against their twins (repeated indices included).</summary>
public static class EmbeddingChecks
{
    public static void GatherAndScatterMatchTwin()
    {
        int seed = 0;
        foreach (int vocabulary in new[] { 1, 2, 7, 50 })
            foreach (int dim in Check.AwkwardSizes)
                foreach (int count in new[] { 0, 1, 5, 33 })
                {
                    var rng = new Random(++seed);
                    var indices = new int[count];
                    for (int i = 0; i < count; i++) indices[i] = rng.Next(vocabulary);
                    var table = Check.Random(vocabulary * dim, ++seed);
                    var y1 = new float[count * dim]; var y2 = Check.Random(count * dim, ++seed);
                    NaiveEmbedding.Gather(table, indices, y1, vocabulary, dim);
                    EmbeddingKernel.Gather(table, indices, y2, vocabulary, dim);
                    Check.Equal<float>(y1, y2, $"Embedding gather {vocabulary}x{dim}, {count} indices");

                    var dy = Check.Random(count * dim, ++seed);
                    var d1 = Check.Random(vocabulary * dim, ++seed); var d2 = (float[])d1.Clone();
                    NaiveEmbedding.ScatterAdd(dy, indices, d1, vocabulary, dim);
                    EmbeddingKernel.ScatterAdd(dy, indices, d2, vocabulary, dim);
                    Check.Close(d1, d2, 1e-6f, 1e-6f, $"Embedding scatter {vocabulary}x{dim}, {count} indices");
                }
    }

    public static void OutOfRangeIndexThrowsInBoth()
    {
        var table = new float[6];
        var y = new float[6];
        foreach (int bad in new[] { -1, 3 })
        {
            bool naive = false, fast = false;
            try { NaiveEmbedding.Gather(table, [0, bad], y, 3, 2); } catch (ArgumentOutOfRangeException) { naive = true; }
            try { EmbeddingKernel.Gather(table, [0, bad], y, 3, 2); } catch (ArgumentOutOfRangeException) { fast = true; }
            if (!naive || !fast) throw new CheckFailedException($"Embedding index {bad} of 3 did not throw (naive {naive}, fast {fast}).");
        }
    }
}
