using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// Sample weights as Keras takes them: one per sample (batch,), which weighs all of a sample's
/// losses, or one per loss element (e.g. (batch, time) for sequence outputs, Keras's temporal
/// sample weights), which weighs each position on its own.
/// </summary>
public abstract partial class Loss
{
    /// <summary>
    /// <paramref name="sampleWeight"/> viewed so that it multiplies <paramref name="losses"/>
    /// elementwise or by broadcasting: (batch, 1, ...) for one weight per sample, the losses' shape
    /// for one weight per element.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The weights are neither one float per sample nor one per loss element.</exception>
    private protected Tensor WeightsFor(Tensor sampleWeight, Tensor losses, Shape predictions)
    {
        int batch = predictions[0];
        bool batchFirst = sampleWeight.Rank > 0 && sampleWeight.Shape[0] == batch;
        bool perElement = sampleWeight.Size != batch && sampleWeight.Size == losses.Size && losses.Rank > 1 && batchFirst;
        if (sampleWeight.DType != DType.Float32 || (sampleWeight.Size != batch && !perElement))
            throw new ShapeMismatchException($"{GetType().Name}: sample weights {sampleWeight.Shape} {sampleWeight.DType} need one float per sample ({batch}) " +
                $"or one per loss element {losses.Shape} (the losses of predictions {predictions}).");
        if (perElement) return sampleWeight.View(losses.Shape);
        Span<int> dims = stackalloc int[losses.Rank];
        dims.Fill(1);
        dims[0] = batch;
        return sampleWeight.View(dims);
    }
}
