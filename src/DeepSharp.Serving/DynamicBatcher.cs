using System.Diagnostics;
using System.Threading.Channels;
using DeepSharp.Tensors;

namespace DeepSharp.Serving;

/// <summary>
/// Triton's dynamic batcher: requests wait in a queue; one loop takes the oldest and gathers those
/// behind it until the batch holds <see cref="ServingOptions.MaxBatchSize"/> inputs or the oldest has
/// waited <see cref="ServingOptions.MaxWait"/>, runs the model once on the whole batch and hands each
/// request its rows. A request with more inputs than a batch holds runs alone. The batch's inputs are
/// copied into one buffer kept for the server's life, so a warm batcher allocates only the outputs.
/// </summary>
internal sealed class DynamicBatcher : IInference
{
    private readonly ServedModel _model;
    private readonly ServingMetrics _metrics;
    private readonly int _maxBatch, _maxQueued;
    private readonly long _maxWaitTicks;
    private readonly Channel<Work> _queue = Channel.CreateUnbounded<Work>();
    private readonly Tensor _input;
    private readonly Task _loop;
    private int _queued;
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
        _input = Tensor.Empty(model.InputShape.WithBatch(_maxBatch));
        _loop = Task.Factory.StartNew(LoopAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    public Task<float[]> PredictAsync(float[] values, int count)
    {
        if (_stopped) throw new BadRequestException(503, "the server is shutting down");
        if (Interlocked.Increment(ref _queued) > _maxQueued)
        {
            Interlocked.Decrement(ref _queued);
            throw new BadRequestException(503, $"the server is overloaded ({_maxQueued} requests queued); retry later");
        }
        _metrics.AddQueued(1);
        var work = new Work(values, count);
        if (!_queue.Writer.TryWrite(work))
        {
            Interlocked.Decrement(ref _queued);
            _metrics.AddQueued(-1);
            throw new BadRequestException(503, "the server is shutting down");
        }
        return work.Done.Task;
    }

    public void StopAccepting()
    {
        _stopped = true;
        _queue.Writer.TryComplete();
    }

    public async ValueTask DisposeAsync()
    {
        StopAccepting();
        await _loop.ConfigureAwait(false); // drains what was accepted
    }

    private async Task LoopAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Work>(_maxBatch);
        Work? carried = null;
        while (true)
        {
            Work first;
            if (carried is not null)
            {
                first = carried;
                carried = null;
            }
            else if (!reader.TryRead(out first!))
            {
                if (!await reader.WaitToReadAsync().ConfigureAwait(false)) return;
                continue;
            }
            batch.Add(first);
            int rows = first.Count;
            long deadline = first.Enqueued + _maxWaitTicks;
            while (rows < _maxBatch)
            {
                if (reader.TryRead(out var next))
                {
                    if (rows + next.Count > _maxBatch)
                    {
                        carried = next; // starts the next batch
                        break;
                    }
                    batch.Add(next);
                    rows += next.Count;
                    continue;
                }
                long remaining = deadline - Stopwatch.GetTimestamp();
                if (remaining <= 0 || !await WaitForMore(reader, remaining).ConfigureAwait(false)) break;
            }
            Run(batch, rows);
            batch.Clear();
        }
    }

    /// <summary>Waits until the queue has an item (true) or <paramref name="ticks"/> pass or the queue is closed (false).</summary>
    private static async Task<bool> WaitForMore(ChannelReader<Work> reader, long ticks)
    {
        var ready = reader.WaitToReadAsync().AsTask();
        if (ready.IsCompleted) return ready.Result;
        var delay = Task.Delay(TimeSpan.FromSeconds((double)ticks / Stopwatch.Frequency));
        return await Task.WhenAny(ready, delay).ConfigureAwait(false) == ready && ready.Result;
    }

    private void Run(List<Work> batch, int rows)
    {
        Interlocked.Add(ref _queued, -batch.Count);
        _metrics.AddQueued(-batch.Count);
        int size = _model.InputSize, outSize = _model.OutputSize;
        try
        {
            Tensor x;
            if (rows <= _maxBatch)
            {
                var span = _input.Span;
                int offset = 0;
                foreach (var work in batch)
                {
                    work.Values.AsSpan(0, work.Count * size).CopyTo(span.Slice(offset));
                    offset += work.Count * size;
                }
                x = _input.SliceRows(0, rows);
            }
            else // one request larger than a batch: Predict splits it
                x = Tensor.FromArray(batch[0].Values[..(rows * size)], _model.InputShape.WithBatch(rows));
            long start = Stopwatch.GetTimestamp();
            var y = _model.Model.Predict(x, batchSize: _maxBatch).Span;
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
