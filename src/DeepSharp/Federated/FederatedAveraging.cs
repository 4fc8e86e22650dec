using System.Diagnostics;
using DeepSharp.Distributed;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Optimizers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Federated;

/// <summary>
/// Federated averaging (McMahan et al., 2017, "Communication-Efficient Learning of Deep Networks
/// from Decentralized Data"), simulated: each round a fraction C of the K clients, chosen by the
/// seeded round, starts from the global weights and trains E local epochs of plain SGD (minibatch B)
/// on its own samples; the server then averages the clients' weights, weighted by their sample counts.
/// The clients run in turn in this process, or spread over the ranks of an MPI job
/// (<see cref="DistributedStrategy"/>, several clients per rank); the weights are gathered and summed
/// in client-index order, so a seed gives the same bits on any number of ranks.
/// <code>
/// var ((x, y), (xTest, yTest)) = Mnist.Load();
/// int[][] clients = ClientPartition.Iid(x.Shape[0], clients: 100, seed: 1);
/// var fed = new FederatedAveraging(model, x, DataUtils.ToCategorical(y, 10), clients,
///     new CategoricalCrossentropy(), new FederatedOptions { Fraction = 0.1, LocalEpochs = 5, LocalBatchSize = 10 });
/// var rounds = fed.Fit(rounds: 50, validationData: (xTest, DataUtils.ToCategorical(yTest, 10)), targetAccuracy: 0.99);
/// </code>
/// The model is compiled here with plain SGD at <see cref="FederatedOptions.LearningRate"/>, the loss
/// and accuracy. Secure aggregation is out of scope: the server sees each client's weights.
/// With <see cref="FederatedOptions.DpClipNorm"/> (and <see cref="FederatedOptions.DpNoiseMultiplier"/>) the
/// server clips each client's update and adds Gaussian noise to their sum (DP-FedAvg, client-level differential
/// privacy), and each round reports the ε spent so far (<see cref="Epsilon"/>, by <see cref="RdpAccountant"/>).
/// </summary>
public sealed class FederatedAveraging
{
    private readonly Model _model;
    private readonly Tensor _x, _y;
    private readonly int[][] _clients;
    private readonly FederatedOptions _options;
    private readonly Communicator _communicator;
    private readonly Parameter[] _parameters;
    private readonly Dictionary<Parameter, int> _offsets = [];
    private readonly ServerUpdate _server;
    private readonly ProximalTerm? _proximal;
    private readonly float[] _global;
    private readonly RandomGenerator[] _layerGenerators;
    private readonly RdpAccountant? _accountant;
    private int _round;

    /// <summary>Sets up a federated run over <paramref name="clients"/>' shares of (x, y).</summary>
    /// <param name="model">The network; built here if it is not yet, and compiled with SGD, <paramref name="loss"/> and accuracy.</param>
    /// <param name="x">Every client's inputs together (the first axis is the sample axis).</param>
    /// <param name="y">Their targets, as the loss takes them (one-hot for categorical cross-entropy).</param>
    /// <param name="clients">Each client's sample indices into x (e.g. from <see cref="ClientPartition"/>).</param>
    /// <param name="loss">The loss each client minimises.</param>
    /// <param name="options">C, E, B, η, FedProx's μ and the server optimizer.</param>
    /// <param name="strategy">The ranks to spread the clients over; null: one process, clients in turn.</param>
    /// <exception cref="ArgumentException">No clients, a client without samples, or an index outside x.</exception>
    /// <exception cref="ShapeMismatchException">x and y have different sample counts.</exception>
    public FederatedAveraging(Model model, Tensor x, Tensor y, IReadOnlyList<int[]> clients, Loss loss, FederatedOptions options, DistributedStrategy? strategy = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (x.Shape[0] != y.Shape[0])
            throw new ShapeMismatchException($"FederatedAveraging: x has {x.Shape[0]} samples {x.Shape}, y {y.Shape[0]} {y.Shape}.");
        if (clients.Count == 0) throw new ArgumentException("FederatedAveraging: no clients.", nameof(clients));
        for (int k = 0; k < clients.Count; k++)
        {
            if (clients[k] is not { Length: > 0 } c) throw new ArgumentException($"FederatedAveraging: client {k} has no samples.", nameof(clients));
            foreach (int i in c)
                if ((uint)i >= (uint)x.Shape[0])
                    throw new ArgumentException($"FederatedAveraging: client {k} names sample {i}, outside x's {x.Shape[0]} samples.", nameof(clients));
        }
        (_model, _x, _y, _options) = (model, x, y, options);
        _clients = [.. clients];
        _communicator = strategy?.Communicator ?? LocalCommunicator.Instance;

        if (!model.IsBuilt) model.Build(new Shape(x.Shape.Dims[1..].ToArray()));
        model.Compile(new Sgd(options.LearningRate), loss, [new Accuracy()]);
        _parameters = [.. model.Parameters];
        int offset = 0;
        foreach (var p in _parameters)
        {
            _offsets[p] = offset;
            offset = checked(offset + p.Value.Span.Length);
        }
        ParameterCount = offset;
        _global = new float[offset];
        ReadWeights(_global);
        // Rank 0's initial weights for every rank, whatever each one's seed drew.
        _communicator.Broadcast<float>(_global, root: 0);
        WriteWeights(_global);
        _server = new ServerUpdate(options);
        // Layers with generators of their own (Dropout forks one when built): reseeded for each client in TrainClient.
        _layerGenerators = [.. model.Layers.SelectMany(l => l.SelfAndSublayers()).Select(l => l.TrainingGenerator).OfType<RandomGenerator>()];
        if (options.DifferentiallyPrivate)
            _accountant = new RdpAccountant((double)ClientsPerRound / _clients.Length, options.DpNoiseMultiplier);
        if (options.ProximalMu > 0)
        {
            _proximal = new ProximalTerm(_offsets, options.ProximalMu);
            model.Trainer!.GradientHooks.Add(_proximal);
        }
    }

    /// <summary>K: the number of clients.</summary>
    public int ClientCount => _clients.Length;

    /// <summary>m: the clients each round trains, max(⌊C·K⌋, 1).</summary>
    public int ClientsPerRound => ClientSelection.PerRound(_clients.Length, _options.Fraction);

    /// <summary>The model's weights (trainable or not) in float32 values: what one client downloads or uploads.</summary>
    public int ParameterCount { get; }

    /// <summary>Bytes the protocol moves each round, down and up together: 2 × m × 4 × <see cref="ParameterCount"/>.</summary>
    public long BytesPerRound => 2L * ClientsPerRound * 4L * ParameterCount;

    /// <summary>The rounds run so far.</summary>
    public int Round => _round;

    /// <summary>
    /// With differential privacy: the ε of the rounds run so far at <see cref="FederatedOptions.DpDelta"/> (client-level:
    /// adding or removing one client's whole data), accounted as <see cref="Round"/> steps of the subsampled Gaussian mechanism
    /// with q = m / K and z = <see cref="FederatedOptions.DpNoiseMultiplier"/> (∞ when z = 0); null without differential privacy.
    /// </summary>
    public double? Epsilon => _accountant?.EpsilonAfter(_round, _options.DpDelta);

    /// <summary>
    /// Runs <paramref name="rounds"/> rounds (fewer when <paramref name="targetAccuracy"/> is reached),
    /// evaluating the global model on <paramref name="validationData"/> every <paramref name="evaluateEvery"/>
    /// rounds and after the last; the model holds the global weights afterwards. With a
    /// <paramref name="backup"/>, the run's state is saved between rounds and a run started again
    /// continues from its last checkpoint, to the same bits (see <see cref="FederatedBackup"/>).
    /// </summary>
    /// <param name="rounds">How many rounds at most, counted from this object's round when Fit starts (a resumed Fit counts the checkpoint's rounds of it as done).</param>
    /// <param name="validationData">Data to evaluate the global model on (e.g. the test set); null: none.</param>
    /// <param name="targetAccuracy">Stop after the first evaluated round whose accuracy reaches this; null: run every round.</param>
    /// <param name="evaluateEvery">Evaluate every this many rounds (1: each).</param>
    /// <param name="onRound">Called after each round run (on every rank) with its figures, e.g. to print them; not for the rounds a resumed Fit restores.</param>
    /// <param name="cancellationToken">Stops between rounds (with a backup, the checkpoint of the last round is kept).</param>
    /// <param name="backup">Where to checkpoint the run and resume it from; null: no checkpoints.</param>
    /// <returns>The figures of this Fit's rounds, a resumed Fit's restored rounds included.</returns>
    /// <exception cref="ArgumentOutOfRangeException">rounds or evaluateEvery is not positive.</exception>
    /// <exception cref="DeepSharpException">The backup's folder is in use by another run, or its checkpoint belongs to a run with other settings.</exception>
    /// <exception cref="DataFormatException">No checkpoint in the backup's folder can be read and verified.</exception>
    public IReadOnlyList<FederatedRound> Fit(int rounds, (Tensor X, Tensor Y)? validationData = null, double? targetAccuracy = null,
        int evaluateEvery = 1, Action<FederatedRound>? onRound = null, CancellationToken cancellationToken = default, FederatedBackup? backup = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rounds);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(evaluateEvery);
        var history = new List<FederatedRound>();
        int fitStart = _round;
        bool writes = _communicator.Rank == 0;
        bool Reached(FederatedRound r) => targetAccuracy is { } target && r.ValidationAccuracy >= target;
        try
        {
            if (backup?.Begin(writes, CheckpointSettings(fitStart, validationData, evaluateEvery)) is { } checkpoint)
            {
                Restore(checkpoint);
                history.AddRange(checkpoint.History);
            }
            int saved = history.Count;
            bool stopped = history.Any(Reached);
            for (int r = history.Count; r < rounds && !stopped && !cancellationToken.IsCancellationRequested; r++)
            {
                bool evaluate = validationData is not null && ((r + 1) % evaluateEvery == 0 || r == rounds - 1);
                var result = RunRound(evaluate ? validationData : null);
                history.Add(result);
                onRound?.Invoke(result);
                stopped = Reached(result);
                if (backup is not null && writes && ((r + 1) % backup.SaveEveryNRounds == 0 || r == rounds - 1 || stopped || cancellationToken.IsCancellationRequested))
                {
                    backup.Save(Capture(fitStart, history, backup.Settings!));
                    saved = history.Count;
                }
            }
            if (backup is not null)
            {
                if (cancellationToken.IsCancellationRequested && history.Count < rounds && !stopped)
                {
                    if (writes && saved != history.Count) backup.Save(Capture(fitStart, history, backup.Settings!));
                }
                else backup.Finish(writes);
            }
        }
        finally
        {
            backup?.End();
        }
        return history;
    }

    /// <summary>What a checkpoint of this run records and a resumed run must share (beside the caller's run settings).</summary>
    private SortedDictionary<string, string> CheckpointSettings(int fitStart, (Tensor X, Tensor Y)? validationData, int evaluateEvery)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var o = _options;
        string Hash(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))[..16];
        var partition = new List<byte>();
        foreach (var client in _clients)
        {
            partition.AddRange(BitConverter.GetBytes(client.Length));
            foreach (int i in client) partition.AddRange(BitConverter.GetBytes(i));
        }
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["fraction"] = o.Fraction.ToString("R", inv),
            ["local_epochs"] = o.LocalEpochs.ToString(inv),
            ["local_batch"] = o.LocalBatchSize.ToString(inv),
            ["learning_rate"] = o.LearningRate.ToString("R", inv),
            ["prox_mu"] = o.ProximalMu.ToString("R", inv),
            ["server"] = o.ServerOptimizer switch
            {
                ServerOptimizer.Momentum => string.Create(inv, $"momentum lr {o.ServerLearningRate:R} beta {o.ServerMomentum:R}"),
                ServerOptimizer.Adam => string.Create(inv, $"adam lr {o.ServerLearningRate:R} beta1 {o.ServerBeta1:R} beta2 {o.ServerBeta2:R} epsilon {o.ServerEpsilon:R}"),
                _ => "average",
            },
            ["seed"] = o.Seed.ToString(inv),
            ["clients"] = _clients.Length.ToString(inv),
            ["partition"] = Hash([.. partition]),
            ["data"] = $"x {_x.Shape}, y {_y.Shape}",
            ["validation"] = validationData is { } v ? $"x {v.X.Shape}, y {v.Y.Shape}" : "none",
            ["evaluate_every"] = evaluateEvery.ToString(inv),
            ["model"] = Hash(System.Text.Encoding.UTF8.GetBytes(_model.ArchitectureJson().ToJsonString())),
            ["weights"] = ParameterCount.ToString(inv),
            ["fit_start_round"] = fitStart.ToString(inv),
        };
        // Only when on, so that the checkpoints of runs without it keep their settings.
        if (o.DifferentiallyPrivate) settings["dp"] = string.Create(inv, $"clip {o.DpClipNorm:R} noise {o.DpNoiseMultiplier:R} delta {o.DpDelta:R}");
        return settings;
    }

    private FederatedCheckpoint Capture(int fitStart, List<FederatedRound> history, SortedDictionary<string, string> settings) => new()
    {
        Round = _round,
        FitStartRound = fitStart,
        Global = (float[])_global.Clone(),
        ServerM = _server.M,
        ServerV = _server.V,
        History = [.. history],
        Settings = settings,
    };

    private void Restore(FederatedCheckpoint c)
    {
        if (c.Global.Length != ParameterCount)
            throw new DataFormatException($"Federated checkpoint: it holds {c.Global.Length} global weights; the model has {ParameterCount}.");
        // Each weight checked as a model file's are (integer weights, quantization scales) before anything changes.
        ModelWeights.CheckValues([.. _parameters.Select(p => (p, c.Global.AsSpan(_offsets[p], p.Value.Size).ToArray()))], "Federated checkpoint");
        _server.Restore(c.ServerM, c.ServerV, ParameterCount);
        c.Global.CopyTo(_global, 0);
        WriteWeights(_global);
        _round = c.Round;
    }

    /// <summary>One communication round; evaluates the new global model on <paramref name="validationData"/> when given.</summary>
    /// <param name="validationData">Data to evaluate the global model on after the round; null: none.</param>
    public FederatedRound RunRound((Tensor X, Tensor Y)? validationData = null)
    {
        var clock = Stopwatch.StartNew();
        int[] chosen = ClientSelection.Choose(_clients.Length, _options.Fraction, _options.Seed, _round);
        int ranks = _communicator.Size, rank = _communicator.Rank;
        int slots = (chosen.Length + ranks - 1) / ranks;
        int stride = ParameterCount + 2; // the weights, then the client's loss sum and step count
        var send = new float[slots * stride];
        // Client j of the round trains on rank j mod W, in its slot j / W.
        for (int j = rank; j < chosen.Length; j += ranks)
            TrainClient(chosen[j], send.AsSpan(j / ranks * stride, stride));
        float[] all = ranks == 1 ? send : new float[(long)ranks * slots * stride is var n && n <= int.MaxValue ? (int)n
            : throw new InvalidOperationException($"FederatedAveraging: {chosen.Length} clients × {ParameterCount} weights do not fit one gather.")];
        if (ranks > 1) _communicator.Allgather<float>(send, all);

        var weights = new ReadOnlyMemory<float>[chosen.Length];
        var counts = new long[chosen.Length];
        double lossSum = 0, steps = 0;
        long samples = 0;
        for (int j = 0; j < chosen.Length; j++)
        {
            int at = ((j % ranks) * slots + j / ranks) * stride;
            weights[j] = all.AsMemory(at, ParameterCount);
            counts[j] = _clients[chosen[j]].Length;
            samples += counts[j];
            lossSum += all[at + ParameterCount];
            steps += all[at + ParameterCount + 1];
        }
        var average = new float[ParameterCount];
        int? clipped = null;
        if (_options.DifferentiallyPrivate)
            clipped = PrivateAverage.Compute(weights, _global, _options.DpClipNorm, _options.DpNoiseMultiplier,
                FederatedSeeds.Derive(_options.Seed, FederatedSeeds.Stream.DpNoise, _round), average);
        else WeightedAverage.Compute(weights, counts, average);
        _server.Apply(_global, average);
        WriteWeights(_global);
        _round++;

        double? valLoss = null, valAccuracy = null;
        if (validationData is { } v)
        {
            var logs = _model.Evaluate(v.X, v.Y, batchSize: 500);
            (valLoss, valAccuracy) = (logs["loss"], logs["accuracy"]);
        }
        long bytes = (long)chosen.Length * 4L * ParameterCount;
        return new FederatedRound(_round, chosen, samples, steps > 0 ? lossSum / steps : double.NaN, valLoss, valAccuracy, bytes, bytes, clock.Elapsed.TotalSeconds,
            Epsilon, clipped);
    }

    /// <summary>
    /// Client <paramref name="client"/>'s local training from the global weights: E epochs of SGD over
    /// its samples in a shuffled order of its own seed; writes its weights, loss sum and step count into <paramref name="slot"/>.
    /// </summary>
    private void TrainClient(int client, Span<float> slot)
    {
        WriteWeights(_global);
        _proximal?.SetAnchor(_global);
        // The client's own draws (shuffles, and any dropout or augmentation), whichever rank trains it.
        long clientSeed = FederatedSeeds.Derive(_options.Seed, FederatedSeeds.Stream.LocalTraining, _round, client);
        RandomGenerator.SetGlobalSeed(clientSeed);
        for (int k = 0; k < _layerGenerators.Length; k++)
            _layerGenerators[k].SetState(new RandomGenerator(FederatedSeeds.Derive(clientSeed, FederatedSeeds.Stream.LayerDraws, k)).GetState());
        var random = new Random(FederatedSeeds.ForRandom(_options.Seed, FederatedSeeds.Stream.LocalTraining, _round, client));
        int[] order = (int[])_clients[client].Clone();
        int batch = _options.LocalBatchSize == 0 ? order.Length : Math.Min(_options.LocalBatchSize, order.Length);
        double lossSum = 0;
        int steps = 0;
        for (int epoch = 0; epoch < _options.LocalEpochs; epoch++)
        {
            ClientPartition.Shuffle(order, random);
            for (int start = 0; start < order.Length; start += batch)
            {
                var rows = order.AsSpan(start, Math.Min(batch, order.Length - start));
                var logs = _model.TrainOnBatch(_x.GatherRows(rows), _y.GatherRows(rows));
                lossSum += logs["loss"];
                steps++;
            }
        }
        foreach (var p in _parameters)
            foreach (float w in p.Value.Span)
                if (!float.IsFinite(w))
                    throw new FederatedDivergenceException(_round + 1, client, p.Path, w, _options.LearningRate);
        ReadWeights(slot[..ParameterCount]);
        slot[ParameterCount] = (float)lossSum;
        slot[ParameterCount + 1] = steps;
    }

    private void ReadWeights(Span<float> flat)
    {
        foreach (var p in _parameters) p.Value.Span.CopyTo(flat.Slice(_offsets[p], p.Value.Span.Length));
    }

    private void WriteWeights(ReadOnlySpan<float> flat)
    {
        foreach (var p in _parameters) flat.Slice(_offsets[p], p.Value.Span.Length).CopyTo(p.Value.Span);
    }
}
