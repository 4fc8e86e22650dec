using DeepSharp.Data;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>Predict on a <see cref="DataLoader"/>, as Keras's <c>predict(dataset)</c>.</summary>
public partial class Model
{
    /// <summary>
    /// The model's output for every sample a pass of <paramref name="data"/> gives, in the loader's order (make it with
    /// <c>shuffle: false</c> to keep the samples' order), one batch of the loader at a time; targets and sample weights
    /// are ignored, as Keras's <c>predict</c> ignores them. Each batch runs as <see cref="Predict(Tensor[], int, CancellationToken)"/>
    /// does, so the rows equal those of <c>Predict(x)</c>. A loader of several inputs (<see cref="Batch.FromLists(IReadOnlyList{Tensor}, IReadOnlyList{Tensor?}, Tensor?)"/>)
    /// feeds a model of several inputs.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model has several outputs, or the loader gave no batch.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked before each batch).</exception>
    public Tensor Predict(DataLoader data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (OutputCount != 1)
            throw new InvalidOperationException($"Predict(DataLoader): model '{Name}' has {OutputCount} outputs; predict each input tensor with Predict(Tensor[]), which returns one tensor per output.");
        var parts = new List<Tensor>();
        foreach (var batch in data.Pass())
        {
            cancellationToken.ThrowIfCancellationRequested();
            parts.Add(Predict([.. batch.Inputs], Math.Max(batch.Size, 1), cancellationToken)[0]);
        }
        if (parts.Count == 0) throw new InvalidOperationException($"Predict(DataLoader): the loader gave no batch to predict for model '{Name}'.");
        if (parts.Count == 1) return parts[0];
        var result = Tensor.Empty(parts[0].Shape.WithoutBatch().WithBatch(parts.Sum(p => p.Shape[0])));
        int offset = 0;
        foreach (var part in parts)
        {
            part.Span.CopyTo(result.Span.Slice(offset));
            offset += part.Size;
        }
        return result;
    }
}
