using System.Globalization;
using DeepSharp.Distributed;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.DistributedHost;

/// <summary>The host's commands (see <see cref="HostArguments"/>).</summary>
internal static class HostCommands
{
    public static int Run(string[] args)
    {
        var a = new HostArguments(args);
        return a.Command switch
        {
            "train" => Train(a),
            "errors" => Errors(),
            "mismatch" => Mismatch(a),
            "train-on-batch" => TrainOnBatch(),
            "federated" => FederatedHostCommand.Run(a),
            _ => Usage(a.Command),
        };
    }

    private static int Usage(string command)
    {
        Console.Error.WriteLine($"unknown command '{command}'; use train, errors or mismatch");
        return 2;
    }

    private static int Train(HostArguments a)
    {
        string mode = a.Text("mode", "deterministic");
        var strategy = mode switch
        {
            "deterministic" => DistributedStrategy.FromEnvironment(GradientReduction.Deterministic, a.Int("chunk", DistributedStrategy.DefaultChunkSize), a.Long("bucket-bytes", DistributedStrategy.DefaultBucketBytes))
                .WithOptimizerSharding(a.Int("shard-optimizer", 0) != 0)
                .WithExchange(a.Text("exchange", "auto") switch
                {
                    "auto" => DeterministicExchange.Auto,
                    "all-gather" => DeterministicExchange.AllGather,
                    "reduce-scatter" => DeterministicExchange.ReduceScatter,
                    var other => throw new ArgumentException($"unknown exchange '{other}'"),
                }),
            "fast" => DistributedStrategy.FromEnvironment(GradientReduction.Fast, bucketBytes: a.Long("bucket-bytes", DistributedStrategy.DefaultBucketBytes)),
            "plain" => null,
            _ => throw new ArgumentException($"unknown mode '{mode}'"),
        };
        int rank = strategy?.Rank ?? 0;
        string outDir = a.Text("out", ".");
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, $"pid-rank{rank}"), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        // A rank's own seed may differ: the broadcast at Fit's start must make the ranks agree anyway.
        RandomGenerator.SetGlobalSeed(a.Long("seed", 7) + (a.Int("seed-per-rank", 0) != 0 ? 1000 * rank : 0));
        DeepSharp.Threads.Count = 1;

        int steps = a.Int("steps", 20), batch = a.Int("batch", 128);
        var (x, y) = SyntheticImages(steps * batch, a.Text("model", "seed") is "small" or "recurrent" or "constrained" ? 12 : 28);
        // --global-clip-norm: the optimizer needs the whole gradient (a split update then adds it all up on every rank).
        float? clip = a.Text("global-clip-norm", "") is { Length: > 0 } c ? float.Parse(c, CultureInfo.InvariantCulture) : null;
        // --gradient-accumulation N: the accumulators add up whole gradients (a split update then adds it all up on every rank).
        int? accumulation = a.Int("gradient-accumulation", 0) is > 1 and int n ? n : null;
        var model = Build(a.Text("model", "seed"), extra: 0, clip, accumulation);
        if (strategy is not null) model.Distribute(strategy);
        var callbacks = new List<Callback>();
        int failRank = a.Int("fail-rank", -1), failStep = a.Int("fail-step", -1), slowMs = a.Int("slow-ms", 0);
        if (failRank >= 0 || slowMs > 0) callbacks.Add(new StepProbe(rank, failRank, failStep, slowMs));
        var memory = new OptimizerMemory(model);
        callbacks.Add(memory);
        if (a.Text("checkpoint-dir", "") is { Length: > 0 } checkpoints)
        {
            var backup = new BackupAndRestore(checkpoints, a.Int("checkpoint-every", 0));
            backup.Resumed += r => Console.WriteLine($"rank {rank} resumed at step {r.Step} from {Path.GetFileName(r.Path)}");
            callbacks.Add(backup);
        }
        // After the checkpoint's callback: the state a rank holds while a checkpoint is written (sharded: rank 0 alone gathers it whole).
        var memoryAtCheckpoints = new OptimizerMemory(model);
        callbacks.Add(memoryAtCheckpoints);
        (Tensor, Tensor)? validation = a.Int("validation", 0) is > 0 and int held ? SyntheticImages(held, a.Text("model", "seed") is "small" or "recurrent" or "constrained" ? 12 : 28, seed: 43) : null;
        // --interruptible 1: SIGINT stops Fit at a step boundary (as the CLI's Ctrl-C), agreed by every rank.
        using var stop = new CancellationTokenSource();
        using var signal = a.Int("interruptible", 0) != 0 ? System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        }) : null;
        History history;
        try
        {
            history = model.Fit(x, y, batchSize: batch, epochs: a.Int("epochs", 1), verbose: 0, callbacks: callbacks, validationData: validation, cancellationToken: stop.Token);
        }
        catch (TrainingCanceledException e)
        {
            Console.WriteLine($"rank {rank} stopped after step {e.Step}");
            return 3;
        }

        using (var file = File.Create(Path.Combine(outDir, $"weights-rank{rank}.bin")))
            foreach (var p in model.Parameters)
                foreach (float v in p.Value.Span) file.Write(BitConverter.GetBytes(v));
        // The optimizer's state after Fit (whole again when it was sharded), and the most it held during Fit.
        using (var file = File.Create(Path.Combine(outDir, $"optimizer-rank{rank}.bin")))
            foreach (var (key, tensor) in model.Optimizer!.GetState().Tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                file.Write(System.Text.Encoding.UTF8.GetBytes(key));
                foreach (float v in tensor.Span) file.Write(BitConverter.GetBytes(v));
            }
        File.WriteAllText(Path.Combine(outDir, $"optimizer-floats-rank{rank}.txt"), memory.Peak.ToString(CultureInfo.InvariantCulture));
        File.WriteAllText(Path.Combine(outDir, $"optimizer-floats-checkpoint-rank{rank}.txt"), memoryAtCheckpoints.Peak.ToString(CultureInfo.InvariantCulture));
        File.WriteAllLines(Path.Combine(outDir, $"loss-rank{rank}.txt"),
            history.Values.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + " " + string.Join(" ", kv.Value.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))));
        if (rank == 0) Console.WriteLine($"trained {steps} steps of {batch} on {strategy?.ToString() ?? "one process, plain Fit"}");
        if (rank == 0 && strategy?.ExchangeChoice is { } choice) Console.WriteLine($"exchange: {choice}");
        // Whether this process mapped MPICH's library: only a job under mpiexec may.
        bool loaded = File.Exists("/proc/self/maps") && File.ReadAllText("/proc/self/maps").Contains(MpiNative.LibraryName, StringComparison.Ordinal);
        if (rank == 0) Console.WriteLine($"mpi loaded: {(loaded ? "yes" : "no")}");
        return 0;
    }

    /// <summary>Rank 1's model has one more unit than rank 0's: Fit must refuse it on every rank.</summary>
    private static int Mismatch(HostArguments a)
    {
        var strategy = DistributedStrategy.FromEnvironment();
        var (x, y) = SyntheticImages(64, 12);
        var model = Build("small", extra: strategy.Rank);
        model.Distribute(strategy);
        model.Fit(x, y, batchSize: 32, epochs: 1, verbose: 0);
        Console.WriteLine($"rank {strategy.Rank}: trained although the models differ");
        return 0;
    }

    /// <summary>TrainOnBatch on a model distributed over several ranks is refused on every rank.</summary>
    private static int TrainOnBatch()
    {
        var strategy = DistributedStrategy.FromEnvironment();
        var (x, y) = SyntheticImages(32, 12);
        var model = Build("small", extra: 0);
        model.Distribute(strategy);
        try
        {
            model.TrainOnBatch(x, y);
            Console.WriteLine($"rank {strategy.Rank}: TrainOnBatch trained");
            return 1;
        }
        catch (InvalidOperationException e)
        {
            Console.WriteLine($"rank {strategy.Rank}: {e.Message}");
            return 0;
        }
    }

    /// <summary>Wrong calls into MPI: each must come back as an MpiException carrying MPI's error string.</summary>
    private static unsafe int Errors()
    {
        var strategy = DistributedStrategy.Mpi();
        Console.WriteLine($"library: {strategy.LibraryVersion?.Split('\n')[0]}");
        int failures = 0;
        void Expect(string what, Action call)
        {
            try
            {
                call();
                Console.WriteLine($"{what}: no exception");
                failures++;
            }
            catch (MpiException e)
            {
                Console.WriteLine($"{what}: {e.Message}");
            }
        }
        var buffer = new float[4];
        Expect("bcast-root", () => strategy.Communicator.Broadcast<float>(buffer, root: strategy.WorldSize + 3));
        Expect("allgather-count", () =>
        {
            fixed (float* p = buffer) DeepSharp.Distributed.Mpi.Allgather(p, -1, MpiNative.Float, p, -1, MpiNative.Float, MpiNative.CommWorld);
        });
        Expect("iallgather-count", () =>
        {
            fixed (float* p = buffer) DeepSharp.Distributed.Mpi.Iallgather(p, -1, MpiNative.Float, p, -1, MpiNative.Float, MpiNative.CommWorld);
        });
        Expect("ialltoallv-count", () =>
        {
            int* counts = stackalloc int[] { -1 };
            int* displacements = stackalloc int[] { 0 };
            fixed (float* p = buffer) DeepSharp.Distributed.Mpi.Ialltoallv(p, counts, displacements, MpiNative.Float, p + 2, counts, displacements, MpiNative.Float, MpiNative.CommWorld);
        });
        Expect("iallgatherv-datatype", () =>
        {
            int* counts = stackalloc int[] { 2 };
            int* displacements = stackalloc int[] { 0 };
            fixed (float* p = buffer) DeepSharp.Distributed.Mpi.Iallgatherv(MpiNative.InPlace, 0, MpiNative.Float, p, counts, displacements, 0x0bad0bad, MpiNative.CommWorld);
        });
        Expect("gather-root", () => strategy.Communicator.Gather<float>(buffer, new float[4 * strategy.WorldSize], root: strategy.WorldSize + 3));
        Expect("bad-communicator", () => DeepSharp.Distributed.Mpi.Barrier(0x12345678));
        Expect("allreduce-datatype", () =>
        {
            fixed (float* p = buffer) DeepSharp.Distributed.Mpi.Allreduce(MpiNative.InPlace, p, 4, 0x0bad0bad, MpiNative.Sum, MpiNative.CommWorld);
        });
        Console.WriteLine($"error string of code 1: {DeepSharp.Distributed.Mpi.ErrorString(1)}");
        return failures == 0 ? 0 : 1;
    }

    /// <summary>Random images and one-hot labels from a fixed seed (the same on every rank).</summary>
    private static (Tensor X, Tensor Y) SyntheticImages(int count, int side, int seed = 42)
    {
        var random = new Random(seed);
        var x = Tensor.Zeros(new Shape(count, side, side, 1));
        var xs = x.Span;
        for (int i = 0; i < xs.Length; i++) xs[i] = (float)random.NextDouble();
        var y = Tensor.Zeros(new Shape(count, 10));
        var ys = y.Span;
        for (int i = 0; i < count; i++) ys[i * 10 + random.Next(10)] = 1f;
        return (x, y);
    }

    /// <summary>seed: the seed's CNN; small: a small CNN on 12×12 images; random: dropout, a random flip and batch normalization; recurrent: an LSTM with dropout.</summary>
    private static Sequential Build(string name, int extra, float? globalClipNorm = null, int? gradientAccumulation = null)
    {
        var model = name switch
        {
            "seed" => new Sequential(
                new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]),
                new MaxPooling2D((2, 2)),
                new Flatten(),
                new Dense(128, Activation.Relu),
                new Dense(10, Activation.Softmax)),
            "small" => new Sequential(
                new Conv2D(4, (3, 3), activation: Activation.Relu, inputShape: [12, 12, 1]),
                new MaxPooling2D((2, 2)),
                new Flatten(),
                new Dense(16 + extra, Activation.Relu),
                new Dense(10, Activation.Softmax)),
            "random" => new Sequential(
                new RandomFlip("horizontal", inputShape: [28, 28, 1]),
                new Conv2D(8, (3, 3), activation: Activation.Relu),
                new BatchNormalization(),
                new MaxPooling2D((2, 2)),
                new Flatten(),
                new Dropout(0.3f),
                new Dense(32, Activation.Relu),
                new Dense(10, Activation.Softmax)),
            // A max-norm constraint on a kernel: applied to whole weights after the update, so the ranks keep their own copies.
            "constrained" => new Sequential(
                new Conv2D(4, (3, 3), activation: Activation.Relu, inputShape: [12, 12, 1]),
                new MaxPooling2D((2, 2)),
                new Flatten(),
                new Dense(16, Activation.Relu, kernelConstraint: new DeepSharp.Nn.Constraints.MaxNorm(0.5f)),
                new Dense(10, Activation.Softmax)),
            // Dropout inside an LSTM draws from a generator the layer makes when it is built.
            "recurrent" => new Sequential(
                new Reshape([12, 12], inputShape: [12, 12, 1]),
                new Lstm(8, dropout: 0.25f, recurrentDropout: 0.25f),
                new Dense(10, Activation.Softmax)),
            _ => throw new ArgumentException($"unknown model '{name}'"),
        };
        model.Compile(new Adam { GlobalClipNorm = globalClipNorm, GradientAccumulationSteps = gradientAccumulation }, new CategoricalCrossentropy(), [new Accuracy()]);
        return model;
    }

    /// <summary>The most optimizer state (floats) the model's optimizer held at a step's end.</summary>
    private sealed class OptimizerMemory(Sequential model) : Callback
    {
        public long Peak { get; private set; }

        public override void OnTrainBatchEnd(int step, IReadOnlyDictionary<string, double> logs) => Peak = Math.Max(Peak, model.Optimizer!.StateFloats);
    }

    /// <summary>Fails on one rank at one step, or slows every step (so a test can kill a rank mid-run).</summary>
    private sealed class StepProbe(int rank, int failRank, int failStep, int slowMs) : Callback
    {
        public override void OnTrainBatchBegin(int step)
        {
            if (rank == failRank && step == failStep) throw new InvalidOperationException($"injected failure at step {step}");
            if (slowMs > 0) Thread.Sleep(slowMs);
        }
    }
}
