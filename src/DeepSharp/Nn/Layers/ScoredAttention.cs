using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Base of Keras's <see cref="Attention"/> (Luong) and <see cref="AdditiveAttention"/> (Bahdanau)
/// layers: query (batch, Tq, dim) scores each key (batch, Tv, dim) (key defaults to value); the
/// softmax of the scores over the keys weights the values (batch, Tv, dv), giving (batch, Tq, dv).
/// Masks as Keras's: a value mask (batch, Tv) and <c>useCausalMask</c> subtract 1e9 from the scores
/// of the keys a query may not see (so a query that may see none averages every value, as in
/// Keras), a query mask (batch, Tq) zeroes the outputs of padded queries. Dropout (training only)
/// drops attention weights. No projections: any are the model's own Dense layers.
/// </summary>
public abstract partial class ScoredAttention : Layer
{
    private RandomGenerator? _generator;

    /// <summary>Stores the options; the subclasses add their weights in <see cref="Layer.Build(Shape)"/>.</summary>
    protected ScoredAttention(bool useScale, float dropout, long? seed, string? name) : base(name, null)
    {
        if (!(dropout >= 0f && dropout < 1f)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "Attention dropout must be in [0, 1).");
        UseScale = useScale;
        Dropout = dropout;
        Seed = seed;
    }

    /// <summary>Whether the scores are scaled by a learned weight (see the subclass).</summary>
    public bool UseScale { get; }

    /// <summary>Dropout rate on the attention weights while training, in [0, 1).</summary>
    public float Dropout { get; }

    /// <summary>The seed of the dropout generator; null when it was forked from the global generator.</summary>
    public long? Seed { get; }

    /// <summary>The generator of the dropout masks.</summary>
    public RandomGenerator Generator => _generator ??= Seed is { } s ? new RandomGenerator(s) : RandomGenerator.Global.Fork();

    internal override RandomGenerator? TrainingGenerator => Dropout > 0f ? Generator : null;

    /// <summary>The scores (batch, Tq, Tv) of each query against each key, before masks and softmax.</summary>
    protected abstract Tensor Scores(Tensor query, Tensor key);

    /// <summary>Attention of <paramref name="query"/> to <paramref name="value"/> (keys <paramref name="key"/>, default the values): (batch, Tq, dv).</summary>
    /// <param name="query">(batch, Tq, dim).</param>
    /// <param name="value">(batch, Tv, dv).</param>
    /// <param name="key">(batch, Tv, dim); null: the values.</param>
    /// <param name="queryMask">(batch, Tq), nonzero for real queries; the others output zeros. Null: all real.</param>
    /// <param name="valueMask">(batch, Tv), nonzero for keys that may be attended to. Null: all.</param>
    /// <param name="useCausalMask">Whether query i may see only keys j ≤ i (a decoder's self-attention).</param>
    /// <param name="training">Whether dropout applies.</param>
    public Tensor Call(Tensor query, Tensor value, Tensor? key = null, Tensor? queryMask = null, Tensor? valueMask = null,
        bool useCausalMask = false, bool training = false) =>
        Attend(query, value, key ?? value, queryMask, valueMask, useCausalMask, training).Output;

    /// <summary>
    /// <see cref="Call(Tensor, Tensor, Tensor?, Tensor?, Tensor?, bool, bool)"/> that also returns the
    /// attention weights (batch, Tq, Tv), after dropout as Keras's <c>return_attention_scores</c>.
    /// </summary>
    public (Tensor Output, Tensor Scores) CallWithScores(Tensor query, Tensor value, Tensor? key = null, Tensor? queryMask = null,
        Tensor? valueMask = null, bool useCausalMask = false, bool training = false) =>
        Attend(query, value, key ?? value, queryMask, valueMask, useCausalMask, training);

    /// <summary>[query, value] or [query, value, key], as Keras's <c>layer([q, v])</c>.</summary>
    public override Tensor Call(IReadOnlyList<Tensor> inputs, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        RequireInputCount(inputs.Count);
        return Call(inputs[0], inputs[1], inputs.Count > 2 ? inputs[2] : null, training: training);
    }

    /// <summary>
    /// [query, value(, key)] with Keras's <c>mask=[query_mask, value_mask(, key_mask)]</c>: the value
    /// mask hides padded keys, the query mask zeroes padded queries' outputs and is the output's
    /// mask; a key mask is ignored, as in Keras.
    /// </summary>
    protected override (Tensor Output, Tensor? Mask) ForwardMasked(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks, bool training)
    {
        RequireInputCount(inputs.Count);
        var output = Call(inputs[0], inputs[1], inputs.Count > 2 ? inputs[2] : null, masks[0], masks[1], training: training);
        return (output, ComputeMask(inputs, masks));
    }

    /// <summary>The query's mask (as 0/1 floats), as Keras's Attention.compute_mask; null when the query has none.</summary>
    public override Tensor? ComputeMask(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(masks);
        RequireInputCount(inputs.Count);
        return masks[0] is { } q ? FloatMask(q, inputs[0].Shape[0], inputs[0].Shape[1], "query_mask") : null;
    }

    private (Tensor Output, Tensor Scores) Attend(Tensor query, Tensor value, Tensor key, Tensor? queryMask, Tensor? valueMask, bool causal, bool training)
    {
        if (query.Rank != 3 || value.Rank != 3 || key.Rank != 3)
            throw new ShapeMismatchException($"Layer '{Name}' ({TypeName}) takes query, value and key of shape (batch, time, features); got {query.Shape}, {value.Shape} and {key.Shape}.");
        Build([query.Shape.WithoutBatch(), value.Shape.WithoutBatch(), key.Shape.WithoutBatch()]);
        if (value.Shape[0] != query.Shape[0] || key.Shape[0] != query.Shape[0])
            throw new ShapeMismatchException($"Layer '{Name}' ({TypeName}) got batches of {query.Shape[0]}, {value.Shape[0]} and {key.Shape[0]} samples.");
        int batch = query.Shape[0], tq = query.Shape[1], tv = key.Shape[1];
        var scores = Scores(query, key);
        if (MaskPenalty(valueMask, causal, batch, tq, tv) is { } penalty) scores = Ops.Add(scores, penalty);
        var weights = Ops.Softmax(scores);
        if (training && Dropout > 0f) weights = Ops.Dropout(weights, Dropout, Generator);
        var output = Ops.BatchedMatMul(weights, value);
        if (queryMask is not null) output = Ops.Multiply(output, Ops.Reshape(FloatMask(queryMask, batch, tq, "query_mask"), new Shape(batch, tq, 1)));
        return (output, weights);
    }

    /// <summary>−1e9 where a query may not see a key (Keras's padding and causal masks), else 0: (batch or 1, Tq, Tv); null without masks.</summary>
    private Tensor? MaskPenalty(Tensor? valueMask, bool causal, int batch, int tq, int tv)
    {
        if (valueMask is null && !causal) return null;
        var visible = valueMask is null ? default : FloatMask(valueMask, batch, tv, "value_mask").Span;
        int rows = valueMask is null ? 1 : batch;
        var penalty = Tensor.Zeros(new Shape(rows, tq, tv));
        var p = penalty.Span;
        for (int b = 0; b < rows; b++)
            for (int i = 0; i < tq; i++)
                for (int j = 0; j < tv; j++)
                {
                    bool seen = (valueMask is null || visible[b * tv + j] != 0f) && (!causal || j <= i);
                    if (!seen) p[(b * tq + i) * tv + j] = -1e9f;
                }
        return penalty;
    }

    /// <summary>A (batch, length) mask, float32 or int32, as 0/1 floats; a shape error names the layer and the mask.</summary>
    private Tensor FloatMask(Tensor mask, int batch, int length, string what)
    {
        if (mask.Shape != new Shape(batch, length))
            throw new ShapeMismatchException($"Layer '{Name}' ({TypeName}) expects {what} (batch, {length}) = ({batch}, {length}); got {mask.Shape}.");
        var result = Tensor.Zeros(mask.Shape);
        var r = result.Span;
        if (mask.DType == DType.Int32)
        {
            var m = mask.IntSpan;
            for (int i = 0; i < r.Length; i++) r[i] = m[i] != 0 ? 1f : 0f;
        }
        else
        {
            var m = mask.Span;
            for (int i = 0; i < r.Length; i++) r[i] = m[i] != 0f ? 1f : 0f;
        }
        return result;
    }

    /// <summary>Builds for [query, value] or [query, value, key] (per-sample (time, features) shapes).</summary>
    public override void Build(IReadOnlyList<Shape> inputShapes)
    {
        ComputeOutputShape(inputShapes);
        if (!IsBuilt) Build(inputShapes[0]);
        else CheckBuiltFor(inputShapes[0]);
    }

    /// <summary>Checks a query shape against the weights a built layer holds.</summary>
    protected virtual void CheckBuiltFor(Shape query) { }

    /// <summary>(Tq, dv) for [query (Tq, dim), value (Tv, dv)] or [query, value, key (Tv, dim)].</summary>
    /// <exception cref="ArgumentException">Not two or three inputs.</exception>
    /// <exception cref="ShapeMismatchException">An input is not (time, features), the key and value lengths differ, or query and key features differ.</exception>
    public override Shape ComputeOutputShape(IReadOnlyList<Shape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        RequireInputCount(inputShapes.Count);
        Shape q = inputShapes[0], v = inputShapes[1], k = inputShapes.Count > 2 ? inputShapes[2] : v;
        if (q.Rank != 2 || v.Rank != 2 || k.Rank != 2)
            throw new ShapeMismatchException($"Layer '{Name}' ({TypeName}) takes query, value and key of shape (batch, time, features); got {q.ToBatchString()}, {v.ToBatchString()} and {k.ToBatchString()}.");
        if (k[0] != v[0])
            throw new ShapeMismatchException($"Layer '{Name}' ({TypeName}) needs key and value of one length; got key {k.ToBatchString()} and value {v.ToBatchString()}.");
        if (k[1] != q[1])
            throw new ShapeMismatchException($"Layer '{Name}' ({TypeName}) needs query and key of one feature size; got query {q.ToBatchString()} and key {k.ToBatchString()}.");
        return new Shape(q[0], v[1]);
    }

    private void RequireInputCount(int count)
    {
        if (count is < 2 or > 3)
            throw new ArgumentException($"Layer '{Name}' ({TypeName}) takes [query, value] or [query, value, key]; got {count} inputs.");
    }

    /// <summary>Not available: the layer takes [query, value]. Always throws.</summary>
    public override Shape ComputeOutputShape(Shape inputShape) =>
        throw new ArgumentException($"Layer '{Name}' ({TypeName}) takes [query, value] or [query, value, key]; got one input.");

    /// <summary>Not available: the layer takes [query, value]. Always throws.</summary>
    protected override Tensor Forward(Tensor x, bool training) =>
        throw new ArgumentException($"Layer '{Name}' ({TypeName}) takes [query, value] or [query, value, key]; got one input.");

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["use_scale"] = UseScale;
        config["dropout"] = Dropout;
        if (Seed is { } s) config["seed"] = s;
        return config;
    }
}
