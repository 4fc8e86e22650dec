using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

/// <summary>
/// The reduction with a mask on the predictions, as Keras 3's <c>Loss.__call__</c> with the default
/// "sum_over_batch_size": the mask (and the loss's own mask, e.g. ignoreClass) becomes a weight of
/// total/valid on each counted element and 0 elsewhere, is multiplied by the sample weights, and the
/// weighted losses are averaged over all elements. That is Σ w·loss over the counted elements divided
/// by their number (not by the sum of the weights); 0 when no element counts.
/// </summary>
public abstract partial class Loss
{
    /// <summary>
    /// The per-element losses before any rescaling for positions the loss itself skips, and the 0/1
    /// mask of those positions (null when it skips none; Keras's mask on the losses). By default
    /// <see cref="PerSample"/> and no mask.
    /// </summary>
    private protected virtual (Tensor Values, Tensor? Mask) ElementLosses(Tensor yTrue, Tensor yPred) => (PerSample(yTrue, yPred), null);

    /// <summary>
    /// For a loss that reads the predictions' mask itself (CTC: the mask gives each sample's frames), its per-sample
    /// losses, reduced then as without a mask; null (the default): the mask weighs the loss elements.
    /// </summary>
    private protected virtual Tensor? PerSampleWithMask(Tensor yTrue, Tensor yPred, Tensor mask) => null;

    private Tensor ComputeMasked(Tensor yTrue, Tensor yPred, Tensor? sampleWeight, Tensor mask)
    {
        if (PerSampleWithMask(yTrue, yPred, mask) is { } perSample)
            return Ops.Mean(sampleWeight is null ? perSample : Ops.Multiply(perSample, WeightsFor(sampleWeight, perSample, yPred.Shape)));
        var (values, own) = ElementLosses(yTrue, yPred);
        int batch = yPred.Shape[0];
        if (mask.Size != values.Size || mask.Rank == 0 || mask.Shape[0] != batch)
            throw new ShapeMismatchException($"{GetType().Name}: the predictions' mask {mask.Shape} needs one value per loss element; " +
                $"the losses of predictions {yPred.Shape} have shape {values.Shape}.");
        var weights = Tensor.Temp(values.Shape);
        var w = weights.Span;
        int valid = 0;
        for (int i = 0; i < w.Length; i++)
        {
            bool counts = IsSet(mask, i) && (own is null || own.Span[i] != 0f);
            w[i] = counts ? 1f : 0f;
            if (counts) valid++;
        }
        // Keras's divide_no_nan(total, valid): no counted element gives a loss of 0.
        float scale = valid == 0 ? 0f : (float)w.Length / valid;
        System.Numerics.Tensors.TensorPrimitives.Multiply(w, scale, w);
        if (sampleWeight is not null)
            weights = Ops.Multiply(weights, WeightsFor(sampleWeight, values, yPred.Shape));
        return Ops.Mean(Ops.Multiply(values, weights));
    }

    /// <summary>Whether element <paramref name="i"/> of a float or int32 mask is nonzero.</summary>
    private static bool IsSet(Tensor mask, int i) => mask.DType == DType.Int32 ? mask.IntSpan[i] != 0 : mask.Span[i] != 0f;
}
