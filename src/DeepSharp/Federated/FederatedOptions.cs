namespace DeepSharp.Federated;

/// <summary>
/// The settings of a federated run (McMahan et al.'s C, E, B, η) and of the improvements on it:
/// FedProx's proximal term (<see cref="ProximalMu"/>) and a server optimizer (FedAvgM, FedAdam).
/// The defaults are the paper's FedAvg on MNIST: C = 0.1, E = 5, B = 10, η = 0.1.
/// </summary>
public sealed class FederatedOptions
{
    /// <summary>C: the fraction of the clients that train in each round; at least one client always does. Default 0.1.</summary>
    public double Fraction { get; init; } = 0.1;

    /// <summary>E: passes over its own data each chosen client makes per round. Default 5.</summary>
    public int LocalEpochs { get; init; } = 5;

    /// <summary>
    /// B: the local minibatch size; 0 means B = ∞ (the client's whole data as one batch). FedSGD is
    /// E = 1, B = 0: one full-batch gradient step per client, then the average. Default 10.
    /// </summary>
    public int LocalBatchSize { get; init; } = 10;

    /// <summary>η: the clients' plain-SGD learning rate. Default 0.1.</summary>
    public float LearningRate { get; init; } = 0.1f;

    /// <summary>
    /// μ of FedProx (Li et al., 2020): each client minimises its loss + μ/2 ‖w − w_global‖², which
    /// keeps it near the round's global weights on non-IID data. 0 (default) is FedAvg.
    /// </summary>
    public float ProximalMu { get; init; }

    /// <summary>How the server applies the clients' average. Default <see cref="Federated.ServerOptimizer.Average"/> (FedAvg).</summary>
    public ServerOptimizer ServerOptimizer { get; init; } = ServerOptimizer.Average;

    /// <summary>η of the server optimizer (FedAvgM, FedAdam). Default 1.</summary>
    public float ServerLearningRate { get; init; } = 1f;

    /// <summary>β of FedAvgM. Default 0.9.</summary>
    public float ServerMomentum { get; init; } = 0.9f;

    /// <summary>β₁ of FedAdam. Default 0.9.</summary>
    public float ServerBeta1 { get; init; } = 0.9f;

    /// <summary>β₂ of FedAdam. Default 0.99.</summary>
    public float ServerBeta2 { get; init; } = 0.99f;

    /// <summary>τ of FedAdam (its ε, the adaptivity). Default 1e-3.</summary>
    public float ServerEpsilon { get; init; } = 1e-3f;

    /// <summary>
    /// C of differential privacy (DP-FedAvg, McMahan et al., 2018): the L2 norm each client's update (its weights minus
    /// the round's global weights) is clipped to before the server averages the updates, every client weighing the same.
    /// 0 (default): no clipping, the sample-weighted FedAvg average.
    /// </summary>
    public float DpClipNorm { get; init; }

    /// <summary>
    /// z of differential privacy: the server adds Gaussian noise of standard deviation z · <see cref="DpClipNorm"/> to the
    /// sum of the clipped updates each round. 0 (default): none (ε is then unbounded). Needs <see cref="DpClipNorm"/>.
    /// </summary>
    public float DpNoiseMultiplier { get; init; }

    /// <summary>δ at which the run's ε is reported (<see cref="FederatedRound.Epsilon"/>); keep it below 1 / (the number of clients). Default 1e-5.</summary>
    public double DpDelta { get; init; } = 1e-5;

    /// <summary>Whether the server clips the clients' updates (and adds noise when <see cref="DpNoiseMultiplier"/> &gt; 0).</summary>
    public bool DifferentiallyPrivate => DpClipNorm > 0;

    /// <summary>The seed of the clients' choice each round and of their local shuffles. Default 1.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>The paper's FedSGD: E = 1, B = ∞ (one full-batch gradient step per client), with the given C and η.</summary>
    /// <param name="fraction">C.</param>
    /// <param name="learningRate">η.</param>
    public static FederatedOptions FedSgd(double fraction = 0.1, float learningRate = 0.1f) =>
        new() { Fraction = fraction, LocalEpochs = 1, LocalBatchSize = 0, LearningRate = learningRate };

    /// <summary>Throws when a setting is out of range, naming it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public void Validate()
    {
        if (!(Fraction > 0 && Fraction <= 1)) throw new ArgumentOutOfRangeException(nameof(Fraction), Fraction, "FederatedOptions.Fraction (C) must be in (0, 1].");
        if (LocalEpochs <= 0) throw new ArgumentOutOfRangeException(nameof(LocalEpochs), LocalEpochs, "FederatedOptions.LocalEpochs (E) must be positive.");
        if (LocalBatchSize < 0) throw new ArgumentOutOfRangeException(nameof(LocalBatchSize), LocalBatchSize, "FederatedOptions.LocalBatchSize (B) must be positive, or 0 for the whole client data.");
        Positive(LearningRate, nameof(LearningRate));
        if (!(ProximalMu >= 0) || float.IsInfinity(ProximalMu)) throw new ArgumentOutOfRangeException(nameof(ProximalMu), ProximalMu, "FederatedOptions.ProximalMu must be finite and not negative.");
        if (!Enum.IsDefined(ServerOptimizer)) throw new ArgumentOutOfRangeException(nameof(ServerOptimizer), ServerOptimizer, "Unknown server optimizer.");
        Positive(ServerLearningRate, nameof(ServerLearningRate));
        Unit(ServerMomentum, nameof(ServerMomentum));
        Unit(ServerBeta1, nameof(ServerBeta1));
        Unit(ServerBeta2, nameof(ServerBeta2));
        Positive(ServerEpsilon, nameof(ServerEpsilon));
        if (!(DpClipNorm >= 0) || float.IsInfinity(DpClipNorm)) throw new ArgumentOutOfRangeException(nameof(DpClipNorm), DpClipNorm, "FederatedOptions.DpClipNorm (C) must be finite and not negative (0: no clipping).");
        if (!(DpNoiseMultiplier >= 0) || float.IsInfinity(DpNoiseMultiplier)) throw new ArgumentOutOfRangeException(nameof(DpNoiseMultiplier), DpNoiseMultiplier, "FederatedOptions.DpNoiseMultiplier (z) must be finite and not negative.");
        if (DpNoiseMultiplier > 0 && DpClipNorm == 0) throw new ArgumentOutOfRangeException(nameof(DpNoiseMultiplier), DpNoiseMultiplier, "FederatedOptions.DpNoiseMultiplier needs DpClipNorm: the noise is z times the clip norm C.");
        if (!(DpDelta > 0 && DpDelta < 1)) throw new ArgumentOutOfRangeException(nameof(DpDelta), DpDelta, "FederatedOptions.DpDelta (δ) must be in (0, 1).");
    }

    /// <summary>A short description for logs: "FedAvg C=0.1 E=5 B=10 lr=0.1".</summary>
    public override string ToString()
    {
        string name = ServerOptimizer switch
        {
            ServerOptimizer.Momentum => $"FedAvgM (server lr {ServerLearningRate}, momentum {ServerMomentum})",
            ServerOptimizer.Adam => $"FedAdam (server lr {ServerLearningRate}, β1 {ServerBeta1}, β2 {ServerBeta2}, τ {ServerEpsilon})",
            _ => LocalEpochs == 1 && LocalBatchSize == 0 ? "FedSGD" : "FedAvg",
        };
        if (ProximalMu > 0) name += $" + FedProx μ={ProximalMu}";
        if (DifferentiallyPrivate) name += System.FormattableString.Invariant($" + DP (clip {DpClipNorm}, noise multiplier {DpNoiseMultiplier})");
        return System.FormattableString.Invariant($"{name}: C={Fraction} E={LocalEpochs} B={(LocalBatchSize == 0 ? "∞" : LocalBatchSize)} lr={LearningRate} seed={Seed}");
    }

    private static void Positive(float value, string name)
    {
        if (!(value > 0) || float.IsInfinity(value)) throw new ArgumentOutOfRangeException(name, value, $"FederatedOptions.{name} must be positive and finite.");
    }

    private static void Unit(float value, string name)
    {
        if (!(value >= 0 && value < 1)) throw new ArgumentOutOfRangeException(name, value, $"FederatedOptions.{name} must be in [0, 1).");
    }
}
