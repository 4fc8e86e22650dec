using System.Diagnostics;
using DeepSharp.Tensors;

namespace DeepSharp.Serving;

/// <summary>
/// Serving without dynamic batching (max batch size 1): each request runs Predict on its own thread,
/// several at once (Predict is safe from many threads), with the request's own inputs as its batch.
/// </summary>
internal sealed class DirectInference(ServedModel model, ServingMetrics metrics) : IInference
{
    private volatile bool _stopped;

    public Task<float[]> PredictAsync(float[] values, int count)
    {
        if (_stopped) throw new BadRequestException(503, "the server is shutting down");
        long start = Stopwatch.GetTimestamp();
        float[] outputs;
        if (model.IsMultiTensor) // packed rows (PackedRows): one tensor per input, the outputs packed back
            outputs = PackedRows.FromTensors(model.Model.Predict(PackedRows.ToTensors(values.AsSpan(0, count * model.PackedInputSize), model.InputShapes, count), batchSize: count), count);
        else
        {
            var data = values.Length == count * model.InputSize ? values : values[..(count * model.InputSize)];
            outputs = model.Model.Predict(Tensor.Wrap(data, model.InputShape.WithBatch(count)), batchSize: count).ToArray();
        }
        metrics.RecordBatch(count, Stopwatch.GetElapsedTime(start).TotalSeconds);
        return Task.FromResult(outputs);
    }

    public void Arrive() { }

    public void Depart() { }

    public void StopAccepting() => _stopped = true;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
