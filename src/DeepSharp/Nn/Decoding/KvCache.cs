using DeepSharp.Tensors;

namespace DeepSharp.Nn;

/// <summary>
/// What a causal model keeps between decoding steps, so that each new position costs O(T) instead
/// of re-running the whole prefix: per self-attention layer the keys and values of every position
/// so far, per cross-attention layer the projected encoder sequence, per position layer how many
/// positions it has seen. Make one per batch of sequences being generated (up to
/// <see cref="MaxLength"/> positions) and pass it to every <c>Model.Step</c> or layer <c>Step</c> call.
/// </summary>
public sealed class KvCache
{
    private readonly Dictionary<Layer, object> _entries = new(ReferenceEqualityComparer.Instance);

    /// <summary>An empty cache.</summary>
    /// <param name="maxLength">The most positions a sequence may reach, prompt included; a step beyond it throws.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> is not positive.</exception>
    public KvCache(int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
        MaxLength = maxLength;
    }

    /// <summary>The most positions the cache holds.</summary>
    public int MaxLength { get; }

    /// <summary>Positions decoded so far (as counted by the layer that has seen the most).</summary>
    public int Length
    {
        get
        {
            int length = 0;
            foreach (var entry in _entries.Values)
                if (entry is ICountedEntry c) length = Math.Max(length, c.Length);
            return length;
        }
    }

    /// <summary>Forgets everything, to decode new sequences.</summary>
    public void Clear() => _entries.Clear();

    /// <summary>The keys and values <paramref name="layer"/> has cached.</summary>
    internal SelfAttentionEntry SelfAttention(Layer layer) => Get<SelfAttentionEntry>(layer);

    /// <summary>The projected encoder sequence <paramref name="layer"/> attends to.</summary>
    internal CrossAttentionEntry CrossAttention(Layer layer) => Get<CrossAttentionEntry>(layer);

    /// <summary>How many positions <paramref name="layer"/> has seen.</summary>
    internal PositionEntry Positions(Layer layer) => Get<PositionEntry>(layer);

    /// <summary>Throws unless <paramref name="count"/> more positions fit after <paramref name="start"/>.</summary>
    internal void RequireRoom(Layer layer, int start, int count)
    {
        if ((long)start + count > MaxLength)
            throw new InvalidOperationException(
                $"Layer '{layer.Path}' ({layer.TypeName}): the KV cache holds {MaxLength} positions; {start} are used and the step adds {count}.");
    }

    private T Get<T>(Layer layer) where T : class, new()
    {
        if (!_entries.TryGetValue(layer, out var entry)) _entries[layer] = entry = new T();
        return entry as T ?? throw new InvalidOperationException($"Layer '{layer.Path}' used the KV cache as a {entry.GetType().Name}, not a {typeof(T).Name}.");
    }
}

internal interface ICountedEntry
{
    int Length { get; }
}

/// <summary>Positions seen by a position-encoding layer.</summary>
internal sealed class PositionEntry : ICountedEntry
{
    public int Length { get; set; }
}

/// <summary>Keys (B, MaxLength, H, Dk) and values (B, MaxLength, H, Dv) of a self-attention layer; the first <see cref="Length"/> positions are filled.</summary>
internal sealed class SelfAttentionEntry : ICountedEntry
{
    public Tensor? Keys { get; private set; }
    public Tensor? Values { get; private set; }
    public int Length { get; set; }

    /// <summary>Allocates the buffers on the first step; later steps must keep the batch size.</summary>
    public void Ensure(Layer layer, int batch, int heads, int keyDim, int valueDim, int maxLength)
    {
        if (Keys is null)
        {
            Keys = Tensor.Zeros(batch, maxLength, heads, keyDim);
            Values = Tensor.Zeros(batch, maxLength, heads, valueDim);
        }
        else if (Keys.Shape[0] != batch)
            throw new ShapeMismatchException($"Layer '{layer.Path}' ({layer.TypeName}): the KV cache holds {Keys.Shape[0]} sequences; the step got {batch}.");
    }
}

/// <summary>An encoder sequence projected to keys (B, Tenc, H, Dk) and values (B, Tenc, H, Dv), computed on the first step.</summary>
internal sealed class CrossAttentionEntry
{
    public Tensor? Keys { get; set; }
    public Tensor? Values { get; set; }
}
