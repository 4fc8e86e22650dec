using DeepSharp.Tensors;

namespace DeepSharp.Serving;

/// <summary>
/// The batcher's rows for a model with several inputs or outputs: one sample's inputs side by side
/// (input 0's values, then input 1's, …; <see cref="ServedModel.PackedInputSize"/> values), and the same
/// for its outputs, so that requests join a batch row by row whatever the number of tensors. Requests
/// and answers hold each tensor's samples in a block of its own; these move values between the two layouts.
/// </summary>
internal static class PackedRows
{
    /// <summary>Packs <paramref name="count"/> samples given one block per tensor (block i: count × sizes[i] values) into rows.</summary>
    public static void FromBlocks(float[][] blocks, IReadOnlyList<Shape> shapes, int count, Span<float> rows)
    {
        int rowSize = 0;
        foreach (var shape in shapes) rowSize += shape.Size;
        int offset = 0;
        for (int t = 0; t < shapes.Count; t++)
        {
            int size = shapes[t].Size;
            var block = blocks[t].AsSpan();
            for (int i = 0; i < count; i++) block.Slice(i * size, size).CopyTo(rows.Slice(i * rowSize + offset, size));
            offset += size;
        }
    }

    /// <summary>One tensor per shape (count × shape) from <paramref name="count"/> packed rows.</summary>
    public static Tensor[] ToTensors(ReadOnlySpan<float> rows, IReadOnlyList<Shape> shapes, int count)
    {
        var tensors = new Tensor[shapes.Count];
        int rowSize = 0;
        foreach (var shape in shapes) rowSize += shape.Size;
        int offset = 0;
        for (int t = 0; t < shapes.Count; t++)
        {
            int size = shapes[t].Size;
            var values = new float[count * size];
            for (int i = 0; i < count; i++) rows.Slice(i * rowSize + offset, size).CopyTo(values.AsSpan(i * size, size));
            tensors[t] = Tensor.Wrap(values, shapes[t].WithBatch(count));
            offset += size;
        }
        return tensors;
    }

    /// <summary>Packs the model's outputs (one tensor each, count samples) into rows.</summary>
    public static float[] FromTensors(Tensor[] tensors, int count)
    {
        int rowSize = 0;
        foreach (var tensor in tensors) rowSize += tensor.Shape.Size / Math.Max(1, count);
        var rows = new float[count * rowSize];
        int offset = 0;
        foreach (var tensor in tensors)
        {
            int size = tensor.Shape.Size / Math.Max(1, count);
            var values = tensor.Span;
            for (int i = 0; i < count; i++) values.Slice(i * size, size).CopyTo(rows.AsSpan(i * rowSize + offset, size));
            offset += size;
        }
        return rows;
    }

    /// <summary>Tensor <paramref name="index"/>'s values of <paramref name="count"/> packed rows, as one block (count × its size).</summary>
    public static void ToBlock(ReadOnlySpan<float> rows, IReadOnlyList<Shape> shapes, int index, int count, Span<float> block)
    {
        int rowSize = 0, offset = 0;
        for (int t = 0; t < shapes.Count; t++)
        {
            if (t < index) offset += shapes[t].Size;
            rowSize += shapes[t].Size;
        }
        int size = shapes[index].Size;
        for (int i = 0; i < count; i++) rows.Slice(i * rowSize + offset, size).CopyTo(block.Slice(i * size, size));
    }
}
