namespace DeepSharp.Federated;

/// <summary>
/// What one communication round did: its clients, their mean local training loss, the global
/// model's validation figures (when validation data was given and this round was evaluated) and
/// the bytes the protocol moves (the global weights down to each chosen client, its weights back up).
/// </summary>
/// <param name="Round">1-based round number.</param>
/// <param name="Clients">The clients that trained, ascending.</param>
/// <param name="Samples">The samples those clients hold together (n of the weighted average).</param>
/// <param name="TrainLoss">The clients' mean training loss over their local steps, weighted by samples.</param>
/// <param name="ValidationLoss">The global model's loss on the validation data after the round; null when not evaluated.</param>
/// <param name="ValidationAccuracy">The global model's accuracy on the validation data after the round; null when not evaluated.</param>
/// <param name="BytesDown">Bytes the server sends: the float32 weights to each chosen client.</param>
/// <param name="BytesUp">Bytes the clients send back: their float32 weights.</param>
/// <param name="Seconds">Wall-clock seconds of the round, evaluation included.</param>
/// <param name="Epsilon">With differential privacy: the ε the run has spent after this round, at <see cref="FederatedOptions.DpDelta"/> (∞ without noise); null otherwise.</param>
/// <param name="ClippedClients">With differential privacy: how many of the round's clients had their update clipped; null otherwise.</param>
public sealed record FederatedRound(int Round, IReadOnlyList<int> Clients, long Samples, double TrainLoss,
    double? ValidationLoss, double? ValidationAccuracy, long BytesDown, long BytesUp, double Seconds,
    double? Epsilon = null, int? ClippedClients = null);
