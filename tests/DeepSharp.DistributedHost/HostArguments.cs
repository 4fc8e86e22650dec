using System.Globalization;

namespace DeepSharp.DistributedHost;

/// <summary>
/// The host's command line: a command, then <c>--name value</c> pairs.
/// <list type="bullet">
/// <item><c>train --out DIR [--model seed|small|random] [--mode deterministic|fast|plain] [--steps 20] [--batch 128]
/// [--chunk 32] [--bucket-bytes N] [--exchange auto|all-gather|reduce-scatter] [--shard-optimizer 0|1] [--global-clip-norm X] [--gradient-accumulation N] [--seed 7] [--seed-per-rank 0|1] [--fail-rank R --fail-step S] [--slow-ms MS]
/// [--checkpoint-dir DIR --checkpoint-every N] [--validation SAMPLES]</c>:
/// trains on synthetic images and writes each rank's final weights to DIR/weights-rankR.bin (raw
/// float32), its history (loss, metrics, validation) to DIR/loss-rankR.txt and its process id to DIR/pid-rankR.</item>
/// <item><c>errors</c>: calls MPI wrongly and prints the exceptions the binding throws.</item>
/// <item><c>mismatch</c>: rank 1 builds a bigger model than rank 0.</item>
/// <item><c>train-on-batch</c>: calls TrainOnBatch on a distributed model.</item>
/// </list>
/// </summary>
internal sealed class HostArguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public HostArguments(string[] args)
    {
        Command = args.Length > 0 ? args[0] : "";
        for (int i = 1; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"Expected --name value, got '{args[i]}'.");
            _values[args[i][2..]] = args[i + 1];
        }
    }

    public string Command { get; }

    public string Text(string name, string fallback) => _values.TryGetValue(name, out var v) ? v : fallback;

    public int Int(string name, int fallback) => _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public long Long(string name, long fallback) => _values.TryGetValue(name, out var v) ? long.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
