using DeepSharp.Autograd;
using DeepSharp.Data;
using DeepSharp.Tensors;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Training;

public partial class Model
{
    /// <summary>
    /// Loss and metrics over (x, y), computed in batches without recording gradients;
    /// <paramref name="sampleWeight"/> (samples,) weights the loss and the weighted metrics.
    /// </summary>
    public IReadOnlyDictionary<string, double> Evaluate(Tensor x, Tensor y, int batchSize = 32, int verbose = 0, Tensor? sampleWeight = null)
    {
        RequireCompiled("Evaluate");
        CheckSamples(x, y, "Evaluate");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        return Evaluate(new DataLoader(new TensorDataset(x, y, sampleWeight), batchSize, shuffle: false, prefetch: 0), verbose);
    }

    /// <summary>Loss and metrics over every batch of <paramref name="data"/>, without recording gradients.</summary>
    public IReadOnlyDictionary<string, double> Evaluate(DataLoader data, int verbose = 0)
    {
        RequireCompiled("Evaluate");
        var lossMean = new RunningMean();
        ResetMetrics();
        using (NoGrad.Scope())
        {
            using var batches = data.Pass().GetEnumerator();
            while (true)
            {
                using var scope = Tensor.Scope();
                if (!batches.MoveNext()) break;
                var batch = batches.Current;
                if (_generalStep || batch.InputCount != 1 || batch.TargetCount != 1)
                {
                    EvaluateStepMany(batch, lossMean); // several inputs, outputs or loss weights: Model.MultiIO.cs
                    continue;
                }
                CheckSamples(batch.X, batch.Y, "Evaluate");
                var (yPred, mask) = CallWithMask(batch.X, training: false);
                lossMean.Add(OneLoss().Compute(batch.Y, yPred, batch.SampleWeight, mask).Item(), batch.Size);
                UpdateMetrics(0, batch.Y, yPred, batch.SampleWeight, mask);
            }
        }
        var result = CurrentLogs(lossMean.Value);
        if (verbose > 0) Console.WriteLine(ProgressLogger.FormatLogs(result).TrimStart(' ', '-'));
        return result;
    }

    /// <summary>The network's outputs for every sample of <paramref name="x"/>, computed in batches.</summary>
    public Tensor Predict(Tensor x, int batchSize = 32)
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
                int count = Math.Min(batchSize, samples - start);
                using var scope = Tensor.Scope();
                var yb = Call(x.SliceRows(start, count));
                result ??= Tensor.Empty(yb.Shape.WithoutBatch().WithBatch(samples));
                yb.Span.CopyTo(result.Span.Slice(start * (yb.Size / count), yb.Size));
            }
        }
        if (result is null)
        {
            if (!IsBuilt) throw new InvalidOperationException($"Model '{Name}' is not built and got no samples to predict.");
            var outShape = LayerOutputShapes()[^1];
            result = Tensor.Empty(outShape.WithBatch(0));
        }
        return result;
    }
}
