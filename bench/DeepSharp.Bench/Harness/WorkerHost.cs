using DeepSharp.Bench.Models;
using DeepSharp.Bench.Workloads;

namespace DeepSharp.Bench.Harness;

/// <summary>
/// The worker end: a process that holds one framework (DeepSharp or libtorch), loads MNIST and the
/// seed model once, then runs the orchestrator's commands one at a time and reports measurements.
/// </summary>
internal sealed class WorkerHost
{
    private readonly string _framework;
    private DeepSharpSide? _deepSharp;
    private TorchSide? _torch;

    private WorkerHost(string framework) => _framework = framework;

    public static int Run(string framework)
    {
        if (framework is not ("deepsharp" or "torch"))
        {
            Console.Error.WriteLine($"Unknown worker framework '{framework}' (expected deepsharp or torch).");
            return 2;
        }
        var protocol = Console.Out;
        Console.SetOut(Console.Error);   // stray prints must not corrupt the protocol
        var host = new WorkerHost(framework);
        while (Console.In.ReadLine() is { } line)
        {
            var tokens = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length == 0) continue;
            if (tokens[0] == "quit") break;
            string answer;
            try { answer = host.Handle(tokens[0], Args.Parse(tokens.AsSpan(1))).Format(); }
            catch (Exception e) { answer = "@error " + e.ToString().ReplaceLineEndings(" | "); }
            protocol.WriteLine(answer);
            protocol.Flush();
        }
        return 0;
    }

    private Reply Handle(string verb, Args a) => verb switch
    {
        "init" => Init(a),
        "train" => _deepSharp is { } d ? TrainingWorkload.DeepSharp(d, a) : TrainingWorkload.Torch(Torch, a),
        "evaluate" => _deepSharp is { } d ? TrainingWorkload.EvaluateDeepSharp(d) : TrainingWorkload.EvaluateTorch(Torch),
        "gemm" => _deepSharp is not null ? SgemmWorkload.DeepSharp(a) : SgemmWorkload.Torch(a),
        "conv" => _deepSharp is not null ? ConvWorkload.DeepSharp(a) : ConvWorkload.Torch(a),
        "conv3d" => _deepSharp is not null ? Conv3DWorkload.DeepSharp(a) : Conv3DWorkload.Torch(a),
        "infer" => _deepSharp is { } d ? InferenceWorkload.DeepSharp(d, a) : InferenceWorkload.Torch(Torch, a),
        "chargpt" => _deepSharp is not null ? CharGptWorkload.DeepSharp(a) : CharGptWorkload.Torch(a),
        "growconv" => _deepSharp is not null ? GrowthWorkload.DeepSharp(a) : GrowthWorkload.Torch(a),
        "lstm" => _deepSharp is not null ? LstmWorkload.DeepSharp(a) : LstmWorkload.Torch(a),
        "convnet" => _deepSharp is { } d ? ConvnetAccuracyWorkload.DeepSharp(d, a) : ConvnetAccuracyWorkload.Torch(Torch, a),
        "int8" => _deepSharp is { } d ? Int8Workload.DeepSharp(d, a) : new Reply(),
        "convnetaug" => _deepSharp is { } d ? ConvnetAugWorkload.DeepSharp(d, a) : ConvnetAugWorkload.Torch(Torch, a),
        "profile" => _deepSharp is { } d ? StepProfileWorkload.DeepSharp(d, a) : new Reply(),
        "alloc" => _deepSharp is { } d ? AllocationWorkload.DeepSharp(d, a) : AllocationWorkload.Torch(Torch, a),
        _ => throw new ArgumentException($"Unknown command '{verb}'."),
    };

    /// <summary>
    /// Returns what set-up left behind (the libtorch worker's managed copy of MNIST and its DeepSharp
    /// twin model) to the OS, so that it does not count in the working set of (f).
    /// </summary>
    private static void ReleaseGarbage()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    private TorchSide Torch => _torch ?? throw new InvalidOperationException("Send init first.");

    private Reply Init(Args a)
    {
        int seed = a.Int("seed"), threads = a.Int("threads");
        var reply = new Reply();
        double seconds = Timing.Seconds(() =>
        {
            if (_framework == "deepsharp") _deepSharp = DeepSharpSide.Create(seed, threads);
            else _torch = TorchSide.Create(seed, threads);
            ReleaseGarbage();
        });
        reply["seconds"] = seconds;
        reply.Note = _torch?.InitCheck;
        return reply;
    }
}
