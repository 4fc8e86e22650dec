using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

// Shape legend: B batch, Tq queries, Tv keys and values, Hq query heads, Hkv key/value heads
// (Hq in MultiHeadAttention), Dk query/key head size, Dv value head size.

/// <summary>
/// Base of <see cref="MultiHeadAttention"/> and <see cref="GroupQueryAttention"/>: attention through
/// learned projections into heads. Query (B, Tq, dq) attends to key (B, Tv, dk) and value (B, Tv, dv)
/// (key defaults to value); each of Hkv key/value heads serves Hq/Hkv consecutive query heads. It owns
/// what the two share: the weights, laid out as Keras's (query/kernel (dq, Hq, Dk), key/kernel
/// (dk, Hkv, Dk), value/kernel (dv, Hkv, Dv), their biases (heads, D), attention_output/kernel
/// (Hq, Dv, out) and bias (out)); the call with one to three inputs, an attention mask (B, Tq, Tv)
/// (nonzero: may attend), <c>useCausalMask</c> and Keras's propagated masks; the shape checks; and
/// <see cref="Step"/>, causal self-attention one decoding step at a time with a <see cref="KvCache"/>
/// of the Hkv key/value heads. A query that may attend to nothing outputs the output bias (its
/// attention is all zeros, where Keras would average every value). Called with one tensor (as in a
/// Sequential model) it is self-attention.
/// </summary>
public abstract partial class ProjectedAttention : Layer
{
    private readonly int _queryHeads, _keyValueHeads, _keyDim, _valueDim;
    private Parameter? _queryKernel, _queryBias, _keyKernel, _keyBias, _valueKernel, _valueBias, _outputKernel, _outputBias;
    private (Shape Value, Shape Key)? _pendingShapes;
    /// <summary>Features of the query, key and value the layer was built for.</summary>
    private (int Query, int Key, int Value) _features;
    private RandomGenerator? _generator;

    /// <summary>Stores the options; a subclass checks them (with its own messages) in its constructor.</summary>
    private protected ProjectedAttention(int queryHeads, int keyValueHeads, int keyDim, int valueDim, float dropout, bool useBias,
        Initializer? kernelInitializer, Initializer? biasInitializer, Regularizer? kernelRegularizer, Regularizer? biasRegularizer,
        Regularizer? activityRegularizer, Constraint? kernelConstraint, Constraint? biasConstraint, long? seed, string? name) : base(name, null)
    {
        (_queryHeads, _keyValueHeads, _keyDim, _valueDim) = (queryHeads, keyValueHeads, keyDim, valueDim);
        Dropout = dropout;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
        (KernelRegularizer, BiasRegularizer, ActivityRegularizer) = (kernelRegularizer, biasRegularizer, activityRegularizer);
        (KernelConstraint, BiasConstraint) = (kernelConstraint, biasConstraint);
        Seed = seed;
    }

    /// <summary>Dropout rate on the attention probabilities while training.</summary>
    public float Dropout { get; }
    /// <summary>Whether the projections add learned biases.</summary>
    public bool UseBias { get; }
    /// <summary>What fills the projection kernels when the layer is built (glorot_uniform by default).</summary>
    public Initializer KernelInitializer { get; }
    /// <summary>What fills the biases when the layer is built (zeros by default).</summary>
    public Initializer BiasInitializer { get; }
    /// <summary>The penalty on each projection kernel added to the training loss; null for none.</summary>
    public Regularizer? KernelRegularizer { get; }
    /// <summary>The penalty on each projection bias added to the training loss; null for none.</summary>
    public Regularizer? BiasRegularizer { get; }
    /// <summary>The projection applied to each kernel after each optimizer step; null for none.</summary>
    public Constraint? KernelConstraint { get; }
    /// <summary>The projection applied to each bias after each optimizer step; null for none.</summary>
    public Constraint? BiasConstraint { get; }
    /// <summary>The seed of the attention dropout's generator; null when it was forked from the global generator.</summary>
    public long? Seed { get; }

    /// <summary>The generator of the attention dropout masks (its state goes into checkpoints).</summary>
    public RandomGenerator Generator => _generator ??= Seed is { } s ? new RandomGenerator(s) : RandomGenerator.Global.Fork();

    internal override RandomGenerator? TrainingGenerator => Dropout > 0f ? Generator : null;

    /// <summary>Query heads per key/value head.</summary>
    internal int Repeats => _queryHeads / _keyValueHeads;

    private float Scale => 1f / MathF.Sqrt(_keyDim);

    /// <summary>Features of the output for a query of <paramref name="queryFeatures"/>: the query's unless a subclass says otherwise.</summary>
    private protected virtual int OutputFeatures(int queryFeatures) => queryFeatures;

    /// <summary>Adds the kernel and bias regularizers and constraints to a config (Keras's keys; absent ones are left out).</summary>
    private protected void PutPenalties(JsonObject config)
    {
        ConfigObjects.Put(config, "kernel_regularizer", KernelRegularizer);
        ConfigObjects.Put(config, "bias_regularizer", BiasRegularizer);
        ConfigObjects.Put(config, "kernel_constraint", KernelConstraint);
        ConfigObjects.Put(config, "bias_constraint", BiasConstraint);
    }

    /// <summary>Creates the weights for per-sample query (Tq, dq), value (Tv, dv) and key (Tv, dk) shapes (key defaults to value).</summary>
    public void Build(Shape query, Shape value, Shape? key = null)
    {
        var k = key ?? value;
        RequireSequences(query, value, k);
        if (IsBuilt)
        {
            if (query[-1] != _features.Query || k[-1] != _features.Key || value[-1] != _features.Value)
                throw new ShapeMismatchException(
                    $"Layer '{Name}' ({TypeName}) was built for query, key and value features ({_features.Query}, {_features.Key}, {_features.Value}); " +
                    $"got query {query.ToBatchString()}, key {k.ToBatchString()}, value {value.ToBatchString()}.");
            return;
        }
        _pendingShapes = (value, k);
        Build(query);
    }

    /// <summary>Builds for [query, value] or [query, value, key] ([x] alone: self-attention).</summary>
    public override void Build(IReadOnlyList<Shape> inputShapes)
    {
        RequireInputCount(inputShapes.Count);
        Build(inputShapes[0], inputShapes[Math.Min(1, inputShapes.Count - 1)], inputShapes.Count > 2 ? inputShapes[2] : (Shape?)null);
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape query)
    {
        var (value, key) = _pendingShapes ?? (query, query);
        _pendingShapes = null;
        RequireSequences(query, value, key);
        _features = (query[-1], key[-1], value[-1]);
        _queryKernel = Kernel("query/kernel", new Shape(query[-1], _queryHeads, _keyDim));
        if (UseBias) _queryBias = Bias("query/bias", new Shape(_queryHeads, _keyDim));
        _keyKernel = Kernel("key/kernel", new Shape(key[-1], _keyValueHeads, _keyDim));
        if (UseBias) _keyBias = Bias("key/bias", new Shape(_keyValueHeads, _keyDim));
        _valueKernel = Kernel("value/kernel", new Shape(value[-1], _keyValueHeads, _valueDim));
        if (UseBias) _valueBias = Bias("value/bias", new Shape(_keyValueHeads, _valueDim));
        int output = OutputFeatures(query[-1]);
        _outputKernel = Kernel("attention_output/kernel", new Shape(_queryHeads, _valueDim, output));
        if (UseBias) _outputBias = Bias("attention_output/bias", new Shape(output));
        if (Dropout > 0f) _ = Generator;
    }

    private Parameter Kernel(string name, Shape shape) => AddWeight(name, shape, KernelInitializer, true, KernelRegularizer, KernelConstraint);
    private Parameter Bias(string name, Shape shape) => AddWeight(name, shape, BiasInitializer, true, BiasRegularizer, BiasConstraint);

    /// <summary>Self-attention's output for a query (Tq, features): (Tq, output features).</summary>
    /// <exception cref="ShapeMismatchException">The input is not (time, features).</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 2) throw ShapeError("query (batch, sequence, features)", inputShape);
        return new Shape(inputShape[0], OutputFeatures(inputShape[1]));
    }

    /// <summary>The output for [query], [query, value] or [query, value, key]: (Tq, output features).</summary>
    /// <exception cref="ArgumentException">Not one to three inputs.</exception>
    /// <exception cref="ShapeMismatchException">An input is not (time, features), or key and value differ in length.</exception>
    public override Shape ComputeOutputShape(IReadOnlyList<Shape> inputShapes)
    {
        RequireInputCount(inputShapes.Count);
        var value = inputShapes[Math.Min(1, inputShapes.Count - 1)];
        RequireSequences(inputShapes[0], value, inputShapes.Count > 2 ? inputShapes[2] : value);
        return ComputeOutputShape(inputShapes[0]);
    }

    /// <summary>Attention of <paramref name="query"/> (B, Tq, dq) to <paramref name="value"/> (and <paramref name="key"/>, default value): (B, Tq, out).</summary>
    public Tensor Call(Tensor query, Tensor value, Tensor? key = null, Tensor? attentionMask = null, bool useCausalMask = false, bool training = false) =>
        Attend(query, value, key ?? value, attentionMask, useCausalMask, training, keepScores: false).Output;

    /// <summary>
    /// <see cref="Call(Tensor, Tensor, Tensor?, Tensor?, bool, bool)"/> that also returns the attention
    /// probabilities (B, Hq, Tq, Tv) before dropout, as Keras's return_attention_scores. The scores
    /// are for inspection: gradients flow through the output only.
    /// </summary>
    public (Tensor Output, Tensor Scores) CallWithScores(Tensor query, Tensor value, Tensor? key = null, Tensor? attentionMask = null,
        bool useCausalMask = false, bool training = false)
    {
        var (output, scores) = Attend(query, value, key ?? value, attentionMask, useCausalMask, training, keepScores: true);
        return (output, scores!);
    }

    /// <summary>[query, value] or [query, value, key]; [x] alone is self-attention.</summary>
    public override Tensor Call(IReadOnlyList<Tensor> inputs, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        RequireInputCount(inputs.Count);
        return Call(inputs[0], inputs[Math.Min(1, inputs.Count - 1)], inputs.Count > 2 ? inputs[2] : null, training: training);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Attend(x, x, x, null, false, training, keepScores: false).Output;

    /// <summary>
    /// As self-attention on one input, a propagated (B, T) mask masks queries and keys (Keras's
    /// query and value masks: query i attends to key j when both are real) and is passed on.
    /// </summary>
    public override bool SupportsMasking => true;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, Tensor? mask, bool training)
    {
        if (mask is null) return Forward(x, training);
        if (x.Rank != 3 || mask.Rank != 2 || mask.Shape[0] != x.Shape[0] || mask.Shape[1] != x.Shape[1])
            throw new ShapeMismatchException($"Layer '{Name}' ({TypeName}) got a mask {mask.Shape} for inputs {x.Shape}; it needs (batch, T).");
        var both = AttentionMasks.Combine(this, mask, mask, null, null, x.Shape[0], x.Shape[1], x.Shape[1]);
        return Attend(x, x, x, both, false, training, keepScores: false).Output;
    }

    /// <summary>
    /// [query, value(, key)] with Keras's masks of those tensors, one per input: the query, value and
    /// key masks combine into the attention mask as Keras's <c>_compute_attention_mask</c> (query i
    /// attends to key j when both are real); the output's mask is the query mask.
    /// </summary>
    protected override (Tensor Output, Tensor? Mask) ForwardMasked(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks, bool training)
    {
        RequireInputCount(inputs.Count);
        var key = inputs.Count > 2 ? inputs[2] : null;
        var output = CallWithMasks(inputs[0], inputs[1], key, null, false, training, masks[0], masks[1], inputs.Count > 2 ? masks[2] : null, keepScores: false).Output;
        return (output, ComputeMask(inputs, masks));
    }

    /// <summary>The query's mask (the first input's), as Keras's MultiHeadAttention sets on its output; null when it has none.</summary>
    public override Tensor? ComputeMask(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(masks);
        RequireInputCount(inputs.Count);
        return masks[0] is { } q ? FloatMask(q) : null;
    }

    /// <summary>
    /// Attention with Keras's propagated masks: the query mask (B, Tq) and the value and key masks
    /// (B, Tv), combined with <paramref name="attentionMask"/> and the causal mask.
    /// </summary>
    internal (Tensor Output, Tensor? Scores) CallWithMasks(Tensor query, Tensor value, Tensor? key, Tensor? attentionMask, bool causal, bool training,
        Tensor? queryMask, Tensor? valueMask, Tensor? keyMask, bool keepScores)
    {
        key ??= value;
        if (query.Rank != 3 || key.Rank != 3) throw ShapeError("query, key and value (batch, sequence, features)", (query.Rank != 3 ? query : key).Shape.WithoutBatch());
        var mask = AttentionMasks.Combine(this, queryMask, valueMask, keyMask, attentionMask, query.Shape[0], query.Shape[1], key.Shape[1]);
        return Attend(query, value, key, mask, causal, training, keepScores);
    }

    /// <summary>A mask as 0/1 floats (float32 or int32 in).</summary>
    private static Tensor FloatMask(Tensor mask)
    {
        if (mask.DType != DType.Int32) return mask;
        var result = Tensor.Zeros(mask.Shape);
        var r = result.Span;
        var m = mask.IntSpan;
        for (int i = 0; i < r.Length; i++) r[i] = m[i] != 0 ? 1f : 0f;
        return result;
    }

    /// <summary>
    /// residual + self-attention on <paramref name="x"/>, the output projection and the add as one op
    /// (<see cref="Ops.LinearResidual"/>: the same values as adding after the call), for the Transformer
    /// blocks' residual sublayers; null when the layer has an activity penalty, which needs the output alone.
    /// </summary>
    internal Tensor? CallPlusResidual(Tensor x, Tensor? attentionMask, bool useCausalMask, bool training, Tensor residual) =>
        ActivityRegularizer is null ? Attend(x, x, x, attentionMask, useCausalMask, training, keepScores: false, residual).Output : null;

    private (Tensor Output, Tensor? Scores) Attend(Tensor query, Tensor value, Tensor key, Tensor? mask, bool causal, bool training, bool keepScores,
        Tensor? residual = null)
    {
        foreach (var t in (ReadOnlySpan<Tensor>)[query, value, key])
            if (t.Rank != 3) throw ShapeError("query, key and value (batch, sequence, features)", t.Shape.WithoutBatch());
        Build(query.Shape.WithoutBatch(), value.Shape.WithoutBatch(), key.Shape.WithoutBatch());
        int batch = query.Shape[0];
        if (value.Shape[0] != batch || key.Shape[0] != batch)
            throw new ShapeMismatchException($"Layer '{Name}' ({TypeName}) got batches of {batch} queries, {key.Shape[0]} keys and {value.Shape[0]} values.");
        if (mask is not null && (mask.Rank != 3 || mask.Shape[0] != batch || mask.Shape[1] != query.Shape[1] || mask.Shape[2] != key.Shape[1]))
            throw new ShapeMismatchException(
                $"Layer '{Name}' ({TypeName}) expects attention_mask (batch, Tq, Tv) = ({batch}, {query.Shape[1]}, {key.Shape[1]}); got {mask.Shape}.");
        // Self-attention reads one tensor three times: one (B·T, features) view of it serves all
        // three projections, so their input gradients add inside the GEMMs (dX += dY·Wᵀ) rather than
        // in separate passes over three views' gradients.
        var queryRows = Rows(query);
        var keyRows = ReferenceEquals(key, query) ? queryRows : Rows(key);
        var valueRows = ReferenceEquals(value, query) ? queryRows : ReferenceEquals(value, key) ? keyRows : Rows(value);
        var q = Project(queryRows, batch, query.Shape[1], _queryKernel!, _queryBias, _queryHeads, _keyDim);                     // (B, Tq, Hq, Dk)
        var k = RepeatHeads(Project(keyRows, batch, key.Shape[1], _keyKernel!, _keyBias, _keyValueHeads, _keyDim));           // (B, Tv, Hq, Dk)
        var v = RepeatHeads(Project(valueRows, batch, value.Shape[1], _valueKernel!, _valueBias, _keyValueHeads, _valueDim)); // (B, Tv, Hq, Dv)
        float rate = training ? Dropout : 0f;
        var generator = rate > 0f ? Generator : null;
        Tensor attended;
        Tensor? scores = null;
        if (keepScores) (attended, scores) = Ops.AttentionWithScores(q, k, v, mask, causal, Scale, rate, generator);
        else attended = Ops.Attention(q, k, v, mask, causal, Scale, rate, generator);
        if (residual is not null) return (OutputProjection(attended, residual), null);
        var output = OutputProjection(attended);
        // Keras's __call__ penalises every tensor a call returns: the scores too, when they are returned.
        if (scores is null) WithActivityPenalty(output);
        else WithActivityPenalty([output, scores]);
        return (output, scores);
    }

    /// <summary>(B, T, features) · kernel (features, heads, dim) + bias → (B, T, heads, dim).</summary>
    private static Tensor Project(Tensor x, Parameter kernel, Parameter? bias, int heads, int dim) =>
        Project(Rows(x), x.Shape[0], x.Shape[1], kernel, bias, heads, dim);

    /// <summary>(B·T, features) rows → their (B, T, heads, dim) projection.</summary>
    private static Tensor Project(Tensor rows, int batch, int t, Parameter kernel, Parameter? bias, int heads, int dim)
    {
        int features = rows.Shape[1];
        var w = Ops.Reshape(kernel.Value, features, heads * dim);
        var b = bias is null ? null : Ops.Reshape(bias.Value, heads * dim);
        return Ops.Reshape(Ops.Linear(rows, w, b), batch, t, heads, dim);
    }

    /// <summary>A (B, T, features) sequence as (B·T, features) rows (a view).</summary>
    private static Tensor Rows(Tensor x) => Ops.Reshape(x, x.Shape[0] * x.Shape[1], x.Shape[2]);

    /// <summary>
    /// (B, T, Hkv, D) → (B, T, Hq, D), each key/value head repeated for its <see cref="Repeats"/>
    /// consecutive query heads (Keras's <c>ops.repeat(x, repeats, axis=2)</c>); the gradient sums over
    /// the copies. The tensor itself where every query head has its own key/value head.
    /// </summary>
    private Tensor RepeatHeads(Tensor x)
    {
        if (Repeats == 1) return x;
        int batch = x.Shape[0], t = x.Shape[1], dim = x.Shape[3];
        var grouped = Ops.Reshape(x, batch, t, _keyValueHeads, 1, dim);
        var repeated = Ops.BroadcastTo(grouped, new Shape(batch, t, _keyValueHeads, Repeats, dim));
        return Ops.Reshape(repeated, batch, t, _queryHeads, dim);
    }

    /// <summary>(B, T, Hq, Dv) · kernel (Hq, Dv, out) + bias → (B, T, out), plus <paramref name="residual"/> (B, T, out) when given.</summary>
    private Tensor OutputProjection(Tensor attended, Tensor? residual = null)
    {
        int batch = attended.Shape[0], t = attended.Shape[1], output = _outputKernel!.Shape[2];
        var w = Ops.Reshape(_outputKernel.Value, _queryHeads * _valueDim, output);
        var rows = Ops.Reshape(attended, batch * t, _queryHeads * _valueDim);
        if (residual is not null && residual.Shape != new Shape(batch, t, output))
            throw new ShapeMismatchException($"Layer '{Name}' ({TypeName}): the residual {residual.Shape} does not match the output ({batch}, {t}, {output}).");
        var y = residual is null ? Ops.Linear(rows, w, _outputBias?.Value) : Ops.LinearResidual(rows, w, _outputBias?.Value, Ops.Reshape(residual, batch * t, output));
        return Ops.Reshape(y, batch, t, output);
    }

    private void RequireInputCount(int count)
    {
        if (count is < 1 or > 3)
            throw new ArgumentException($"Layer '{Name}' ({TypeName}) takes [query, value], [query, value, key] or [x] (self-attention); got {count} inputs.");
    }

    private void RequireSequences(Shape query, Shape value, Shape key)
    {
        if (query.Rank != 2) throw ShapeError("query (batch, sequence, features)", query);
        if (value.Rank != 2) throw ShapeError("value (batch, sequence, features)", value);
        if (key.Rank != 2) throw ShapeError("key (batch, sequence, features)", key);
        if (key[0] != value[0])
            throw new ShapeMismatchException($"Layer '{Name}' ({TypeName}) needs key and value of one length; got key {key.ToBatchString()} and value {value.ToBatchString()}.");
    }
}
