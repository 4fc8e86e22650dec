using DeepSharp.Autograd;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>Predict, as Keras's predict: the model run in batches without gradients (dictionaries in Model.Named.cs).</summary>
/// <remarks>
/// Predict may be called from several threads at once on one model (a server does): inference writes
/// nothing into the model, its temporaries and kernel scratch are per thread, and the one write a
/// first call makes — layers building their weights lazily — happens under a lock, once. Training or
/// changing weights while other threads predict is not safe (as in Keras and PyTorch).
/// </remarks>
public partial class Model
{
    private readonly Lock _predictBuildLock = new();
    private volatile bool _builtForPredict;

    /// <summary>
    /// Runs <paramref name="predict"/> under a lock until the model is built (the first calls build
    /// layers lazily, which must happen once), then without: after that Predict only reads the model.
    /// </summary>
    private T BuiltForPredict<T>(Func<T> predict)
    {
        if (_builtForPredict) return predict();
        lock (_predictBuildLock)
        {
            var result = predict();
            _builtForPredict = IsBuilt;
            return result;
        }
    }

    /// <summary>The network's outputs for every sample of <paramref name="x"/>, computed in batches.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked before each batch).</exception>
    /// <remarks>Safe to call from several threads at once (see the class remarks).</remarks>
    public Tensor Predict(Tensor x, int batchSize = 32, CancellationToken cancellationToken = default) =>
        _builtForPredict ? PredictBatches(x, batchSize, cancellationToken) : BuiltForPredict(() =>
        {
            // Built before the first batch, so that the first call runs the same (folded) layers as later ones.
            if (GetType() == typeof(Sequential) && !IsBuilt && x.Rank > 1 && Layers.Count > 0 && !Layers[0].IsBuilt)
                Build(x.Shape.WithoutBatch());
            return PredictBatches(x, batchSize, cancellationToken);
        });

    private Tensor PredictBatches(Tensor x, int batchSize, CancellationToken cancellationToken)
    {
        if (InputCount != 1 || OutputCount != 1)
            throw new InvalidOperationException($"Model '{Name}' has {InputCount} inputs and {OutputCount} outputs: use Predict(Tensor[]), which returns one tensor per output.");
        if (x.Rank == 0) throw new ShapeMismatchException($"Predict needs a batch of inputs, got a scalar.");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        int samples = x.Shape[0];
        Tensor? result = null;
        using (NoGrad.Scope())
        {
            for (int start = 0; start < samples; start += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = Math.Min(batchSize, samples - start);
                using var scope = Tensor.Scope();
                var yb = InferenceCall(x.SliceRows(start, count));
                result ??= Tensor.Empty(yb.Shape.WithoutBatch().WithBatch(samples));
                yb.Span.CopyTo(result.Span.Slice(start * (yb.Size / count), yb.Size));
            }
        }
        if (result is null)
        {
            if (!IsBuilt) throw new InvalidOperationException($"Model '{Name}' is not built and got no samples to predict.");
            var outShape = IsSubclassed ? SubclassedOutputShape(x.Shape.WithoutBatch()) : LayerOutputShapes()[^1];
            result = Tensor.Empty(outShape.WithBatch(0));
        }
        return result;
    }

    /// <summary>
    /// One batch through the model for inference: a plain Sequential runs through
    /// <see cref="InferenceRunner"/> (BatchNormalization folded, conv + max-pool a few images at a
    /// time); any other model runs its own <see cref="Call(Tensor, bool)"/>.
    /// </summary>
    private Tensor InferenceCall(Tensor x) =>
        GetType() == typeof(Sequential) && Layers.Count > 0 ? InferenceRunner.Run(Layers, x) : QuantizedGraphCall([x])?[0] ?? Call(x);

    /// <summary>A functional model with int8 layers runs with u8 buffers between them (<see cref="QuantizedGraph"/>); null for any other model.</summary>
    private Tensor[]? QuantizedGraphCall(IReadOnlyList<Tensor> x) =>
        _graph is not null && (GetType() == typeof(Functional) || GetType() == typeof(Model)) ? QuantizedGraph.TryRun(_graph.Nodes, _graph.Inputs, _graph.Outputs, x) : null;

    /// <summary>
    /// The model's outputs for one tensor per input, computed in batches: one tensor per output,
    /// in the model's output order (a model with one output returns an array of one).
    /// </summary>
    /// <exception cref="ArgumentException">The number of tensors differs from the model's inputs.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked before each batch).</exception>
    /// <remarks>Safe to call from several threads at once (see the class remarks).</remarks>
    public Tensor[] Predict(Tensor[] x, int batchSize = 32, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        CheckInputs(x, "Predict");
        if (_graph is null) return [Predict(x[0], batchSize, cancellationToken)];
        return _builtForPredict ? PredictGraph(x, batchSize, cancellationToken) : BuiltForPredict(() => PredictGraph(x, batchSize, cancellationToken));
    }

    private Tensor[] PredictGraph(Tensor[] x, int batchSize, CancellationToken cancellationToken)
    {
        int samples = x[0].Shape[0];
        var results = new Tensor?[OutputCount];
        var slice = new Tensor[x.Length];
        using (NoGrad.Scope())
        {
            for (int start = 0; start < samples; start += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = Math.Min(batchSize, samples - start);
                using var scope = Tensor.Scope();
                for (int i = 0; i < x.Length; i++) slice[i] = x[i].SliceRows(start, count);
                var outputs = QuantizedGraphCall(slice) ?? Call(slice);
                for (int o = 0; o < outputs.Count; o++)
                {
                    var yb = outputs[o];
                    var result = results[o] ??= Tensor.Empty(yb.Shape.WithoutBatch().WithBatch(samples));
                    yb.Span.CopyTo(result.Span.Slice(start * (yb.Size / count), yb.Size));
                }
            }
        }
        var final = new Tensor[results.Length];
        for (int o = 0; o < final.Length; o++)
            final[o] = results[o] ?? Tensor.Empty(_graph!.Outputs[o].Shape.WithBatch(0));
        return final;
    }
}
