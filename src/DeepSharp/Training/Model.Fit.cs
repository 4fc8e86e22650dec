using DeepSharp.Data;
using DeepSharp.Tensors;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Training;

/// <summary>
/// Fit, as Keras's fit: one tensor, one tensor per input and output (Keras's <c>x=[a, b]</c>,
/// <c>y=[t1, t2]</c>), dictionaries (Model.Named.cs) or a DataLoader. Each overload checks its
/// arguments in its own words and maps them onto <see cref="Fit(DataLoader, FitOptions, CancellationToken)"/>:
/// tensors through <see cref="TensorData"/> (the validation split and the loaders), then the
/// model's <see cref="Training.Trainer"/>, which runs the loop.
/// </summary>
public partial class Model
{
    private RandomGenerator? _shuffleGenerator;

    /// <summary>
    /// Trains for <paramref name="epochs"/> passes over (x, y) in mini-batches, as Keras's fit.
    /// </summary>
    /// <param name="x">Inputs; the first axis is the sample axis.</param>
    /// <param name="y">Targets with as many samples as <paramref name="x"/>.</param>
    /// <param name="batchSize">Samples per gradient step (the last batch may be smaller).</param>
    /// <param name="epochs">Index of the epoch to stop before (Keras's meaning with initialEpoch).</param>
    /// <param name="verbose">0 silent, 1 progress (a live line on a terminal, a line per epoch otherwise).</param>
    /// <param name="validationData">Data evaluated at the end of each epoch (val_loss, val_accuracy, ...).</param>
    /// <param name="validationSplit">Fraction of the samples, taken from the end before shuffling, held out for validation.</param>
    /// <param name="shuffle">Reshuffle the training samples every epoch.</param>
    /// <param name="callbacks">Hooks called during training.</param>
    /// <param name="classWeight">Weight of each class's samples in the loss and the weighted metrics (classes not listed weigh 1).</param>
    /// <param name="sampleWeight">Weight of each sample in the loss and the weighted metrics, shape (samples,); or, for a sequence output, of each position, shape (samples, time) (Keras's temporal sample weights).</param>
    /// <param name="initialEpoch">Epoch to start at (to resume a run); epochs counts from 0, not from here.</param>
    /// <param name="stepsPerEpoch">Batches per epoch; the data then continues across epochs and restarts when used up.</param>
    /// <param name="validationSampleWeight">
    /// Weights of the validation samples, (samples,) or (samples, time), for val_loss and the weighted
    /// metrics (Keras's <c>validation_data=(x, y, sample_weight)</c>); only with <paramref name="validationData"/>.
    /// </param>
    /// <param name="checkFinite">Check, once at the start, that the data (training and validation) holds no NaN or infinity; see <see cref="FitOptions.CheckFinite"/>.</param>
    /// <param name="cancellationToken">Stops training at the next step boundary; see <see cref="TrainingCanceledException"/>.</param>
    /// <exception cref="ArgumentException">validationSampleWeight is given without validationData.</exception>
    /// <exception cref="ShapeMismatchException">The samples of inputs, targets and their weights differ.</exception>
    /// <exception cref="NonFiniteDataException">The data holds a NaN or an infinity (unless <paramref name="checkFinite"/> is false).</exception>
    /// <exception cref="TrainingCanceledException"><paramref name="cancellationToken"/> was cancelled; training stopped after its last finished step.</exception>
    public History Fit(Tensor x, Tensor y, int batchSize = 32, int epochs = 1, int verbose = 1,
        (Tensor X, Tensor Y)? validationData = null, float validationSplit = 0f, bool shuffle = true,
        IEnumerable<Callback>? callbacks = null, IReadOnlyDictionary<int, float>? classWeight = null,
        Tensor? sampleWeight = null, int initialEpoch = 0, int? stepsPerEpoch = null, Tensor? validationSampleWeight = null,
        bool checkFinite = true, CancellationToken cancellationToken = default)
    {
        var trainer = RequireCompiled("Fit");
        CheckSamples(x, y, "Fit");
        CheckWeightRows(sampleWeight, x.Shape[0], "Fit", "sampleWeight");
        CheckBatching(batchSize, validationSplit);
        TensorData? validation = null;
        if (validationData is { } vd)
        {
            CheckSamples(vd.X, vd.Y, "Fit validation data");
            CheckWeightRows(validationSampleWeight, vd.X.Shape[0], "Fit validation data", "validationSampleWeight");
            validation = new TensorData([vd.X], [vd.Y], validationSampleWeight);
        }
        else if (validationSampleWeight is not null)
        {
            throw new ArgumentException("Fit: validationSampleWeight weighs validationData, which was not given " +
                "(with validationSplit the held-out samples keep their sampleWeight).", nameof(validationSampleWeight));
        }
        return FitTensors(trainer, new TensorData([x], [y], sampleWeight), validation, batchSize, validationSplit, shuffle,
            Options(epochs, verbose, callbacks, classWeight, initialEpoch, stepsPerEpoch, checkFinite), cancellationToken);
    }

    /// <summary>
    /// Trains on one tensor per model input and one target per model output (Keras's
    /// <c>fit(x=[a, b], y=[t1, t2])</c>); the parameters mean what they mean for the one-tensor Fit.
    /// The logs hold "loss" (Σ lossWeights·output losses) and, for several outputs, "{output}_loss"
    /// and "{output}_{metric}".
    /// </summary>
    /// <param name="x">One tensor per model input, each with the same number of samples.</param>
    /// <param name="y">One target tensor per model output; null for an output compiled without a loss and without metrics.</param>
    /// <param name="batchSize">Samples per gradient step.</param>
    /// <param name="epochs">Index of the epoch to stop before.</param>
    /// <param name="verbose">0 silent, 1 progress.</param>
    /// <param name="validationData">Inputs and targets evaluated at the end of each epoch.</param>
    /// <param name="validationSplit">Fraction of the samples, taken from the end, held out for validation (with their sample weights).</param>
    /// <param name="shuffle">Reshuffle the training samples every epoch.</param>
    /// <param name="callbacks">Hooks called during training.</param>
    /// <param name="classWeight">Per-class loss weights; only for a model with one output (as Keras).</param>
    /// <param name="sampleWeight">Weight of each sample (samples,), applied to every output's loss and weighted metrics.</param>
    /// <param name="initialEpoch">Epoch to start at.</param>
    /// <param name="stepsPerEpoch">Batches per epoch.</param>
    /// <param name="sampleWeights">One weight tensor (samples,) per output, for that output's loss and weighted metrics; null entries leave an output unweighted. Not together with <paramref name="sampleWeight"/>.</param>
    /// <param name="validationSampleWeights">One weight tensor per output for the validation samples (null entries: unweighted), for the val_ losses and weighted metrics; only with <paramref name="validationData"/>.</param>
    /// <param name="checkFinite">Check, once at the start, that the data (training and validation) holds no NaN or infinity; see <see cref="FitOptions.CheckFinite"/>.</param>
    /// <param name="cancellationToken">Stops training at the next step boundary; see <see cref="TrainingCanceledException"/>.</param>
    /// <exception cref="ArgumentException">The number of inputs, targets or sample weights differs from the model's inputs or outputs, a target an output needs is null, or validationSampleWeights is given without validationData.</exception>
    /// <exception cref="ShapeMismatchException">The tensors or sample weights do not share one number of samples.</exception>
    /// <exception cref="TrainingCanceledException"><paramref name="cancellationToken"/> was cancelled; training stopped after its last finished step.</exception>
    public History Fit(Tensor[] x, Tensor?[] y, int batchSize = 32, int epochs = 1, int verbose = 1,
        (Tensor[] X, Tensor?[] Y)? validationData = null, float validationSplit = 0f, bool shuffle = true,
        IEnumerable<Callback>? callbacks = null, IReadOnlyDictionary<int, float>? classWeight = null,
        Tensor? sampleWeight = null, int initialEpoch = 0, int? stepsPerEpoch = null, Tensor?[]? sampleWeights = null,
        Tensor?[]? validationSampleWeights = null, bool checkFinite = true, CancellationToken cancellationToken = default)
    {
        var trainer = RequireCompiled("Fit");
        CheckTensors(trainer, x, y, "Fit");
        CheckSampleWeights(sampleWeight, sampleWeights, x[0].Shape[0], "Fit");
        trainer.CheckClassWeight(classWeight);
        CheckBatching(batchSize, validationSplit);
        TensorData? validation = null;
        if (validationData is { } vd)
        {
            CheckTensors(trainer, vd.X, vd.Y, "Fit validation data");
            CheckSampleWeights(null, validationSampleWeights, vd.X[0].Shape[0], "Fit validation data", nameof(validationSampleWeights));
            validation = new TensorData(vd.X, vd.Y, null, validationSampleWeights);
        }
        else if (validationSampleWeights is not null)
        {
            throw new ArgumentException("Fit: validationSampleWeights weigh validationData, which was not given " +
                "(with validationSplit the held-out samples keep their sample weights).", nameof(validationSampleWeights));
        }
        return FitTensors(trainer, new TensorData(x, y, sampleWeight, sampleWeights), validation, batchSize, validationSplit, shuffle,
            Options(epochs, verbose, callbacks, classWeight, initialEpoch, stepsPerEpoch, checkFinite), cancellationToken);
    }

    /// <summary>
    /// Trains on batches from <paramref name="train"/> (e.g. a DataLoader with background prefetch,
    /// for data that does not fit in memory). The parameters mean what they mean for tensors.
    /// </summary>
    /// <exception cref="TrainingCanceledException"><paramref name="cancellationToken"/> was cancelled; training stopped after its last finished step.</exception>
    public History Fit(DataLoader train, int epochs = 1, int verbose = 1, DataLoader? validationData = null,
        IEnumerable<Callback>? callbacks = null, IReadOnlyDictionary<int, float>? classWeight = null,
        int initialEpoch = 0, int? stepsPerEpoch = null, bool checkFinite = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        var trainer = RequireCompiled("Fit");
        var options = Options(epochs, verbose, callbacks, classWeight, initialEpoch, stepsPerEpoch, checkFinite) with { ValidationData = validationData };
        return trainer.Fit(train, options, cancellationToken);
    }

    /// <summary>
    /// Trains on batches from <paramref name="train"/> with the settings of <paramref name="options"/>:
    /// the form every other Fit maps onto. For tensors, wrap them in a DataLoader of a TensorDataset.
    /// </summary>
    /// <param name="train">The training batches.</param>
    /// <param name="options">Epochs, validation data, callbacks, ... (Keras's fit arguments).</param>
    /// <param name="cancellationToken">
    /// Stops training at the next step boundary: the callbacks' OnTrainEnd runs (BackupAndRestore
    /// writes its checkpoint of the last finished step), then <see cref="TrainingCanceledException"/> is thrown.
    /// </param>
    /// <returns>The loss and metrics of every epoch.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Epochs or InitialEpoch is negative, or StepsPerEpoch is not positive.</exception>
    /// <exception cref="ArgumentException">ClassWeight is given for a model with several outputs, or the batches do not fit the model.</exception>
    /// <exception cref="TrainingCanceledException"><paramref name="cancellationToken"/> was cancelled; training stopped after its last finished step.</exception>
    public History Fit(DataLoader train, FitOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        return RequireCompiled("Fit").Fit(train, options, cancellationToken);
    }

    /// <summary>
    /// Tensors to loaders: holds out <paramref name="validationSplit"/> unless validation data was
    /// given, shuffles with the model's own generator (forked once, so later Fits continue its
    /// stream), batches the validation data in order.
    /// </summary>
    private History FitTensors(Trainer trainer, TensorData data, TensorData? validation, int batchSize, float validationSplit, bool shuffle,
        FitOptions options, CancellationToken cancellationToken)
    {
        if (validation is null && validationSplit > 0f) (data, validation) = data.Split(validationSplit);
        _shuffleGenerator ??= RandomGenerator.Global.Fork();
        var train = new DataLoader(data.ToDataset(), batchSize, shuffle, prefetch: 0, _shuffleGenerator);
        return trainer.Fit(train, options with { ValidationData = validation?.InOrder(batchSize) }, cancellationToken);
    }

    private static FitOptions Options(int epochs, int verbose, IEnumerable<Callback>? callbacks, IReadOnlyDictionary<int, float>? classWeight,
        int initialEpoch, int? stepsPerEpoch, bool checkFinite) =>
        new()
        {
            Epochs = epochs,
            Verbose = verbose,
            Callbacks = callbacks is null ? [] : [.. callbacks],
            ClassWeight = classWeight,
            InitialEpoch = initialEpoch,
            StepsPerEpoch = stepsPerEpoch,
            CheckFinite = checkFinite,
        };

    private static void CheckBatching(int batchSize, float validationSplit)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        if (!(validationSplit >= 0f && validationSplit < 1f))
            throw new ArgumentOutOfRangeException(nameof(validationSplit), validationSplit, "validationSplit must be in [0, 1).");
    }
}
