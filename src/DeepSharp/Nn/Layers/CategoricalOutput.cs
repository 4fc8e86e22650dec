using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// The output modes Keras's lookup and hashing layers share with CategoryEncoding: "int" (the indices as float32 whole
/// numbers, same shape), "one_hot" (a vector per index: (batch) or (batch, 1) → (batch, depth), (batch, k) → (batch, k,
/// depth)), "multi_hot" (1 at every index of the sample, (batch, k) → (batch, depth)) and "count". An index of −1 (a
/// masked input of a lookup layer outside "int" mode) is dropped.
/// </summary>
internal static class CategoricalOutput
{
    public static bool IsMode(string mode) => mode is "int" or "one_hot" or "multi_hot" or "count";

    /// <summary>The lookup layers' modes: <see cref="IsMode"/>'s and "tf_idf" (counts times <see cref="IdfWeights"/>).</summary>
    public static bool IsLookupMode(string mode) => IsMode(mode) || mode == "tf_idf";

    /// <summary>The per-sample output shape for <paramref name="inputShape"/> (per sample).</summary>
    /// <exception cref="ShapeMismatchException">A non-int mode with more than one per-sample axis.</exception>
    public static Shape OutputShape(string mode, Shape inputShape, int depth, string owner)
    {
        if (mode == "int") return inputShape;
        if (inputShape.Rank > 1)
            throw new ShapeMismatchException($"{owner} with output_mode \"{mode}\" expects (batch) or (batch, k) inputs, got {inputShape.ToBatchString()}.");
        return mode == "one_hot" && inputShape.Rank == 1 && inputShape[0] != 1 ? new Shape(inputShape[0], depth) : new Shape(depth);
    }

    /// <summary>The output for per-element <paramref name="indices"/> of an input shaped <paramref name="inputShape"/> (batch first).</summary>
    public static Tensor Encode(string mode, ReadOnlySpan<int> indices, Shape inputShape, int depth, string owner)
    {
        if (mode == "tf_idf") mode = "count";   // the caller multiplies by the idf weights
        if (mode == "int")
        {
            var ints = Tensor.Empty(inputShape);
            var y = ints.Span;
            for (int i = 0; i < indices.Length; i++) y[i] = indices[i];
            return ints;
        }
        var output = Tensor.Zeros(OutputShape(mode, inputShape.WithoutBatch(), depth, owner).WithBatch(inputShape[0]));
        int batch = inputShape[0], k = batch == 0 ? 0 : indices.Length / batch;
        var o = output.Span;
        for (int n = 0; n < batch; n++)
            for (int j = 0; j < k; j++)
            {
                int i = n * k + j, index = indices[i];
                if (index < 0) continue;
                int at = mode == "one_hot" ? i * depth + index : n * depth + index;
                o[at] = mode == "count" ? o[at] + 1f : 1f;
            }
        return output;
    }
}
