namespace DeepSharp.Federated;

/// <summary>
/// A client's local training diverged: one of its weights became NaN or infinite, which averaging
/// would spread to the global model. Usually the learning rate (or FedProx's μ) is too large.
/// </summary>
public sealed class FederatedDivergenceException : DeepSharpException
{
    /// <param name="round">The 1-based round.</param>
    /// <param name="client">The client whose training diverged.</param>
    /// <param name="weight">The weight's path (layer/weight).</param>
    /// <param name="value">The value found.</param>
    /// <param name="learningRate">The clients' learning rate.</param>
    public FederatedDivergenceException(int round, int client, string weight, float value, float learningRate)
        : base($"FederatedAveraging: client {client}'s local training in round {round} made weight {weight} {value}; " +
            $"lower the learning rate ({learningRate}) or FedProx's μ.")
        => (Round, Client, Weight) = (round, client, weight);

    /// <summary>The 1-based round.</summary>
    public int Round { get; }

    /// <summary>The client whose training diverged.</summary>
    public int Client { get; }

    /// <summary>The weight's path (layer/weight).</summary>
    public string Weight { get; }
}
