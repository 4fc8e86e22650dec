using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

// Shape legend: B batch, Tq queries, Tv keys and values, Hq query heads, Hkv key/value heads, D head_dim, F query features.

/// <summary>
/// Keras's <c>GroupQueryAttention</c> (Ainslie et al., 2023): <see cref="NumQueryHeads"/> query heads
/// share <see cref="NumKeyValueHeads"/> key and value heads, each key/value head serving
/// Hq/Hkv consecutive query heads (1 key/value head: multi-query attention; as many as query heads:
/// <see cref="MultiHeadAttention"/>). Weights as Keras's: query/kernel (F, Hq, D), key/kernel and
/// value/kernel (features, Hkv, D), their biases (heads, D), attention_output/kernel (Hq, D, F) and
/// bias (F); the output has the query's features. Scores are scaled by 1/√D. Call with query, value,
/// key (default value), an attention mask (B, Tq, Tv) (nonzero: may attend) and/or
/// <c>useCausalMask</c>; a query that may attend to nothing outputs the output bias (Keras would
/// average every value). Called with one tensor (as in a Sequential model) it is self-attention.
/// </summary>
public sealed partial class GroupQueryAttention : Layer
{
    private Parameter? _queryKernel, _queryBias, _keyKernel, _keyBias, _valueKernel, _valueBias, _outputKernel, _outputBias;
    private (Shape Value, Shape Key)? _pendingShapes;
    private (int Query, int Key, int Value) _features;
    private RandomGenerator? _generator;

    /// <param name="headDim">Size of each head's query, key and value projections (Keras's <c>head_dim</c>).</param>
    /// <param name="numQueryHeads">Number of query heads.</param>
    /// <param name="numKeyValueHeads">Number of key and value heads (groups); must divide <paramref name="numQueryHeads"/>.</param>
    /// <param name="dropout">Dropout rate on the attention probabilities while training, in [0, 1).</param>
    /// <param name="useBias">Whether the query, key, value and output projections add learned biases.</param>
    /// <param name="flashAttention">Keras's switch for a flash-attention kernel: null or false. DeepSharp's fused attention
    /// kernel runs always, so true (a request for a backend's flash attention) is refused.</param>
    /// <param name="kernelInitializer">Fills the projection kernels; null for glorot_uniform.</param>
    /// <param name="biasInitializer">Fills the biases; null for zeros.</param>
    /// <param name="kernelRegularizer">A penalty on each projection kernel added to the training loss; null for none.</param>
    /// <param name="biasRegularizer">A penalty on each projection bias; null for none.</param>
    /// <param name="activityRegularizer">A penalty on the layer's output, divided by the batch size; null for none.</param>
    /// <param name="kernelConstraint">A projection of each kernel after each optimizer step; null for none.</param>
    /// <param name="biasConstraint">A projection of each bias after each optimizer step; null for none.</param>
    /// <param name="seed">Seeds the attention dropout's generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or <paramref name="dropout"/> is outside [0, 1).</exception>
    /// <exception cref="ArgumentException"><paramref name="numQueryHeads"/> is not a multiple of <paramref name="numKeyValueHeads"/>, or <paramref name="flashAttention"/> is true.</exception>
    public GroupQueryAttention(int headDim, int numQueryHeads, int numKeyValueHeads, float dropout = 0f, bool useBias = true, bool? flashAttention = null,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null, long? seed = null, string? name = null) : base(name, null)
    {
        if (headDim <= 0) throw new ArgumentOutOfRangeException(nameof(headDim), headDim, "GroupQueryAttention head_dim must be positive.");
        if (numQueryHeads <= 0) throw new ArgumentOutOfRangeException(nameof(numQueryHeads), numQueryHeads, "GroupQueryAttention num_query_heads must be positive.");
        if (numKeyValueHeads <= 0) throw new ArgumentOutOfRangeException(nameof(numKeyValueHeads), numKeyValueHeads, "GroupQueryAttention num_key_value_heads must be positive.");
        if (numQueryHeads % numKeyValueHeads != 0)
            throw new ArgumentException($"GroupQueryAttention num_query_heads ({numQueryHeads}) must be a multiple of num_key_value_heads ({numKeyValueHeads}): " +
                "each key/value head serves the same number of query heads.", nameof(numKeyValueHeads));
        if (!(dropout >= 0f && dropout < 1f)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "GroupQueryAttention dropout must be in [0, 1).");
        if (flashAttention == true)
            throw new ArgumentException("GroupQueryAttention flash_attention=True asks for a backend's flash-attention kernel, which DeepSharp does not have; " +
                "leave it null or false (DeepSharp's fused attention kernel runs always).", nameof(flashAttention));
        HeadDim = headDim;
        NumQueryHeads = numQueryHeads;
        NumKeyValueHeads = numKeyValueHeads;
        Dropout = dropout;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
        (KernelRegularizer, BiasRegularizer, ActivityRegularizer) = (kernelRegularizer, biasRegularizer, activityRegularizer);
        (KernelConstraint, BiasConstraint) = (kernelConstraint, biasConstraint);
        Seed = seed;
    }

    /// <inheritdoc/>
    public override string TypeName => "GroupQueryAttention";
    /// <summary>Size of each head's query, key and value projections.</summary>
    public int HeadDim { get; }
    /// <summary>Number of query heads.</summary>
    public int NumQueryHeads { get; }
    /// <summary>Number of key and value heads; each serves <see cref="NumQueryHeads"/> / this many query heads.</summary>
    public int NumKeyValueHeads { get; }
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
    internal int Repeats => NumQueryHeads / NumKeyValueHeads;

    internal float Scale => 1f / MathF.Sqrt(HeadDim);

    /// <summary>Creates the weights for per-sample query (Tq, dq), value (Tv, dv) and key (Tv, dk) shapes (key defaults to value).</summary>
    public void Build(Shape query, Shape value, Shape? key = null)
    {
        var k = key ?? value;
        RequireSequences(query, value, k);
        if (IsBuilt)
        {
            if (query[-1] != _features.Query || k[-1] != _features.Key || value[-1] != _features.Value)
                throw new ShapeMismatchException(
                    $"Layer '{Name}' (GroupQueryAttention) was built for query, key and value features ({_features.Query}, {_features.Key}, {_features.Value}); " +
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
        _queryKernel = Kernel("query/kernel", new Shape(query[-1], NumQueryHeads, HeadDim));
        if (UseBias) _queryBias = Bias("query/bias", new Shape(NumQueryHeads, HeadDim));
        _keyKernel = Kernel("key/kernel", new Shape(key[-1], NumKeyValueHeads, HeadDim));
        if (UseBias) _keyBias = Bias("key/bias", new Shape(NumKeyValueHeads, HeadDim));
        _valueKernel = Kernel("value/kernel", new Shape(value[-1], NumKeyValueHeads, HeadDim));
        if (UseBias) _valueBias = Bias("value/bias", new Shape(NumKeyValueHeads, HeadDim));
        _outputKernel = Kernel("attention_output/kernel", new Shape(NumQueryHeads, HeadDim, query[-1]));
        if (UseBias) _outputBias = Bias("attention_output/bias", new Shape(query[-1]));
        if (Dropout > 0f) _ = Generator;
    }

    private Parameter Kernel(string name, Shape shape) => AddWeight(name, shape, KernelInitializer, true, KernelRegularizer, KernelConstraint);
    private Parameter Bias(string name, Shape shape) => AddWeight(name, shape, BiasInitializer, true, BiasRegularizer, BiasConstraint);

    /// <summary>Self-attention's output for a query (Tq, features): the same shape.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (time, features).</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 2) throw ShapeError("query (batch, sequence, features)", inputShape);
        return inputShape;
    }

    /// <summary>The output for [query], [query, value] or [query, value, key]: the query's shape.</summary>
    public override Shape ComputeOutputShape(IReadOnlyList<Shape> inputShapes)
    {
        RequireInputCount(inputShapes.Count);
        var value = inputShapes[Math.Min(1, inputShapes.Count - 1)];
        RequireSequences(inputShapes[0], value, inputShapes.Count > 2 ? inputShapes[2] : value);
        return ComputeOutputShape(inputShapes[0]);
    }

    /// <summary>Attention of <paramref name="query"/> (B, Tq, F) to <paramref name="value"/> (and <paramref name="key"/>, default value): (B, Tq, F).</summary>
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

    /// <summary>As self-attention on one input, a propagated (B, T) mask masks queries and keys, and is passed on.</summary>
    public override bool SupportsMasking => true;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, Tensor? mask, bool training)
    {
        if (mask is null) return Forward(x, training);
        if (x.Rank != 3) throw ShapeError("query (batch, sequence, features)", x.Shape.WithoutBatch());
        var both = AttentionMasks.Combine(this, mask, mask, null, null, x.Shape[0], x.Shape[1], x.Shape[1]);
        return Attend(x, x, x, both, false, training, keepScores: false).Output;
    }

    /// <summary>[query, value(, key)] with their propagated masks, combined as Keras's <c>_compute_attention_mask</c>; the output's mask is the query's.</summary>
    protected override (Tensor Output, Tensor? Mask) ForwardMasked(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks, bool training)
    {
        RequireInputCount(inputs.Count);
        var key = inputs.Count > 2 ? inputs[2] : null;
        var output = CallWithMasks(inputs[0], inputs[1], key, null, false, training, masks[0], masks[1], inputs.Count > 2 ? masks[2] : null, keepScores: false).Output;
        return (output, ComputeMask(inputs, masks));
    }

    /// <summary>The query's mask (the first input's), as Keras passes on; null when it has none.</summary>
    public override Tensor? ComputeMask(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(masks);
        RequireInputCount(inputs.Count);
        return masks[0] is { } q ? FloatMask(q) : null;
    }

    internal (Tensor Output, Tensor? Scores) CallWithMasks(Tensor query, Tensor value, Tensor? key, Tensor? attentionMask, bool causal, bool training,
        Tensor? queryMask, Tensor? valueMask, Tensor? keyMask, bool keepScores)
    {
        key ??= value;
        if (query.Rank != 3 || key.Rank != 3) throw ShapeError("query, key and value (batch, sequence, features)", (query.Rank != 3 ? query : key).Shape.WithoutBatch());
        var mask = AttentionMasks.Combine(this, queryMask, valueMask, keyMask, attentionMask, query.Shape[0], query.Shape[1], key.Shape[1]);
        return Attend(query, value, key, mask, causal, training, keepScores);
    }

    private static Tensor FloatMask(Tensor mask)
    {
        if (mask.DType != DType.Int32) return mask;
        var result = Tensor.Zeros(mask.Shape);
        var r = result.Span;
        var m = mask.IntSpan;
        for (int i = 0; i < r.Length; i++) r[i] = m[i] != 0 ? 1f : 0f;
        return result;
    }

    private (Tensor Output, Tensor? Scores) Attend(Tensor query, Tensor value, Tensor key, Tensor? mask, bool causal, bool training, bool keepScores)
    {
        foreach (var t in (ReadOnlySpan<Tensor>)[query, value, key])
            if (t.Rank != 3) throw ShapeError("query, key and value (batch, sequence, features)", t.Shape.WithoutBatch());
        Build(query.Shape.WithoutBatch(), value.Shape.WithoutBatch(), key.Shape.WithoutBatch());
        int batch = query.Shape[0];
        if (value.Shape[0] != batch || key.Shape[0] != batch)
            throw new ShapeMismatchException($"Layer '{Name}' (GroupQueryAttention) got batches of {batch} queries, {key.Shape[0]} keys and {value.Shape[0]} values.");
        if (mask is not null && (mask.Rank != 3 || mask.Shape[0] != batch || mask.Shape[1] != query.Shape[1] || mask.Shape[2] != key.Shape[1]))
            throw new ShapeMismatchException(
                $"Layer '{Name}' (GroupQueryAttention) expects attention_mask (batch, Tq, Tv) = ({batch}, {query.Shape[1]}, {key.Shape[1]}); got {mask.Shape}.");
        var q = Project(query, _queryKernel!, _queryBias, NumQueryHeads);              // (B, Tq, Hq, D)
        var k = RepeatHeads(Project(key, _keyKernel!, _keyBias, NumKeyValueHeads));     // (B, Tv, Hq, D)
        var v = RepeatHeads(Project(value, _valueKernel!, _valueBias, NumKeyValueHeads)); // (B, Tv, Hq, D)
        float rate = training ? Dropout : 0f;
        var generator = rate > 0f ? Generator : null;
        Tensor attended;
        Tensor? scores = null;
        if (keepScores) (attended, scores) = Ops.AttentionWithScores(q, k, v, mask, causal, Scale, rate, generator);
        else attended = Ops.Attention(q, k, v, mask, causal, Scale, rate, generator);
        int tq = query.Shape[1], features = _features.Query;
        var w = Ops.Reshape(_outputKernel!.Value, NumQueryHeads * HeadDim, features);
        var output = Ops.Reshape(Ops.Linear(Ops.Reshape(attended, batch * tq, NumQueryHeads * HeadDim), w, _outputBias?.Value), batch, tq, features);
        if (scores is null) WithActivityPenalty(output);
        else WithActivityPenalty([output, scores]);
        return (output, scores);
    }

    /// <summary>(B, T, features) · kernel (features, heads, D) + bias → (B, T, heads, D).</summary>
    private Tensor Project(Tensor x, Parameter kernel, Parameter? bias, int heads)
    {
        int batch = x.Shape[0], t = x.Shape[1], features = x.Shape[2];
        var rows = Ops.Reshape(x, batch * t, features);
        var w = Ops.Reshape(kernel.Value, features, heads * HeadDim);
        var b = bias is null ? null : Ops.Reshape(bias.Value, heads * HeadDim);
        return Ops.Reshape(Ops.Linear(rows, w, b), batch, t, heads, HeadDim);
    }

    /// <summary>
    /// (B, Tv, Hkv, D) → (B, Tv, Hq, D), each key/value head repeated for its <see cref="Repeats"/>
    /// consecutive query heads (Keras's <c>ops.repeat(x, repeats, axis=2)</c>); the gradient sums over the copies.
    /// </summary>
    private Tensor RepeatHeads(Tensor x)
    {
        if (Repeats == 1) return x;
        int batch = x.Shape[0], t = x.Shape[1];
        var grouped = Ops.Reshape(x, batch, t, NumKeyValueHeads, 1, HeadDim);
        var repeated = Ops.BroadcastTo(grouped, new Shape(batch, t, NumKeyValueHeads, Repeats, HeadDim));
        return Ops.Reshape(repeated, batch, t, NumQueryHeads, HeadDim);
    }

    private void RequireInputCount(int count)
    {
        if (count is < 1 or > 3)
            throw new ArgumentException($"Layer '{Name}' (GroupQueryAttention) takes [query, value], [query, value, key] or [x] (self-attention); got {count} inputs.");
    }

    private void RequireSequences(Shape query, Shape value, Shape key)
    {
        if (query.Rank != 2) throw ShapeError("query (batch, sequence, features)", query);
        if (value.Rank != 2) throw ShapeError("value (batch, sequence, features)", value);
        if (key.Rank != 2) throw ShapeError("key (batch, sequence, features)", key);
        if (key[0] != value[0])
            throw new ShapeMismatchException($"Layer '{Name}' (GroupQueryAttention) needs key and value of one length; got key {key.ToBatchString()} and value {value.ToBatchString()}.");
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["head_dim"] = HeadDim;
        config["num_query_heads"] = NumQueryHeads;
        config["num_key_value_heads"] = NumKeyValueHeads;
        config["use_bias"] = UseBias;
        config["dropout"] = Dropout;
        config["kernel_initializer"] = KernelInitializer.ToConfig();
        config["bias_initializer"] = BiasInitializer.ToConfig();
        ConfigObjects.Put(config, "kernel_regularizer", KernelRegularizer);
        ConfigObjects.Put(config, "bias_regularizer", BiasRegularizer);
        ConfigObjects.Put(config, "kernel_constraint", KernelConstraint);
        ConfigObjects.Put(config, "bias_constraint", BiasConstraint);
        if (Seed is { } s) config["seed"] = s;
        return config;
    }

    internal static GroupQueryAttention FromConfig(LayerConfig c)
    {
        int headDim = c.RequiredSize("head_dim"), query = c.RequiredSize("num_query_heads"), keyValue = c.RequiredSize("num_key_value_heads");
        if (query % keyValue != 0) throw c.Error("num_key_value_heads", $"is {keyValue}, which does not divide num_query_heads ({query})");
        if (c.Has("flash_attention") && c.Json["flash_attention"] is JsonValue f && f.TryGetValue(out bool flash) && flash)
            throw c.Error("flash_attention", "is true; DeepSharp has no flash-attention kernel (its fused attention kernel runs always)");
        return new GroupQueryAttention(headDim, query, keyValue, c.Rate("dropout", 0f), c.Bool("use_bias", true), null,
            c.Initializer("kernel_initializer", "glorot_uniform"), c.Initializer("bias_initializer", "zeros"),
            c.Regularizer("kernel_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"),
            c.Constraint("kernel_constraint"), c.Constraint("bias_constraint"), c.Seed(), c.Name);
    }
}
