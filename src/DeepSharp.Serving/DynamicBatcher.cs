using System.Collections.Concurrent;
using System.Diagnostics;
using DeepSharp.Tensors;

namespace DeepSharp.Serving;

/// <summary>
/// Triton's dynamic batcher: requests wait in a queue; one loop takes the oldest and gathers those
/// behind it until the batch holds <see cref="ServingOptions.MaxBatchSize"/> inputs or the oldest has
/// waited <see cref="ServingOptions.MaxWait"/>, runs the model once on the whole batch and hands each
/// request its rows. A request with more inputs than a batch holds runs alone. The batch's inputs are
/// copied into one buffer kept for the server's life, so a warm batcher allocates only the outputs.
/// A model with several inputs or outputs is batched the same way, its requests' samples as packed rows (<see cref="PackedRows"/>).
/// With <see cref="ServingOptions.Instances"/> above 1 several such loops take from the one queue, each
/// with its own buffer, so that one gathers and runs a batch while another runs its own.
/// </summary>
internal sealed class DynamicBatcher : IInference
{
    private readonly ServedModel _model;
    private readonly ServingMetrics _metrics;
    private readonly int _maxBatch, _maxQueued;
    private readonly long _maxWaitTicks;
    private readonly BlockingCollection<Work> _queue = new(new ConcurrentQueue<Work>());
    private readonly Thread[] _loops;
    private int _queued, _arriving, _stopping;
    private volatile bool _stopped;

    private sealed class Work(float[] values, int count)
    {
        public float[] Values { get; } = values;
        public int Count { get; } = count;
        public long Enqueued { get; } = Stopwatch.GetTimestamp();
        public TaskCompletionSource<float[]> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public DynamicBatcher(ServedModel model, ServingOptions options, ServingMetrics metrics)
    {
        _model = model;
        _metrics = metrics;
        _maxBatch = options.MaxBatchSize;
        _maxQueued = options.MaxQueuedRequests;
        _maxWaitTicks = (long)(options.MaxWait.TotalSeconds * Stopwatch.Frequency);
        _loops = new Thread[options.Instances];
        for (int i = 0; i < _loops.Length; i++)
        {
            var input = model.IsMultiTensor ? Tensor.Empty(new Shape(_maxBatch, model.PackedInputSize)) : Tensor.Empty(model.InputShape.WithBatch(_maxBatch));
            _loops[i] = new Thread(() => Loop(input)) { IsBackground = true, Name = _loops.Length == 1 ? "DeepSharp dynamic batcher" : $"DeepSharp dynamic batcher {i + 1}" };
        }
        foreach (var loop in _loops) loop.Start();
    }

    public void Arrive() => Interlocked.Increment(ref _arriving);

    public void Depart() => Interlocked.Decrement(ref _arriving);

    public Task<float[]> PredictAsync(float[] values, int count)
    {
        Depart(); // queued now (or refused): no longer on its way
        if (_stopped) throw new BadRequestException(503, "the server is shutting down");
        if (Interlocked.Increment(ref _queued) > _maxQueued)
        {
            Interlocked.Decrement(ref _queued);
            throw new BadRequestException(503, $"the server is overloaded ({_maxQueued} requests queued); retry later");
        }
        _metrics.AddQueued(1);
        var work = new Work(values, count);
        try
        {
            _queue.Add(work);
        }
        catch (InvalidOperationException) // adding completed: shutting down
        {
            Interlocked.Decrement(ref _queued);
            _metrics.AddQueued(-1);
            throw new BadRequestException(503, "the server is shutting down");
        }
        return work.Done.Task;
    }

    public void StopAccepting()
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 1) return;
        _stopped = true;
        _queue.CompleteAdding();
    }

    public async ValueTask DisposeAsync()
    {
        StopAccepting();
        await Task.Run(() => { foreach (var loop in _loops) loop.Join(); }).ConfigureAwait(false); // drains what was accepted; the queue is left to the GC
    }

    /// <summary>
    /// The batching loop, on its own thread: take the oldest request, then gather. A request already
    /// queued joins at once; the loop waits for more only while other requests are on their way (read,
    /// not yet queued) and the oldest has waited less than the window — so a lone client is answered
    /// without waiting, and under load the batch fills with the requests that arrive while the last one ran.
    /// <paramref name="input"/>: this loop's buffer for a batch's inputs.
    /// </summary>
    private void Loop(Tensor input)
    {
        var batch = new List<Work>(_maxBatch);
        Work? carried = null;
        while (true)
        {
            Work? first = carried;
            carried = null;
            if (first is null)
            {
                try
                {
                    first = _queue.Take();
                }
                catch (InvalidOperationException) // completed and empty: shut down
                {
                    return;
                }
            }
            batch.Add(first);
            int rows = first.Count;
            long deadline = first.Enqueued + _maxWaitTicks;
            while (rows < _maxBatch)
            {
                Work? next;
                if (!_queue.TryTake(out next))
                {
                    long remaining = deadline - Stopwatch.GetTimestamp();
                    if (Volatile.Read(ref _arriving) <= 0 || remaining <= 0) break;
                    int ms = (int)Math.Ceiling(remaining * 1000.0 / Stopwatch.Frequency);
                    if (!_queue.TryTake(out next, ms)) break;
                }
                if (rows + next.Count > _maxBatch)
                {
                    carried = next; // starts the next batch
                    break;
                }
                batch.Add(next);
                rows += next.Count;
            }
            Run(batch, rows, input);
            batch.Clear();
        }
    }

    private void Run(List<Work> batch, int rows, Tensor input)
    {
        Interlocked.Add(ref _queued, -batch.Count);
        _metrics.AddQueued(-batch.Count);
        int size = _model.PackedInputSize, outSize = _model.PackedOutputSize;
        try
        {
            ReadOnlySpan<float> packed;
            Tensor? x;
            if (rows <= _maxBatch)
            {
                var span = input.Span;
                int offset = 0;
                foreach (var work in batch)
                {
                    work.Values.AsSpan(0, work.Count * size).CopyTo(span.Slice(offset));
                    offset += work.Count * size;
                }
                x = input.SliceRows(0, rows);
                packed = span[..(rows * size)];
            }
            else // one request larger than a batch: Predict splits it
            {
                x = _model.IsMultiTensor ? null : Tensor.FromArray(batch[0].Values[..(rows * size)], _model.InputShape.WithBatch(rows));
                packed = batch[0].Values.AsSpan(0, rows * size);
            }
            long start = Stopwatch.GetTimestamp();
            // A model with several inputs or outputs: each input's tensor from the packed rows, the outputs packed back.
            var y = _model.IsMultiTensor
                ? PackedRows.FromTensors(_model.Model.Predict(PackedRows.ToTensors(packed, _model.InputShapes, rows), batchSize: _maxBatch), rows).AsSpan()
                : _model.Model.Predict(x!, batchSize: _maxBatch).Span;
            _metrics.RecordBatch(rows, Stopwatch.GetElapsedTime(start).TotalSeconds);
            int row = 0;
            foreach (var work in batch)
            {
                work.Done.SetResult(y.Slice(row * outSize, work.Count * outSize).ToArray());
                row += work.Count;
            }
        }
        catch (Exception e)
        {
            foreach (var work in batch) work.Done.TrySetException(e);
        }
    }
}
