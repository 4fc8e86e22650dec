using System.Numerics.Tensors;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Kernels.Cpu;

/// <summary>Embedding lookup (row gather) and its scatter-add backward; see <see cref="NaiveEmbedding"/>.</summary>
internal static class EmbeddingKernel
{
    public static void Gather(ReadOnlySpan<float> table, ReadOnlySpan<int> indices, Span<float> y, int vocabulary, int dim)
    {
        Validate(table.Length, y.Length, indices.Length, vocabulary, dim);
        for (int i = 0; i < indices.Length; i++)
        {
            int index = indices[i];
            if ((uint)index >= (uint)vocabulary) throw OutOfRange(index, i, vocabulary);
            table.Slice(index * dim, dim).CopyTo(y.Slice(i * dim, dim));
        }
    }

    public static void ScatterAdd(ReadOnlySpan<float> dy, ReadOnlySpan<int> indices, Span<float> dtable, int vocabulary, int dim)
    {
        Validate(dtable.Length, dy.Length, indices.Length, vocabulary, dim);
        for (int i = 0; i < indices.Length; i++)
        {
            int index = indices[i];
            if ((uint)index >= (uint)vocabulary) throw OutOfRange(index, i, vocabulary);
            var row = dtable.Slice(index * dim, dim);
            TensorPrimitives.Add(row, dy.Slice(i * dim, dim), row);
        }
    }

    internal static ArgumentOutOfRangeException OutOfRange(int index, int position, int vocabulary) =>
        new("indices", index, $"Embedding index {index} at position {position} is outside [0, {vocabulary}): input_dim is {vocabulary}.");

    private static void Validate(int tableLength, int rowsLength, int count, int vocabulary, int dim)
    {
        if (vocabulary < 0 || dim < 0 || tableLength < (long)vocabulary * dim || rowsLength < (long)count * dim)
            throw new ArgumentException($"Embedding of a {vocabulary}×{dim} table got {tableLength} table and {rowsLength} row elements for {count} indices.");
    }
}
