using DeepSharp.Data;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>
/// Evaluate, as Keras's evaluate: one tensor, one tensor per input and output, dictionaries
/// (Model.Named.cs) or a DataLoader; each maps onto the trainer's evaluation loop.
/// </summary>
public partial class Model
{
    /// <summary>
    /// Loss and metrics over (x, y), computed in batches without recording gradients;
    /// <paramref name="sampleWeight"/> (samples,) weights the loss and the weighted metrics.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked before each batch).</exception>
    public IReadOnlyDictionary<string, double> Evaluate(Tensor x, Tensor y, int batchSize = 32, int verbose = 0, Tensor? sampleWeight = null,
        CancellationToken cancellationToken = default)
    {
        var trainer = RequireCompiled("Evaluate");
        CheckSamples(x, y, "Evaluate");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        return trainer.Evaluate(new TensorData([x], [y], sampleWeight).InOrder(batchSize), verbose, cancellationToken);
    }

    /// <summary>
    /// Loss and metrics over one tensor per model input and one target per output, in batches,
    /// without recording gradients; <paramref name="sampleWeight"/> weights every output's loss and
    /// weighted metrics, <paramref name="sampleWeights"/> each output's with its own tensor.
    /// </summary>
    /// <param name="x">One tensor per model input.</param>
    /// <param name="y">One target per output; null for an output compiled without a loss and without metrics.</param>
    /// <param name="batchSize">Samples per batch.</param>
    /// <param name="verbose">0 silent, 1 prints the results.</param>
    /// <param name="sampleWeight">Weight of each sample (samples,), for every output.</param>
    /// <param name="sampleWeights">One weight tensor (samples,) per output (null entries: unweighted). Not together with <paramref name="sampleWeight"/>.</param>
    /// <param name="cancellationToken">Checked before each batch.</param>
    /// <exception cref="ArgumentException">The number of inputs, targets or sample weights differs from the model's inputs or outputs, or a target an output needs is null.</exception>
    /// <exception cref="ShapeMismatchException">The tensors or sample weights do not share one number of samples.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public IReadOnlyDictionary<string, double> Evaluate(Tensor[] x, Tensor?[] y, int batchSize = 32, int verbose = 0,
        Tensor? sampleWeight = null, Tensor?[]? sampleWeights = null, CancellationToken cancellationToken = default)
    {
        var trainer = RequireCompiled("Evaluate");
        CheckTensors(trainer, x, y, "Evaluate");
        CheckSampleWeights(sampleWeight, sampleWeights, x[0].Shape[0], "Evaluate");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        return trainer.Evaluate(new TensorData(x, y, sampleWeight, sampleWeights).InOrder(batchSize), verbose, cancellationToken);
    }

    /// <summary>Loss and metrics over every batch of <paramref name="data"/>, without recording gradients.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked before each batch).</exception>
    public IReadOnlyDictionary<string, double> Evaluate(DataLoader data, int verbose = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        return RequireCompiled("Evaluate").Evaluate(data, verbose, cancellationToken);
    }
}
