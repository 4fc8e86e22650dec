using DeepSharp.Data;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Training;

/// <summary>
/// The settings of one Fit, for <see cref="Model.Fit(DataLoader, FitOptions, CancellationToken)"/>:
/// Keras's fit arguments as one record instead of a long parameter list. Every other Fit overload
/// (tensors, lists, dictionaries, a DataLoader with named parameters) builds one of these and trains
/// the same way.
/// <code>
/// var options = new FitOptions { Epochs = 10, ValidationData = valid, Callbacks = [new EarlyStopping(patience: 2)] };
/// model.Fit(new DataLoader(new TensorDataset(x, y), batchSize: 64), options, cancellationToken);
/// </code>
/// </summary>
public sealed record FitOptions
{
    /// <summary>Index of the epoch to stop before (Keras's meaning with <see cref="InitialEpoch"/>); default 1.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>0 silent, 1 progress (a live line on a terminal, a line per epoch otherwise); default 1.</summary>
    public int Verbose { get; init; } = 1;

    /// <summary>Data evaluated at the end of each epoch (val_loss, val_accuracy, ...); its loader sets its batch size.</summary>
    public DataLoader? ValidationData { get; init; }

    /// <summary>Hooks called during training, in order (the progress logger, when <see cref="Verbose"/> &gt; 0, comes last).</summary>
    public IReadOnlyList<Callback> Callbacks { get; init; } = [];

    /// <summary>Weight of each class's samples in the loss and the weighted metrics (classes not listed weigh 1); only for a model with one output.</summary>
    public IReadOnlyDictionary<int, float>? ClassWeight { get; init; }

    /// <summary>Epoch to start at (to resume a run by hand); epochs count from 0, not from here.</summary>
    public int InitialEpoch { get; init; }

    /// <summary>Batches per epoch; the data then continues across epochs and restarts when used up (null: one pass per epoch).</summary>
    public int? StepsPerEpoch { get; init; }

    /// <summary>
    /// Check, once when Fit starts, that the training and validation data hold no NaN or infinity, and
    /// throw <see cref="NonFiniteDataException"/> (naming the tensor, the sample and the value) if they do;
    /// default true. Read are the tensors of a <see cref="TensorDataset"/> (every tensor Fit overload uses
    /// one); batches from <see cref="DataLoader.FromBatches"/> or a <see cref="Dataset"/> of your own are not.
    /// </summary>
    public bool CheckFinite { get; init; } = true;
}
