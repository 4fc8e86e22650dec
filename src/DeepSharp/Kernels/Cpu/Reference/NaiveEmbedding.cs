namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="EmbeddingKernel"/>: y[i, :] = table[indices[i], :] for a
/// (vocabulary, dim) table; backward scatters dtable[indices[i], :] += dy[i, :] (repeated indices
/// add up). An index outside [0, vocabulary) throws, naming the index and its position.
/// </summary>
internal static class NaiveEmbedding
{
    public static void Gather(ReadOnlySpan<float> table, ReadOnlySpan<int> indices, Span<float> y, int vocabulary, int dim)
    {
        for (int i = 0; i < indices.Length; i++)
        {
            int index = indices[i];
            if ((uint)index >= (uint)vocabulary) throw EmbeddingKernel.OutOfRange(index, i, vocabulary);
            for (int d = 0; d < dim; d++) y[i * dim + d] = table[index * dim + d];
        }
    }

    public static void ScatterAdd(ReadOnlySpan<float> dy, ReadOnlySpan<int> indices, Span<float> dtable, int vocabulary, int dim)
    {
        for (int i = 0; i < indices.Length; i++)
        {
            int index = indices[i];
            if ((uint)index >= (uint)vocabulary) throw EmbeddingKernel.OutOfRange(index, i, vocabulary);
            for (int d = 0; d < dim; d++) dtable[index * dim + d] += dy[i * dim + d];
        }
    }
}
