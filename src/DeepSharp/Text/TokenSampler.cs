using DeepSharp.Tensors;

namespace DeepSharp.Text;

/// <summary>
/// Picks the next token from a row of logits, as text generation does: softmax at a
/// <see cref="Temperature"/> (0: always the most likely token), optionally restricted to the
/// <see cref="TopK"/> most likely tokens and then to the smallest set whose probability reaches
/// <see cref="TopP"/> (nucleus sampling). Seeded, so a generation can be repeated.
/// </summary>
public sealed class TokenSampler
{
    private readonly RandomGenerator _generator;

    /// <param name="temperature">Divides the logits before the softmax: below 1 sharpens, above 1 flattens, 0 picks the argmax.</param>
    /// <param name="topK">Sample only among the k most likely tokens (at least 1); null: all tokens.</param>
    /// <param name="topP">Nucleus probability in (0, 1]; null: no nucleus cut.</param>
    /// <param name="generator">Random source (default: a fork of the global generator); pass a seeded one to repeat a generation.</param>
    /// <exception cref="ArgumentOutOfRangeException">temperature is negative, NaN or infinite; topK is below 1; or topP is outside (0, 1].</exception>
    public TokenSampler(float temperature = 1f, int? topK = null, float? topP = null, RandomGenerator? generator = null)
    {
        if (!(temperature >= 0f) || float.IsInfinity(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be finite and ≥ 0.");
        if (topK is < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "topK must be at least 1.");
        if (topP is { } p && !(p > 0f && p <= 1f)) throw new ArgumentOutOfRangeException(nameof(topP), topP, "topP must be in (0, 1].");
        (Temperature, TopK, TopP) = (temperature, topK, topP);
        _generator = generator ?? RandomGenerator.Global.Fork();
    }

    /// <summary>The softmax temperature, ≥ 0; 0 makes sampling greedy (always the most likely token).</summary>
    public float Temperature { get; }
    /// <summary>How many of the most likely tokens stay candidates; null when all do.</summary>
    public int? TopK { get; }
    /// <summary>The smallest set of top candidates whose probability reaches this is kept; null for no nucleus cut.</summary>
    public float? TopP { get; }

    /// <summary>A token id drawn from <paramref name="logits"/> (one row, one logit per token).</summary>
    /// <exception cref="ArgumentException">The row is empty or holds NaN.</exception>
    public int Sample(ReadOnlySpan<float> logits)
    {
        if (logits.IsEmpty) throw new ArgumentException("No logits to sample from.", nameof(logits));
        int best = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            if (float.IsNaN(logits[i])) throw new ArgumentException($"Logit {i} is NaN.", nameof(logits));
            if (logits[i] > logits[best]) best = i;
        }
        if (Temperature == 0f) return best;

        // Candidates by descending logit (ties by id), cut to top-k.
        var order = new int[logits.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var values = logits.ToArray();
        Array.Sort(order, (a, b) => values[b].CompareTo(values[a]) is var c && c != 0 ? c : a.CompareTo(b));
        int count = Math.Min(TopK ?? order.Length, order.Length);

        var probabilities = new double[count];
        double max = values[order[0]], total = 0;
        for (int i = 0; i < count; i++) total += probabilities[i] = Math.Exp((values[order[i]] - max) / Temperature);
        if (TopP is { } topP)
        {
            double cumulative = 0;
            for (int i = 0; i < count; i++)
            {
                cumulative += probabilities[i] / total;
                if (cumulative >= topP) { count = i + 1; break; }
            }
            total = 0;
            for (int i = 0; i < count; i++) total += probabilities[i];
        }
        double u = _generator.NextFloat() * total;
        for (int i = 0; i < count; i++)
        {
            u -= probabilities[i];
            if (u < 0) return order[i];
        }
        return order[count - 1];
    }
}
