using System.Globalization;

namespace DeepSharp.Bench.Harness;

/// <summary>Command-line options of the bench.</summary>
internal sealed record BenchOptions
{
    public bool Quick { get; init; }
    public int Threads { get; init; } = 2;
    public int Seed { get; init; } = 42;
    /// <summary>Training rounds (epochs, or partial epochs in quick mode); the first includes JIT.</summary>
    public int TrainRounds { get; init; }
    public int QuickSteps { get; init; } = 100;
    /// <summary>Timed rounds per kernel/inference workload, after one warm-up round.</summary>
    public int Reps { get; init; }
    /// <summary>Minimum seconds of repeated calls inside one kernel measurement.</summary>
    public double MinSeconds { get; init; }
    public bool WithDefaultReference { get; init; } = true;
    /// <summary>Adds a libtorch worker whose OpenMP threads sleep at once when idle (OMP_WAIT_POLICY=PASSIVE) instead of spinning.</summary>
    public bool WithPassiveReference { get; init; }
    /// <summary>Runs one framework alone ("deepsharp" or "torch"): no other worker process exists meanwhile.</summary>
    public string? Solo { get; init; }
    public HashSet<char> Only { get; init; } = [.. "abcdefgh"];
    /// <summary>Seeds of (i), one training run per framework each (default: <see cref="Seed"/>).</summary>
    public IReadOnlyList<int> Seeds => _seeds ?? [Seed];
    private IReadOnlyList<int>? _seeds;
    /// <summary>Epochs of (i): Keras's mnist_convnet trains 15.</summary>
    public int ConvnetEpochs { get; init; } = 15;
    /// <summary>Layers of (c) to run, by name (all when null).</summary>
    public HashSet<string>? ConvLayers { get; init; }
    /// <summary>Model that (p) profiles: "convnet" (Keras's mnist_convnet), "convnet-aug" (bench (j)'s model), "chargpt" (bench (g)'s) or "seed" (bench (a)'s).</summary>
    public string ProfileModel { get; init; } = "convnet";

    public const string Usage = """
        DeepSharp.Bench: DeepSharp against libtorch (TorchSharp-cpu) on the seed CNN and its kernels.
          --quick            under 2 minutes: partial epochs (100 steps), fewer repetitions
          --epochs N         training rounds (default 10 full epochs; quick: 4 partial epochs)
          --reps N           timed rounds per kernel/inference workload (default 7; quick: 3)
          --threads N        threads for both frameworks (default 2)
          --seed N           initial weights and shuffling (default 42)
          --only LETTERS     workloads to run, e.g. --only ab (a train, b sgemm, c conv, d inference,
                             e allocation, f working set, g char-GPT training step, h LSTM layer;
                             f comes with a; i, Keras's mnist_convnet accuracy, j, convnet-aug
                             training steps, p, the mnist_convnet step profile (DeepSharp only),
                             q, int8 inference against ONNX Runtime, and v, Conv3D layers, only when named)
          --seeds A,B,...    seeds of (i) (default: --seed)
          --convnet-epochs N epochs of (i) (default 15, as Keras's example)
          --conv-layers A,B  layers of (c) to run (seed, convnet2, aug2, narrow8, narrow16, s2a, s2b, pw1, pw2; default all)
          --profile-model M  model of (p): convnet (default), convnet-aug (the model of j), chargpt (of g) or seed (of a)
          --no-default       skip the libtorch run with glibc's default allocator settings
          --torch-passive    add a libtorch run (tuned allocator) with OMP_WAIT_POLICY=PASSIVE: its OpenMP
                             threads block at once instead of spinning (libtorch's best setting on a busy machine)
          --solo deepsharp|torch  with --only g, h or gh: start only that framework's worker (no ratios), each side alone on the machine
        Other modes: --growth --out DIR (one conv layer against batch and width, CSV + PNG; --growth --help),
        --self-check (FLOP counts, CSV and PNG writing), --mpi, serving.
        """;

    public static BenchOptions Parse(string[] args)
    {
        bool quick = args.Contains("--quick");
        var o = new BenchOptions { Quick = quick, TrainRounds = quick ? 4 : 10, Reps = quick ? 3 : 7, MinSeconds = quick ? 0.15 : 0.4 };
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--quick" => o,
                "--epochs" => o with { TrainRounds = NextInt() },
                "--reps" => o with { Reps = NextInt() },
                "--threads" => o with { Threads = NextInt() },
                "--seed" => o with { Seed = NextInt() },
                "--only" => o with { Only = [.. Next()] },
                "--no-default" => o with { WithDefaultReference = false },
                "--torch-passive" => o with { WithPassiveReference = true },
                "--solo" => o with { Solo = Next() is "deepsharp" or "torch" ? args[i] : throw new ArgumentException("--solo is deepsharp or torch.") },
                "--seeds" => o with { _seeds = [.. Next().Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture))] },
                "--convnet-epochs" => o with { ConvnetEpochs = NextInt() },
                "--conv-layers" => o with { ConvLayers = [.. Next().Split(',')] },
                "--profile-model" => o with { ProfileModel = Next() is "convnet" or "convnet-aug" or "chargpt" or "seed" ? args[i] : throw new ArgumentException("--profile-model is convnet, convnet-aug, chargpt or seed.") },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'."),
            };
        }
        if (o.Solo is not null && (o.Only.Count == 0 || !o.Only.IsSubsetOf("gh")))
            throw new ArgumentException("--solo runs the char-GPT and LSTM workloads only: use it with --only g, h or gh.");
        if (o.TrainRounds < 1 || o.Reps < 1 || o.Threads < 1 || o.ConvnetEpochs < 1)
            throw new ArgumentException("--epochs, --reps, --threads and --convnet-epochs must be positive.");
        return o;
    }
}
