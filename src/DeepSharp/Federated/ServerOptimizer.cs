namespace DeepSharp.Federated;

/// <summary>How the server turns the clients' average into the next global weights.</summary>
public enum ServerOptimizer
{
    /// <summary>FedAvg: the global weights become the average (McMahan et al., 2017).</summary>
    Average,

    /// <summary>
    /// FedAvgM (Hsu et al., 2019): server momentum on the pseudo-gradient Δ = w − average:
    /// v ← βv + Δ, w ← w − η v. With η = 1 and β = 0 it is FedAvg.
    /// </summary>
    Momentum,

    /// <summary>
    /// FedAdam (Reddi et al., 2021, "Adaptive Federated Optimization"): Adam on Δ without bias
    /// correction, m ← β₁m + (1−β₁)Δ, v ← β₂v + (1−β₂)Δ², w ← w − η m / (√v + τ).
    /// </summary>
    Adam,
}
