using DeepSharp.Tensors;

namespace DeepSharp.Metrics;

/// <summary>
/// A streaming metric: update with each batch, read the result, reset per epoch. Updates may carry
/// per-sample weights (Keras's <c>sample_weight</c>): each sample then counts with its weight, so
/// a weight of 2 counts a sample twice and 0 leaves it out.
/// </summary>
public abstract partial class Metric
{
    /// <summary>Keras's name, used in logs and history ("accuracy").</summary>
    public abstract string Name { get; }

    /// <summary>Adds a batch of targets and predictions, every sample weighing 1.</summary>
    public void Update(Tensor yTrue, Tensor yPred) => Update(yTrue, yPred, null);

    /// <summary>Adds a batch of targets and predictions.</summary>
    /// <param name="yTrue">Targets, batch first.</param>
    /// <param name="yPred">Predictions, batch first.</param>
    /// <param name="sampleWeight">
    /// One float per sample (batch,), or null for weights of 1. The per-position metrics (accuracies,
    /// top-k, MSE, MAE) also take one per position, e.g. (batch, time), for sequence predictions.
    /// </param>
    /// <exception cref="ShapeMismatchException">The shapes do not fit each other or the weights are neither one per sample nor (where taken) one per position.</exception>
    public abstract void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight);

    /// <summary>
    /// Whether <see cref="Update(Tensor, Tensor, Tensor?, Tensor?)"/> honours a mask on the predictions:
    /// true for the per-position metrics (Keras's mean-metric wrappers: accuracies, top-k, MSE, MAE),
    /// false for the others (AUC, precision, recall, F1, confusion matrix), which ignore it as Keras's do.
    /// </summary>
    public virtual bool SupportsMasking => false;

    /// <summary>
    /// Adds a batch whose predictions carry a mask, as Fit and Evaluate pass a model output's mask
    /// (Keras 3 reads it from the predictions): when <see cref="SupportsMasking"/>, positions where the
    /// mask is 0 are left out and the others count with their sample's weight; otherwise the mask is ignored.
    /// </summary>
    /// <param name="yTrue">Targets, batch first.</param>
    /// <param name="yPred">Predictions, batch first; (batch, positions..., classes) for sequence outputs.</param>
    /// <param name="sampleWeight">One float per sample (batch,), one per position (e.g. (batch, time), as the mask), or null for weights of 1.</param>
    /// <param name="mask">One value per position (e.g. (batch, time)), nonzero where it counts; null for none.</param>
    /// <exception cref="ShapeMismatchException">The mask does not have the predictions' batch size.</exception>
    public void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight, Tensor? mask)
    {
        if (mask is null || !SupportsMasking)
        {
            Update(yTrue, yPred, sampleWeight);
            return;
        }
        if (mask.Rank == 0 || yPred.Rank == 0 || mask.Shape[0] != yPred.Shape[0])
            throw new ShapeMismatchException($"{GetType().Name}: the predictions' mask {mask.Shape} needs the batch size of predictions {yPred.Shape}.");
        int batch = yPred.Shape[0];
        // Weights one per sample, or one per position (as many as the mask has values).
        bool perPosition = sampleWeight is not null && sampleWeight.Size == mask.Size && sampleWeight.Size != batch;
        var weights = perPosition ? SampleWeights(sampleWeight, mask.Size) : SampleWeights(sampleWeight, batch);
        var combined = Tensor.Temp(new Shape(mask.Size));
        var c = combined.Span;
        int perSample = perPosition || batch == 0 ? 1 : Math.Max(1, mask.Size / batch);
        for (int i = 0; i < c.Length; i++)
        {
            bool set = mask.DType == DType.Int32 ? mask.IntSpan[i] != 0 : mask.Span[i] != 0f;
            c[i] = set ? WeightAt(weights, i / perSample) : 0f;
        }
        Update(yTrue, yPred, combined);
    }

    /// <summary>
    /// The value over everything added since the last <see cref="Reset"/> (what logs and history record);
    /// 0 before anything has been added.
    /// </summary>
    public abstract double Result();
    /// <summary>Clears the running totals; Fit and Evaluate call it at the start of every epoch and evaluation.</summary>
    public abstract void Reset();

    /// <summary>
    /// The running totals behind <see cref="Result"/>, so that a checkpoint taken mid-epoch resumes the
    /// epoch's value exactly; null when this metric does not support it (it then restarts from the resumed step).
    /// </summary>
    public virtual double[]? GetState() => null;

    /// <summary>Puts back totals from <see cref="GetState"/>; false when they do not fit this metric.</summary>
    public virtual bool SetState(ReadOnlySpan<double> state) => false;

    /// <summary>
    /// The weights of <paramref name="rows"/> samples as a span (empty when <paramref name="sampleWeight"/>
    /// is null: every weight is 1); read one with <see cref="WeightAt"/>.
    /// </summary>
    protected ReadOnlySpan<float> SampleWeights(Tensor? sampleWeight, int rows)
    {
        if (sampleWeight is null) return default;
        if (sampleWeight.DType != DType.Float32 || sampleWeight.Size != rows)
            throw new ShapeMismatchException($"{GetType().Name}: sample weights {sampleWeight.Shape} {sampleWeight.DType} need one float per sample ({rows}).");
        return sampleWeight.Span;
    }

    /// <summary>
    /// Targets and predictions compared element by element, with each element's sample weight; the
    /// shapes must hold as many elements.
    /// </summary>
    private protected BinaryElements Elements(Tensor yTrue, Tensor yPred, Tensor? sampleWeight)
    {
        if (yTrue.Size != yPred.Size)
            throw new ShapeMismatchException($"{GetType().Name}: targets {yTrue.Shape} and predictions {yPred.Shape} need as many elements.");
        int rows = yPred.Rank == 0 ? 1 : yPred.Shape[0];
        var weights = SampleWeights(sampleWeight, rows);
        int perRow = rows == 0 ? 1 : Math.Max(1, yPred.Size / rows);
        return new BinaryElements(yTrue.ToFloat().Span, yPred.Span, weights, perRow);   // int32 0/1 targets count as floats
    }

    /// <summary>The weight of sample <paramref name="row"/> (1 when <paramref name="weights"/> is empty).</summary>
    protected static float WeightAt(ReadOnlySpan<float> weights, int row) => weights.IsEmpty ? 1f : weights[row];

    /// <summary>
    /// Per-position metrics see sequence predictions (batch, positions..., classes) as rows
    /// (batch·positions, classes), with the targets split alike (labels (batch, positions...) or
    /// one-hot (batch, positions..., classes)); predictions of rank 2 or less stay as they are.
    /// </summary>
    private protected static (Tensor YTrue, Tensor YPred) AsRows(Tensor yTrue, Tensor yPred, string user)
    {
        if (yPred.Rank <= 2 || yPred.Size == 0) return (yTrue, yPred);
        int classes = yPred.Shape[-1], rows = yPred.Size / classes;
        if (yTrue.Size % rows != 0 || yTrue.Shape[0] != yPred.Shape[0])
            throw new ShapeMismatchException($"{user}: predictions {yPred.Shape} need targets with one label or one row per position; got {yTrue.Shape}.");
        return (yTrue.View(rows, yTrue.Size / rows), yPred.View(rows, classes));
    }

    /// <summary>
    /// The weights of <paramref name="rows"/> rows as a span: one per row, or one per sample (for
    /// <paramref name="batch"/> samples) repeated over each sample's rows; empty when null.
    /// </summary>
    private protected ReadOnlySpan<float> RowWeights(Tensor? sampleWeight, int batch, int rows, out int rowsPerWeight)
    {
        rowsPerWeight = 1;
        if (sampleWeight is null || sampleWeight.Size == rows) return SampleWeights(sampleWeight, rows);
        var weights = SampleWeights(sampleWeight, batch);
        rowsPerWeight = batch == 0 ? 1 : rows / batch;
        return weights;
    }

    /// <summary>Whether a saved total is a usable number (finite).</summary>
    private protected static bool IsTotal(double value) => double.IsFinite(value);
}
