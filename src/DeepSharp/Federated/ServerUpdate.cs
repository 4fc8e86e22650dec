namespace DeepSharp.Federated;

/// <summary>The server's state between rounds (momentum or Adam's moments) and the update it applies.</summary>
internal sealed class ServerUpdate
{
    private readonly FederatedOptions _options;
    private float[]? _m, _v;

    public ServerUpdate(FederatedOptions options) => _options = options;

    /// <summary>The first moment (FedAvgM's velocity, FedAdam's m); null before the first round or for FedAvg.</summary>
    public float[]? M => _m;

    /// <summary>FedAdam's second moment; null otherwise.</summary>
    public float[]? V => _v;

    /// <summary>Puts a checkpoint's moments back (copies; null: none yet).</summary>
    public void Restore(float[]? m, float[]? v, int length)
    {
        if (m is not null && m.Length != length || v is not null && v.Length != length)
            throw new DataFormatException($"Federated checkpoint: the server optimizer's state has {m?.Length ?? v?.Length} values; the model has {length} weights.");
        (_m, _v) = (m is null ? null : (float[])m.Clone(), v is null ? null : (float[])v.Clone());
    }

    /// <summary>Moves <paramref name="global"/> towards the clients' <paramref name="average"/>, in place.</summary>
    public void Apply(Span<float> global, ReadOnlySpan<float> average)
    {
        switch (_options.ServerOptimizer)
        {
            case ServerOptimizer.Average:
                average.CopyTo(global);
                break;
            case ServerOptimizer.Momentum:
                {
                    var v = _m ??= new float[global.Length];
                    float beta = _options.ServerMomentum, lr = _options.ServerLearningRate;
                    for (int i = 0; i < global.Length; i++)
                    {
                        v[i] = beta * v[i] + (global[i] - average[i]);
                        global[i] -= lr * v[i];
                    }
                    break;
                }
            case ServerOptimizer.Adam:
                {
                    var m = _m ??= new float[global.Length];
                    var v = _v ??= new float[global.Length];
                    float b1 = _options.ServerBeta1, b2 = _options.ServerBeta2, lr = _options.ServerLearningRate, tau = _options.ServerEpsilon;
                    for (int i = 0; i < global.Length; i++)
                    {
                        float delta = global[i] - average[i];
                        m[i] = b1 * m[i] + (1 - b1) * delta;
                        v[i] = b2 * v[i] + (1 - b2) * delta * delta;
                        global[i] -= lr * m[i] / (MathF.Sqrt(v[i]) + tau);
                    }
                    break;
                }
            default:
                throw new InvalidOperationException($"Unknown server optimizer {_options.ServerOptimizer}.");
        }
    }
}
