using DeepSharp.Data;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>
/// One-batch calls, as Keras's train_on_batch, test_on_batch and predict_on_batch: the whole of
/// x is one batch, run through the same step Fit, Evaluate and Predict take.
/// </summary>
public partial class Model
{
    /// <summary>
    /// One training step on (x, y) as one batch — the step Fit takes, so a Fit over one batch with
    /// shuffle off gives the same weights — and the logs after it: "loss" and each metric's name.
    /// </summary>
    /// <param name="x">The batch's inputs; the first axis is the sample axis.</param>
    /// <param name="y">Targets with as many samples as <paramref name="x"/>.</param>
    /// <param name="sampleWeight">Weight of each sample (samples,) or (samples, time), for the loss and the weighted metrics.</param>
    /// <param name="classWeight">Weight of each class's samples (classes not listed weigh 1).</param>
    /// <param name="resetMetrics">
    /// True (default): the loss and metrics returned are this batch's alone (Keras 2's default; Keras 3
    /// resets them too). False: they are running values over the one-batch calls since the last that reset them.
    /// </param>
    /// <exception cref="InvalidOperationException">The model is not compiled.</exception>
    /// <exception cref="ShapeMismatchException">The samples of x, y and sampleWeight differ.</exception>
    public IReadOnlyDictionary<string, double> TrainOnBatch(Tensor x, Tensor y, Tensor? sampleWeight = null,
        IReadOnlyDictionary<int, float>? classWeight = null, bool resetMetrics = true)
    {
        var trainer = RequireCompiled("TrainOnBatch");
        CheckSamples(x, y, "TrainOnBatch");
        CheckWeightRows(sampleWeight, x.Shape[0], "TrainOnBatch", "sampleWeight");
        return trainer.TrainOnBatch(new Batch(x, y, sampleWeight), classWeight, resetMetrics);
    }

    /// <summary>
    /// One training step on one tensor per input and one target per output (null: an output
    /// compiled without a loss and without metrics); see <see cref="TrainOnBatch(Tensor, Tensor, Tensor?, IReadOnlyDictionary{int, float}?, bool)"/>.
    /// </summary>
    /// <param name="x">One tensor per model input, each with the batch's samples.</param>
    /// <param name="y">One target per model output.</param>
    /// <param name="sampleWeight">Weight of each sample (samples,), for every output.</param>
    /// <param name="classWeight">Per-class loss weights; only for a model with one output.</param>
    /// <param name="resetMetrics">True: this batch's loss and metrics alone; false: running values since the last reset.</param>
    /// <exception cref="ArgumentException">The number of inputs or targets differs from the model's, or a needed target is null.</exception>
    public IReadOnlyDictionary<string, double> TrainOnBatch(Tensor[] x, Tensor?[] y, Tensor? sampleWeight = null,
        IReadOnlyDictionary<int, float>? classWeight = null, bool resetMetrics = true)
    {
        var trainer = RequireCompiled("TrainOnBatch");
        CheckTensors(trainer, x, y, "TrainOnBatch");
        CheckWeightRows(sampleWeight, x[0].Shape[0], "TrainOnBatch", "sampleWeight");
        return trainer.TrainOnBatch(Batch.FromLists(x, y, sampleWeight), classWeight, resetMetrics);
    }

    /// <summary>
    /// Loss and metrics on (x, y) as one batch, without recording gradients — the step Evaluate
    /// takes, so this equals <c>Evaluate(x, y, batchSize: samples)</c>.
    /// </summary>
    /// <param name="x">The batch's inputs.</param>
    /// <param name="y">Targets with as many samples as <paramref name="x"/>.</param>
    /// <param name="sampleWeight">Weight of each sample, for the loss and the weighted metrics.</param>
    /// <param name="resetMetrics">True (default): this batch's values alone; false: running values since the last reset.</param>
    /// <exception cref="InvalidOperationException">The model is not compiled.</exception>
    public IReadOnlyDictionary<string, double> TestOnBatch(Tensor x, Tensor y, Tensor? sampleWeight = null, bool resetMetrics = true)
    {
        var trainer = RequireCompiled("TestOnBatch");
        CheckSamples(x, y, "TestOnBatch");
        CheckWeightRows(sampleWeight, x.Shape[0], "TestOnBatch", "sampleWeight");
        return trainer.TestOnBatch(new Batch(x, y, sampleWeight), resetMetrics);
    }

    /// <summary>Loss and metrics on one tensor per input and one target per output, as one batch; see <see cref="TestOnBatch(Tensor, Tensor, Tensor?, bool)"/>.</summary>
    /// <param name="x">One tensor per model input.</param>
    /// <param name="y">One target per model output (null: an output without loss and metrics).</param>
    /// <param name="sampleWeight">Weight of each sample, for every output.</param>
    /// <param name="resetMetrics">True: this batch's values alone; false: running values since the last reset.</param>
    public IReadOnlyDictionary<string, double> TestOnBatch(Tensor[] x, Tensor?[] y, Tensor? sampleWeight = null, bool resetMetrics = true)
    {
        var trainer = RequireCompiled("TestOnBatch");
        CheckTensors(trainer, x, y, "TestOnBatch");
        CheckWeightRows(sampleWeight, x[0].Shape[0], "TestOnBatch", "sampleWeight");
        return trainer.TestOnBatch(Batch.FromLists(x, y, sampleWeight), resetMetrics);
    }

    /// <summary>The network's outputs for <paramref name="x"/> as one batch (Predict with the whole of x as its batch).</summary>
    public Tensor PredictOnBatch(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Predict(x, batchSize: x.Rank == 0 ? 1 : Math.Max(1, x.Shape[0]));
    }

    /// <summary>The outputs for one tensor per input as one batch: one tensor per output.</summary>
    public Tensor[] PredictOnBatch(Tensor[] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Predict(x, batchSize: x.Length == 0 || x[0] is null || x[0].Rank == 0 ? 1 : Math.Max(1, x[0].Shape[0]));
    }
}
