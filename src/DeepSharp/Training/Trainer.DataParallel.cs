using DeepSharp.Autograd;
using DeepSharp.Data;
using DeepSharp.Distributed;
using DeepSharp.Nn;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>
/// Data-parallel training (docs/distributed.md): Fit with a <see cref="DistributedStrategy"/>
/// synchronises the ranks, then runs the one training loop, whose step becomes
/// <see cref="ParallelStep"/>. Deterministic mode cuts the global batch into fixed chunks, computes
/// this rank's chunks' gradients one chunk at a time and sums all chunks in one fixed tree over the
/// ranks (<see cref="DeterministicReducer"/>); fast mode runs this rank's shard at once and all-reduces
/// the gradients in buckets while backward goes on (<see cref="GradientBuckets"/>).
/// </summary>
internal sealed partial class Trainer
{
    private DataParallelRun? _parallel;

    /// <summary>
    /// The training loop every Fit overload reaches (<see cref="FitLoop"/>); with the model's
    /// <see cref="Model.DistributeStrategy"/> set, data-parallel over its ranks: the ranks agree on
    /// weights, optimizer state, generators and data order first, only rank 0 reports progress, and
    /// an exception on any rank of a several-rank job aborts the job with the rank's message.
    /// </summary>
    public History Fit(DataLoader train, FitOptions options, CancellationToken cancellationToken)
    {
        if (_model.DistributeStrategy is not { } strategy) return FitLoop(train, options, cancellationToken);
        CheckOptions(options);
        try
        {
            _parallel = new DataParallelRun(strategy);
            // Which process is which rank, for when mpiexec reports a dead process by its id.
            if (strategy.WorldSize > 1) Console.Error.WriteLine($"DeepSharp: rank {strategy.Rank} of {strategy.WorldSize} is process {Environment.ProcessId} on {Environment.MachineName}.");
            SynchronizeRanks(train, strategy);
            // A stop (Ctrl-C, which mpiexec forwards to every rank) takes effect at the same step on every
            // rank: each step's all-gather of the loss carries whether any rank was asked to stop.
            using var agreed = new CancellationTokenSource();
            _parallel.StopRequested = cancellationToken;
            _parallel.Stop = agreed;
            History history;
            try
            {
                history = FitLoop(train, strategy.IsChief ? options : options with { Verbose = 0 }, agreed.Token);
            }
            catch (TrainingCanceledException stop) when (stop.CancellationToken == agreed.Token)
            {
                _parallel.Shard?.GatherOptimizerState(Optimizer); // every rank stopped at this step
                throw new TrainingCanceledException(stop.History, stop.Epoch, stop.Step, cancellationToken);
            }
            _parallel.Shard?.GatherOptimizerState(Optimizer); // the optimizer whole again, as after any Fit
            return history;
        }
        catch (Exception e) when (strategy.WorldSize > 1 && e is not TrainingCanceledException) // a stop every rank agreed on is no failure
        {
            strategy.Abort(e); // ends every rank; a rank left waiting in a collective would hang the job
            throw;
        }
        finally
        {
            _parallel?.Dispose();
            _parallel = null;
        }
    }

    /// <summary>
    /// Called on every rank before a checkpoint is taken (rank 0 writes it): with the optimizer state
    /// sharded, the ranks gather it onto rank 0, so rank 0's checkpoint holds all of it; the other
    /// ranks keep only their slices.
    /// </summary>
    public void PrepareCheckpoint() => _parallel?.Shard?.GatherOptimizerStateForCheckpoint(Optimizer);

    /// <summary>
    /// The data-parallel training step: this rank's chunks (deterministic) or shard (fast) through
    /// forward and backward, the gradients combined over the ranks, then the optimizer — the same
    /// update on every rank, or, on one machine, split: each rank adds up and updates its block of
    /// the weights and the ranks hand the blocks over through shared memory — and the loss and
    /// metrics reduced to their global values.
    /// </summary>
    private void ParallelStep(Batch batch, IReadOnlyDictionary<int, float>? classWeight, StepState run, string caller)
    {
        CheckBatch(batch, caller);
        var p = _parallel!;
        var comm = p.Communicator;
        var profile = p.Strategy.Profile;
        long stepStart = StepProfile.Now;
        if (run.Parameters is null)
        {
            run.Parameters = _model.Parameters.ToArray();
            run.Trainable = _model.TrainableParameters.ToArray();
        }
        var trainable = run.Trainable!;
        p.Prepare(run.Parameters, trainable);
        int samples = batch.Size;
        bool deterministic = p.Strategy.Reduction == GradientReduction.Deterministic;
        // Pieces of the global batch: fixed-size chunks (deterministic) or one shard per rank (fast).
        int size = deterministic ? p.Strategy.ChunkSize : 0;
        int pieces = deterministic ? Math.Max(1, (samples + size - 1) / size) : comm.Size;
        (int Start, int Count) Piece(int k) => deterministic
            ? (k * size, Math.Min(size, samples - k * size))
            : ((int)((long)samples * k / comm.Size), (int)((long)samples * (k + 1) / comm.Size) - (int)((long)samples * k / comm.Size));

        // The step's starting point, which every piece starts from.
        DataParallelRun.Flatten(p.Frozen, p.FrozenAtStart, gradients: false);
        p.Generators.Clear();
        p.GeneratorsAtStart.Clear();
        foreach (var g in LayerGenerators())
        {
            p.Generators.Add(g);
            p.GeneratorsAtStart.Add(g.GetState());
        }
        var metricsAtStart = new double[_compiled.Length][];
        for (int m = 0; m < _compiled.Length; m++)
            if (_compiled[m].Metric.GetState() is { } totals)
            {
                metricsAtStart[m] = totals;
                _compiled[m].Metric.Reset(); // this step's updates start from zero: they are the rank's contribution
            }
        var pieceLoss = new double[pieces];

        // Forward and backward of one piece; its loss is scaled by its share of the global batch, so the
        // pieces' gradients add up to the gradient of the global batch's mean loss.
        Tensor? RunPiece(int k)
        {
            var (start, count) = Piece(k);
            if (count == 0) return null;
            DataParallelRun.Unflatten(p.FrozenAtStart, p.Frozen, gradients: false);
            p.SeedGenerators(k);
            var piece = BatchRows.Slice(batch, start, count);
            var classWeighted = classWeight is null ? null : ClassWeights.Apply(piece.Y, classWeight, piece.SampleWeight);
            var (outputs, masks) = Forward(piece, training: true);
            var loss = TotalLoss(piece, outputs, masks, classWeighted, caller);
            float share = (float)count / samples;
            pieceLoss[k] = (double)loss.Item() * count / samples;
            foreach (var q in run.Parameters) q.Value.Grad?.Span.Clear();
            var scaled = Ops.Affine(loss, share);
            UpdateMetrics(piece, outputs, masks, classWeighted);
            ForgetOutputs();
            return scaled;
        }

        bool split = false;
        if (deterministic)
        {
            // This rank's chunks one at a time; each tensor's gradient goes into the fixed tree as soon as
            // it is final, and in the last chunk the exchange's buckets start while backward goes on.
            var reducer = p.Reducer!;
            reducer.Begin(pieces);
            split = p.SplitsUpdate();
            foreach (int k in reducer.MyChunks)
            {
                long t0 = StepProfile.Now, reducerBefore = profile.Add + profile.Exchange;
                p.PointGradientsAtCurrentChunk(); // a left child's gradient goes straight into its node
                using (Tensor.Scope())
                {
                    var scaled = RunPiece(k);
                    if (reducer.IsLast(k)) scaled?.Backward(null, p.ChunkListener);
                    else
                    {
                        scaled?.Backward();
                        for (int i = 0; i < trainable.Length; i++)
                            if (trainable[i].Value.Grad is { } g) reducer.TensorReady(i, g.Span);
                    }
                    reducer.ChunkDone();
                }
                profile.Compute += StepProfile.Now - t0 - (profile.Add + profile.Exchange - reducerBefore);
            }
            p.RestoreOwnGradients();
            foreach (var q in trainable) q.Value.Grad ??= Tensor.Zeros(q.Shape); // a rank without chunks has none yet
            // Split: the full gradient is needed only by gradient hooks, norm clipping and accumulation; else each rank adds up its block alone.
            bool ownBlockOnly = split && GradientHooks.Count == 0 && Optimizer.ClipNorm is null && Optimizer.GlobalClipNorm is null
                && Optimizer.GradientAccumulationSteps is null; // accumulators add up whole gradients
            reducer.Finish(i => trainable[i].Value.Grad!.Span, weightsFollow: split, ownBlockOnly);
        }
        else
        {
            var buckets = p.Buckets!;
            buckets.Begin();
            using (Tensor.Scope())
            {
                var scaled = RunPiece(comm.Rank);
                if (scaled is not null) scaled.Backward(null, new BucketListener(p, trainable));
            }
            buckets.Finish(p.Sizes);
            for (int i = 0; i < trainable.Length; i++)
                if (trainable[i].Value.Grad is { } grad) buckets.Slot(i, p.Sizes[i]).CopyTo(grad.Span);
        }

        // Non-trained state (moving statistics) as the last piece left it, from the rank that ran it
        // (deterministic) or from rank 0 (fast, as DDP's broadcast buffers); the generators move on.
        if (p.Frozen.Length > 0)
        {
            int owner = deterministic ? comm.Size - 1 : 0;
            DataParallelRun.Flatten(p.Frozen, p.FrozenAtStart, gradients: false);
            comm.Broadcast<float>(p.FrozenAtStart, owner);
            DataParallelRun.Unflatten(p.FrozenAtStart, p.Frozen, gradients: false);
        }
        p.SeedGenerators(-1);

        for (int h = 0; h < GradientHooks.Count; h++)
        {
            for (int i = 0; i < trainable.Length; i++)
                if (trainable[i].Value.Grad is not null) GradientHooks[h].GradientReady(i, trainable[i]);
            GradientHooks[h].GradientsReady(trainable);
        }
        long o0 = StepProfile.Now;
        if (p.Shard is { } shard)
        {
            // ZeRO stage 1: this rank updates its slice with its slice of the state; the ranks gather the weights.
            Optimizer.ApplySharded(trainable, shard.Slices);
            if (split)
            {
                profile.Optimizer += StepProfile.Now - o0;
                p.Reducer!.ShareWeights(i => trainable[i].Value.Span); // the others' blocks, through shared memory
                p.KeepWeightsShared(GradientHooks.Count > 0); // from the first step on: the machine's one copy, updated in place
                o0 = StepProfile.Now;
            }
            else shard.GatherWeights();
            Optimizer.ApplyConstraints(trainable);
        }
        else Optimizer.Apply(trainable);
        profile.Optimizer += StepProfile.Now - o0;
        var cpu0 = StepProfile.CpuNow;
        run.LossMean.Add(ReduceLossAndMetrics(pieceLoss, metricsAtStart, deterministic), samples);
        profile.WaitCpu += StepProfile.CpuNow - cpu0; // mostly waiting for the slowest rank
        profile.Total += StepProfile.Now - stepStart;
        profile.Steps++;
    }

    /// <summary>
    /// The global loss (each piece's scaled loss from the rank that ran it, added in piece order) and
    /// each metric's global totals (its totals at the step's start plus every rank's contribution, in
    /// rank order), with one all-gather of doubles. Metrics without totals keep the rank's own.
    /// </summary>
    private double ReduceLossAndMetrics(double[] pieceLoss, double[][] metricsAtStart, bool deterministic)
    {
        var comm = _parallel!.Communicator;
        int length = pieceLoss.Length;
        foreach (var totals in metricsAtStart) length += totals?.Length ?? 0;
        length++; // last: whether this rank was asked to stop
        var send = new double[length];
        pieceLoss.CopyTo(send, 0);
        send[^1] = _parallel!.StopRequested.IsCancellationRequested ? 1 : 0;
        int at = pieceLoss.Length;
        for (int m = 0; m < _compiled.Length; m++)
            if (metricsAtStart[m] is { } start)
            {
                var mine = _compiled[m].Metric.GetState()!;
                mine.CopyTo(send, at);
                at += start.Length;
            }
        var all = new double[length * comm.Size];
        comm.Allgather<double>(send, all);

        for (int r = 0; r < comm.Size; r++)
            if (all[r * length + length - 1] != 0) _parallel.Stop?.Cancel(); // every rank stops after this step
        double loss = 0;
        for (int k = 0; k < pieceLoss.Length; k++)
        {
            int owner = deterministic ? OwnerOf(k, pieceLoss.Length, comm.Size) : k;
            loss += all[owner * length + k];
        }
        at = pieceLoss.Length;
        for (int m = 0; m < _compiled.Length; m++)
            if (metricsAtStart[m] is { } start)
            {
                var global = (double[])start.Clone();
                for (int r = 0; r < comm.Size; r++)
                    for (int i = 0; i < global.Length; i++) global[i] += all[r * length + at + i];
                _compiled[m].Metric.SetState(global);
                at += start.Length;
            }
        return loss;
    }

    /// <summary>The rank whose share holds chunk <paramref name="chunk"/>.</summary>
    private static int OwnerOf(int chunk, int chunks, int ranks)
    {
        for (int r = 0; r < ranks; r++)
        {
            var (a, b) = ChunkTree.Share(chunks, r, ranks);
            if (chunk >= a && chunk < b) return r;
        }
        throw new InvalidOperationException($"Chunk {chunk} of {chunks} belongs to no rank.");
    }

    /// <summary>The random layers' generators (dropout, augmentation), in layer order.</summary>
    private List<RandomGenerator> LayerGenerators()
    {
        var list = new List<RandomGenerator>();
        foreach (var layer in _model.Layers)
            foreach (var l in layer.SelfAndSublayers())
                if (l.TrainingGenerator is { } g) list.Add(g);
        return list;
    }

    /// <summary>Hands each trainable parameter's final gradient of the rank's last chunk to the deterministic reducer as backward finishes it.</summary>
    internal sealed class ChunkListener(DeterministicReducer reducer, Parameter[] trainable) : ILeafGradientListener
    {
        private readonly Dictionary<Tensor, int> _index = trainable.Select((p, i) => (p.Value, i)).ToDictionary(e => e.Value, e => e.i, (IEqualityComparer<Tensor>)ReferenceEqualityComparer.Instance);

        public void LeafGradientReady(Tensor leaf)
        {
            if (_index.TryGetValue(leaf, out int i)) reducer.TensorReady(i, leaf.Grad!.Span);
        }
    }

    /// <summary>Hands each trainable parameter's final gradient to its bucket as backward finishes it (fast mode).</summary>
    private sealed class BucketListener : ILeafGradientListener
    {
        private readonly DataParallelRun _run;
        private readonly Dictionary<Tensor, int> _index = new(ReferenceEqualityComparer.Instance);

        public BucketListener(DataParallelRun run, Parameter[] trainable)
        {
            _run = run;
            for (int i = 0; i < trainable.Length; i++) _index[trainable[i].Value] = i;
        }

        public void LeafGradientReady(Tensor leaf)
        {
            if (_index.TryGetValue(leaf, out int i)) _run.HandIn(i, 1f); // the loss was already scaled by the shard's share
        }
    }
}
