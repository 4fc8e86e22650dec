using System.CommandLine;
using System.Globalization;
using DeepSharp.Federated;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// <c>deepsharp train mnist --federated [--clients 100] [--fraction 0.1] [--local-epochs 5] [--local-batch 10]
/// [--rounds R] [--partition iid|pathological] [--lr 0.1] [--prox-mu μ] [--server avg|momentum|adam]
/// [--server-lr η] [--server-momentum β] [--server-beta1 β₁] [--server-beta2 β₂] [--server-epsilon τ] [--target 0.99] [--eval-every 1]
/// [--dp-clip C] [--dp-noise z] [--dp-delta δ]</c>: the options of
/// <see cref="FederatedMnistCommand"/>, McMahan et al.'s settings by default.
/// </summary>
internal sealed class FederatedMnistOptions
{
    public Option<bool> Federated { get; } = new("--federated")
    {
        Description = "Federated averaging (McMahan et al. 2017) of the paper's MNIST CNN over simulated clients (or spread over mpiexec's ranks); see docs/applications.md.",
    };

    public Option<int> Clients { get; } = CommonOptions.Positive("--clients", "Federated: K, the number of clients the training set is split among.", 100);

    public Option<double> Fraction { get; } = new("--fraction")
    {
        Description = "Federated: C, the fraction of clients that train each round (at least one).",
        DefaultValueFactory = _ => 0.1,
    };

    public Option<int> LocalEpochs { get; } = CommonOptions.Positive("--local-epochs", "Federated: E, local passes over a client's data per round.", 5);

    public Option<int> LocalBatch { get; } = new("--local-batch")
    {
        Description = "Federated: B, the local minibatch; 0 = the client's whole data (with --local-epochs 1: FedSGD).",
        DefaultValueFactory = _ => 10,
    };

    public Option<int> Rounds { get; } = CommonOptions.Positive("--rounds", "Federated: communication rounds at most.", 50);

    public Option<string> Partition { get; } = new("--partition")
    {
        Description = "Federated: iid (600 random samples per client for K = 100) or pathological (sorted by label, 2 shards per client).",
        DefaultValueFactory = _ => "iid",
    };

    public Option<float> LearningRate { get; } = new("--lr")
    {
        Description = "Federated: the clients' plain-SGD learning rate.",
        DefaultValueFactory = _ => 0.1f,
    };

    public Option<float> ProximalMu { get; } = new("--prox-mu")
    {
        Description = "Federated: FedProx's μ (0: FedAvg).",
        DefaultValueFactory = _ => 0f,
    };

    public Option<string> Server { get; } = new("--server")
    {
        Description = "Federated: the server's update: avg (FedAvg), momentum (FedAvgM) or adam (FedAdam).",
        DefaultValueFactory = _ => "avg",
    };

    public Option<float> ServerLearningRate { get; } = new("--server-lr")
    {
        Description = "Federated: the server optimizer's learning rate (momentum, adam).",
        DefaultValueFactory = _ => 1f,
    };

    public Option<float> ServerMomentum { get; } = new("--server-momentum")
    {
        Description = "Federated: FedAvgM's β.",
        DefaultValueFactory = _ => 0.9f,
    };

    public Option<float> ServerBeta1 { get; } = new("--server-beta1")
    {
        Description = "Federated: FedAdam's β₁ (Reddi et al. 2021 use 0.9).",
        DefaultValueFactory = _ => 0.9f,
    };

    public Option<float> ServerBeta2 { get; } = new("--server-beta2")
    {
        Description = "Federated: FedAdam's β₂ (Reddi et al. 2021 use 0.99).",
        DefaultValueFactory = _ => 0.99f,
    };

    public Option<float> ServerEpsilon { get; } = new("--server-epsilon")
    {
        Description = "Federated: FedAdam's τ, the ε that bounds its adaptivity (Reddi et al. 2021: 1e-3).",
        DefaultValueFactory = _ => 1e-3f,
    };

    public Option<double> Target { get; } = new("--target")
    {
        Description = "Federated: stop at the first round whose test accuracy reaches this (0: run every round).",
        DefaultValueFactory = _ => 0.99,
    };

    public Option<float> DpClip { get; } = new("--dp-clip")
    {
        Description = "Federated, differential privacy: clip each client's update (its weights minus the global weights) to this L2 norm C, every client weighing the same (0: off).",
        DefaultValueFactory = _ => 0f,
    };

    public Option<float> DpNoise { get; } = new("--dp-noise")
    {
        Description = "Federated, differential privacy: the noise multiplier z; the server adds N(0, (zC)²) to the sum of the clipped updates each round (needs --dp-clip).",
        DefaultValueFactory = _ => 0f,
    };

    public Option<double> DpDelta { get; } = new("--dp-delta")
    {
        Description = "Federated, differential privacy: the δ at which each round's ε is printed (keep it below 1 / clients).",
        DefaultValueFactory = _ => 1e-5,
    };

    public Option<int> EvalEvery { get; } = CommonOptions.Positive("--eval-every", "Federated: evaluate the global model on the test set every N rounds.", 1);

    public FederatedMnistOptions()
    {
        Partition.AcceptOnlyFromAmong("iid", "pathological");
        Server.AcceptOnlyFromAmong("avg", "momentum", "adam");
        Fraction.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is var c && !(c > 0 && c <= 1)) r.AddError("--fraction must be in (0, 1].");
        });
        LocalBatch.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0) r.AddError("--local-batch must be 0 (the whole client data) or positive.");
        });
        foreach (var beta in new[] { ServerMomentum, ServerBeta1, ServerBeta2 })
            beta.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<float>() is var b && !(b >= 0 && b < 1)) r.AddError($"{r.Option.Name} must be in [0, 1).");
            });
        foreach (var positive in new[] { LearningRate, ServerLearningRate, ServerEpsilon })
            positive.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<float>() is var v && !(v > 0 && float.IsFinite(v))) r.AddError($"{r.Option.Name} must be positive.");
            });
        foreach (var dp in new[] { DpClip, DpNoise })
            dp.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<float>() is var v && !(v >= 0 && float.IsFinite(v))) r.AddError($"{r.Option.Name} must be 0 (off) or positive.");
            });
        DpDelta.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is var d && !(d > 0 && d < 1)) r.AddError("--dp-delta must be in (0, 1).");
        });
        Target.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is var t && !(t >= 0 && t <= 1)) r.AddError("--target must be in [0, 1].");
        });
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Federated, Clients, Fraction, LocalEpochs, LocalBatch, Rounds, Partition, LearningRate, ProximalMu, Server, ServerLearningRate, ServerMomentum, ServerBeta1, ServerBeta2, ServerEpsilon, Target, EvalEvery, DpClip, DpNoise, DpDelta })
            command.Options.Add(option);
    }

    /// <summary>The first federated-only option the command line gives (without --federated it would be ignored), or null.</summary>
    public string? GivenOption(System.CommandLine.Parsing.CommandResult result)
    {
        foreach (var option in new Option[] { Clients, Fraction, LocalEpochs, LocalBatch, Rounds, Partition, LearningRate, ProximalMu, Server, ServerLearningRate, ServerMomentum, ServerBeta1, ServerBeta2, ServerEpsilon, Target, EvalEvery, DpClip, DpNoise, DpDelta })
            if (result.GetResult(option) is { Implicit: false }) return option.Name;
        return null;
    }

    /// <summary>The library's options from the command line.</summary>
    public FederatedOptions Read(ParseResult result, long seed) => new()
    {
        Fraction = result.GetValue(Fraction),
        LocalEpochs = result.GetValue(LocalEpochs),
        LocalBatchSize = result.GetValue(LocalBatch),
        LearningRate = result.GetValue(LearningRate),
        ProximalMu = result.GetValue(ProximalMu),
        ServerOptimizer = result.GetValue(Server) switch
        {
            "momentum" => ServerOptimizer.Momentum,
            "adam" => ServerOptimizer.Adam,
            _ => ServerOptimizer.Average,
        },
        ServerLearningRate = result.GetValue(ServerLearningRate),
        ServerMomentum = result.GetValue(ServerMomentum),
        ServerBeta1 = result.GetValue(ServerBeta1),
        ServerBeta2 = result.GetValue(ServerBeta2),
        ServerEpsilon = result.GetValue(ServerEpsilon),
        DpClipNorm = result.GetValue(DpClip),
        DpNoiseMultiplier = result.GetValue(DpNoise),
        DpDelta = result.GetValue(DpDelta),
        Seed = seed,
    };

    /// <summary>The command line's federated settings, for the log.</summary>
    public string Describe(ParseResult result) => string.Create(CultureInfo.InvariantCulture,
        $"K={result.GetValue(Clients)} clients, {result.GetValue(Partition)} partition, at most {result.GetValue(Rounds)} rounds");
}
