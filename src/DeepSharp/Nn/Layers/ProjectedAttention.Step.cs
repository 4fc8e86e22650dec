using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Attention one decoding step at a time, with keys and values kept in a <see cref="KvCache"/>: the
/// cache holds the Hkv key/value heads (for GroupQueryAttention Hq/Hkv times smaller than Hq heads
/// would be), repeated for the query heads only as each step reads them.
/// </summary>
public abstract partial class ProjectedAttention
{
    /// <summary>
    /// Causal self-attention for the next positions x (batch, n, features): their keys and values
    /// join the cache, and each attends to every cached position and to the new ones up to itself.
    /// Equals the matching rows of <c>Call(x, x, useCausalMask: true)</c> on the whole sequence;
    /// costs O(T) per new position. (Not an <see cref="IStepLayer"/>: a plain call of this layer is
    /// not causal; models step it where it is called as causal self-attention.)
    /// </summary>
    /// <exception cref="InvalidOperationException">The layer is not built, was built for key or value features other than the query's, or the cache is full.</exception>
    /// <exception cref="ShapeMismatchException">x is not (batch, n, features), or its batch differs from the cache's.</exception>
    public Tensor Step(Tensor x, KvCache cache)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(cache);
        RequireStepInput(x, _features.Query, "x");
        if (_features.Key != _features.Query || _features.Value != _features.Query)
            throw new InvalidOperationException($"Layer '{Path}' ({TypeName}) was built for key or value features other than the query's; a self-attention step needs them equal.");
        using var _ = NoGrad.Scope();
        int batch = x.Shape[0], n = x.Shape[1];
        var entry = cache.SelfAttention(this);
        entry.Ensure(this, batch, _keyValueHeads, _keyDim, _valueDim, cache.MaxLength);
        int start = entry.Length;
        cache.RequireRoom(this, start, n);
        var q = Project(x, _queryKernel!, _queryBias, _queryHeads, _keyDim);
        Append(entry.Keys!, Project(x, _keyKernel!, _keyBias, _keyValueHeads, _keyDim), start);
        Append(entry.Values!, Project(x, _valueKernel!, _valueBias, _keyValueHeads, _valueDim), start);
        entry.Length = start + n;

        // One sequence at a time: its first start + n cached positions are a contiguous (1, T, Hkv, D) block.
        var attended = Tensor.Temp(new Shape(batch, n, _queryHeads, _valueDim));
        for (int b = 0; b < batch; b++)
        {
            var o = Ops.Attention(q.SliceRows(b, 1), RepeatHeads(Prefix(entry.Keys!, b, start + n)), RepeatHeads(Prefix(entry.Values!, b, start + n)),
                causal: true, scale: Scale, causalOffset: start);
            o.Span.CopyTo(attended.SliceRows(b, 1).Span);
        }
        return OutputProjection(attended);
    }

    /// <summary>
    /// Attention of the next positions <paramref name="query"/> (batch, n, dq) to a fixed
    /// <paramref name="value"/> sequence (an encoder's output), whose keys and values (Hkv heads) are
    /// projected on the first step and kept in the cache. <paramref name="mask"/> is (batch, n, Tv) or null.
    /// </summary>
    internal Tensor StepCross(Tensor query, Tensor value, Tensor? mask, KvCache cache)
    {
        RequireStepInput(query, _features.Query, "query");
        using var _ = NoGrad.Scope();
        var entry = cache.CrossAttention(this);
        if (entry.Keys is null)
        {
            RequireStepInput(value, _features.Value, "value");
            if (_features.Key != _features.Value)
                throw new InvalidOperationException($"Layer '{Path}' ({TypeName}) was built for a key other than the value; a cross-attention step takes one sequence.");
            entry.Keys = Project(value, _keyKernel!, _keyBias, _keyValueHeads, _keyDim).Clone();
            entry.Values = Project(value, _valueKernel!, _valueBias, _keyValueHeads, _valueDim).Clone();
        }
        if (entry.Keys.Shape[0] != query.Shape[0])
            throw new ShapeMismatchException($"Layer '{Path}' ({TypeName}): the cache holds encoder sequences for {entry.Keys.Shape[0]} samples; the step got {query.Shape[0]}.");
        var q = Project(query, _queryKernel!, _queryBias, _queryHeads, _keyDim);
        return OutputProjection(Ops.Attention(q, RepeatHeads(entry.Keys), RepeatHeads(entry.Values!), mask, scale: Scale));
    }

    private void RequireStepInput(Tensor x, int features, string what)
    {
        if (!IsBuilt) throw new InvalidOperationException($"Layer '{Path}' ({TypeName}) must be built (called once) before it steps.");
        if (x.Rank != 3 || x.Shape[2] != features)
            throw new ShapeMismatchException($"Layer '{Path}' ({TypeName}) steps on {what} (batch, positions, {features}); got {x.Shape}.");
    }

    /// <summary>Copies new (batch, n, H, D) rows into the cache (batch, max, H, D) at position <paramref name="start"/>.</summary>
    private static void Append(Tensor cache, Tensor rows, int start)
    {
        int batch = rows.Shape[0], block = rows.Size / Math.Max(batch, 1), row = cache.Size / Math.Max(cache.Shape[0], 1), position = block / Math.Max(rows.Shape[1], 1);
        for (int b = 0; b < batch; b++) rows.Span.Slice(b * block, block).CopyTo(cache.Span.Slice(b * row + start * position, block));
    }

    /// <summary>The first <paramref name="length"/> positions of sequence <paramref name="b"/> in a (batch, max, H, D) cache, as (1, length, H, D).</summary>
    private static Tensor Prefix(Tensor cache, int b, int length)
    {
        var sequence = cache.SliceRows(b, 1).View(cache.Shape[1], cache.Shape[2], cache.Shape[3]);
        return sequence.SliceRows(0, length).View(1, length, cache.Shape[2], cache.Shape[3]);
    }
}
