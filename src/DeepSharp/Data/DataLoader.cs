using System.Collections.Concurrent;
using DeepSharp.Tensors;

namespace DeepSharp.Data;

/// <summary>
/// Batches for Fit, Evaluate and Predict: from a <see cref="Dataset"/> (batched and, if asked,
/// reshuffled every pass) or from any source of ready-made batches (<see cref="FromBatches"/>).
/// With prefetch &gt; 0 a background thread prepares up to that many batches ahead in a bounded
/// queue while the model trains on the current one; with 0 batches are made on the caller's thread.
/// The batches and their order do not depend on prefetching.
/// </summary>
public sealed class DataLoader
{
    private readonly Dataset? _dataset;
    private readonly Func<IEnumerable<Batch>>? _source;
    private readonly int[] _order = [];
    private readonly RandomGenerator? _generator;

    /// <param name="dataset">The samples.</param>
    /// <param name="batchSize">Samples per batch; the last batch may be smaller.</param>
    /// <param name="shuffle">Reshuffle the sample order at the start of every pass.</param>
    /// <param name="prefetch">Batches prepared ahead on a background thread (0: none).</param>
    /// <param name="generator">Random source for shuffling (default: a fork of the global generator).</param>
    public DataLoader(Dataset dataset, int batchSize = 32, bool shuffle = true, int prefetch = 1, RandomGenerator? generator = null)
    {
        _dataset = dataset ?? throw new ArgumentNullException(nameof(dataset));
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be positive.");
        if (prefetch < 0) throw new ArgumentOutOfRangeException(nameof(prefetch), prefetch, "prefetch must not be negative.");
        (BatchSize, Shuffle, Prefetch) = (batchSize, shuffle, prefetch);
        _order = new int[dataset.Count];
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        if (shuffle) _generator = generator ?? RandomGenerator.Global.Fork();
        BatchCount = (dataset.Count + batchSize - 1) / batchSize;
    }

    private DataLoader(Func<IEnumerable<Batch>> source, int? batchCount, int prefetch)
    {
        if (prefetch < 0) throw new ArgumentOutOfRangeException(nameof(prefetch), prefetch, "prefetch must not be negative.");
        (_source, BatchCount, Prefetch) = (source, batchCount, prefetch);
    }

    /// <summary>
    /// Batches from a source the caller controls (e.g. reading files in chunks): <paramref name="pass"/>
    /// is called once per pass over the data and enumerated in order.
    /// </summary>
    /// <param name="pass">Makes one pass's batches.</param>
    /// <param name="batchCount">Batches per pass, if known (for progress and stepsPerEpoch).</param>
    /// <param name="prefetch">Batches prepared ahead on a background thread (0: none).</param>
    public static DataLoader FromBatches(Func<IEnumerable<Batch>> pass, int? batchCount = null, int prefetch = 1) =>
        new(pass ?? throw new ArgumentNullException(nameof(pass)), batchCount, prefetch);

    /// <summary>Samples per batch from a <see cref="Dataset"/>; 0 for a batch source, whose batches come as they are.</summary>
    public int BatchSize { get; }
    /// <summary>Whether each pass draws a new sample order (always false for a batch source).</summary>
    public bool Shuffle { get; }
    /// <summary>How many batches a background thread prepares ahead (0: batches are made on the caller's thread).</summary>
    public int Prefetch { get; }

    /// <summary>Batches per pass, when known.</summary>
    public int? BatchCount { get; }

    /// <summary>Samples in the data set (null for a batch source).</summary>
    internal int? SampleCount => _dataset?.Count;

    /// <summary>The data set batched, or null for a batch source.</summary>
    internal Dataset? Dataset => _dataset;

    /// <summary>One pass over the data. Disposing the enumerator early stops the prefetching thread.</summary>
    public IEnumerable<Batch> Pass() => Pass(firstBatch: 0, reshuffle: true);

    /// <summary>
    /// One pass, as <see cref="Pass()"/>: <c>foreach (var (x, y) in loader)</c> reads like PyTorch's
    /// <c>for x, y in loader</c>, and each foreach is a new pass (reshuffled when shuffling).
    /// </summary>
    public IEnumerator<Batch> GetEnumerator() => Pass().GetEnumerator();

    /// <summary>The shuffling generator (null without shuffling or for a batch source); checkpoints save its state.</summary>
    internal RandomGenerator? Generator => _generator;

    /// <summary>
    /// The sample order of the current (or last) pass; a new pass shuffles it in place. Checkpoints
    /// save it; restoring it with <see cref="RestoreOrder"/> and the generator's state recreates
    /// every later pass exactly.
    /// </summary>
    internal ReadOnlySpan<int> Order => _order;

    /// <summary>Puts back an order from <see cref="Order"/>; it must be a permutation of the samples.</summary>
    internal void RestoreOrder(ReadOnlySpan<int> order)
    {
        if (order.Length != _order.Length)
            throw new DataFormatException($"DataLoader: the saved sample order has {order.Length} entries; the data set has {_order.Length} samples.");
        var seen = new bool[order.Length];
        foreach (int i in order)
        {
            if ((uint)i >= (uint)seen.Length || seen[i])
                throw new DataFormatException($"DataLoader: the saved sample order is not a permutation of 0..{order.Length - 1} (entry {i}).");
            seen[i] = true;
        }
        order.CopyTo(_order);
    }

    /// <summary>
    /// The rest of the current pass from batch <paramref name="firstBatch"/> on, in the current order
    /// (no reshuffle): how a resumed run continues mid-pass. A batch source is replayed and its first
    /// batches are skipped.
    /// </summary>
    internal IEnumerable<Batch> Resume(int firstBatch) => Pass(firstBatch, reshuffle: false);

    private IEnumerable<Batch> Pass(int firstBatch, bool reshuffle) =>
        Prefetch == 0 ? Produce(firstBatch, reshuffle) : Prefetched(firstBatch, reshuffle);

    private IEnumerable<Batch> Produce(int firstBatch, bool reshuffle)
    {
        if (_source is not null)
        {
            int index = 0;
            foreach (var batch in _source())
                if (index++ >= firstBatch) yield return batch;
            yield break;
        }
        if (Shuffle && reshuffle) _generator!.Shuffle(_order);
        for (long start = (long)firstBatch * BatchSize; start < _order.Length; start += BatchSize)
        {
            int count = (int)Math.Min(BatchSize, _order.Length - start);
            yield return _dataset!.GetBatch(_order.AsSpan((int)start, count));
        }
    }

    private IEnumerable<Batch> Prefetched(int firstBatch, bool reshuffle)
    {
        using var queue = new BlockingCollection<Batch>(Prefetch);
        using var cancel = new CancellationTokenSource();
        Exception? failure = null;
        var producer = new Thread(() =>
        {
            try
            {
                foreach (var batch in Produce(firstBatch, reshuffle)) queue.Add(batch, cancel.Token);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested) { }
            catch (Exception e) { failure = e; }
            finally { queue.CompleteAdding(); }
        })
        { IsBackground = true, Name = "DeepSharp DataLoader" };
        producer.Start();
        try
        {
            foreach (var batch in queue.GetConsumingEnumerable()) yield return batch;
            if (failure is not null)
                throw new DeepSharpException($"DataLoader: making a batch failed: {failure.Message}", failure);
        }
        finally
        {
            cancel.Cancel();
            producer.Join();
        }
    }
}
