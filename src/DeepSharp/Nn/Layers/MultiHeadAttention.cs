using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's MultiHeadAttention: query (batch, Tq, dq) attends to key (batch, Tv, dk) and value
/// (batch, Tv, dv) (key defaults to value) with <see cref="NumHeads"/> heads. Weights as Keras's:
/// query/key/value kernels (features, heads, keyDim or valueDim) with biases (heads, dim), and
/// attention_output kernel (heads, valueDim, out) with bias (out), out = <see cref="OutputShape"/>
/// or dq. Call with an attention mask (batch, Tq, Tv) (nonzero: may attend) and/or
/// <c>useCausalMask</c>; a query that may attend to nothing outputs the output bias (its attention
/// is all zeros, where Keras would average every value). Called with one tensor (as in a Sequential
/// model) it is self-attention. <c>CallWithScores</c> (on tensors or symbolic tensors) is Keras's <c>return_attention_scores=True</c>;
/// <see cref="Step"/> runs causal self-attention one decoding step at a time.
/// </summary>
public sealed partial class MultiHeadAttention : Layer
{
    private Parameter? _queryKernel, _queryBias, _keyKernel, _keyBias, _valueKernel, _valueBias, _outputKernel, _outputBias;
    private (Shape Value, Shape Key)? _pendingShapes;
    private RandomGenerator? _generator;

    /// <param name="numHeads">Number of attention heads, each with its own query, key and value projections.</param>
    /// <param name="keyDim">Size of each head's query and key projections (Keras's <c>key_dim</c>); scores are scaled by 1/√keyDim.</param>
    /// <param name="valueDim">Size of each head's value projection; null for <paramref name="keyDim"/>.</param>
    /// <param name="dropout">Dropout rate on the attention probabilities while training, in [0, 1).</param>
    /// <param name="useBias">Whether the query, key, value and output projections add learned biases.</param>
    /// <param name="outputShape">Features of the output (Keras's <c>output_shape</c>, a single size here); null for the query's.</param>
    /// <param name="kernelInitializer">Fills the projection kernels; null for glorot_uniform.</param>
    /// <param name="biasInitializer">Fills the biases; null for zeros.</param>
    /// <param name="seed">Seeds the attention dropout's generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="kernelRegularizer">A penalty on each projection kernel (query, key, value, output) added to the training loss (Keras's <c>kernel_regularizer</c>); null for none.</param>
    /// <param name="biasRegularizer">A penalty on each projection bias; null for none.</param>
    /// <param name="activityRegularizer">A penalty on the layer's output (and on the scores when a call returns them, as Keras), divided by the batch size; null for none.</param>
    /// <param name="kernelConstraint">A projection of each kernel after each optimizer step (Keras's <c>kernel_constraint</c>); null for none.</param>
    /// <param name="biasConstraint">A projection of each bias after each optimizer step; null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or <paramref name="dropout"/> is outside [0, 1).</exception>
    public MultiHeadAttention(int numHeads, int keyDim, int? valueDim = null, float dropout = 0f, bool useBias = true,
        int? outputShape = null, Initializer? kernelInitializer = null, Initializer? biasInitializer = null, long? seed = null,
        string? name = null, Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null) : base(name, null)
    {
        if (numHeads <= 0) throw new ArgumentOutOfRangeException(nameof(numHeads), numHeads, "MultiHeadAttention needs a positive number of heads.");
        if (keyDim <= 0) throw new ArgumentOutOfRangeException(nameof(keyDim), keyDim, "MultiHeadAttention key_dim must be positive.");
        if (valueDim is <= 0) throw new ArgumentOutOfRangeException(nameof(valueDim), valueDim, "MultiHeadAttention value_dim must be positive.");
        if (outputShape is <= 0) throw new ArgumentOutOfRangeException(nameof(outputShape), outputShape, "MultiHeadAttention output_shape must be positive.");
        if (!(dropout >= 0f && dropout < 1f)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "MultiHeadAttention dropout must be in [0, 1).");
        NumHeads = numHeads;
        KeyDim = keyDim;
        ValueDim = valueDim ?? keyDim;
        Dropout = dropout;
        UseBias = useBias;
        OutputShape = outputShape;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
        Seed = seed;
        (KernelRegularizer, BiasRegularizer, ActivityRegularizer) = (kernelRegularizer, biasRegularizer, activityRegularizer);
        (KernelConstraint, BiasConstraint) = (kernelConstraint, biasConstraint);
    }

    /// <inheritdoc/>
    public override string TypeName => "MultiHeadAttention";
    /// <summary>Number of attention heads, each with its own query, key and value projections.</summary>
    public int NumHeads { get; }
    /// <summary>Size of each head's query and key projections.</summary>
    public int KeyDim { get; }
    /// <summary>Size of each head's value projection (the key size unless given).</summary>
    public int ValueDim { get; }
    /// <summary>Dropout rate on the attention probabilities while training.</summary>
    public float Dropout { get; }
    /// <summary>Whether the projections add learned biases.</summary>
    public bool UseBias { get; }
    /// <summary>Features of the output; null: those of the query.</summary>
    public int? OutputShape { get; }
    /// <summary>What fills the projection kernels when the layer is built (glorot_uniform by default).</summary>
    public Initializer KernelInitializer { get; }
    /// <summary>What fills the biases when the layer is built (zeros by default).</summary>
    public Initializer BiasInitializer { get; }
    /// <summary>The seed of the attention dropout's generator; null when it was forked from the global generator.</summary>
    public long? Seed { get; }
    /// <summary>The penalty on each projection kernel added to the training loss; null for none.</summary>
    public Regularizer? KernelRegularizer { get; }
    /// <summary>The penalty on each projection bias added to the training loss; null for none.</summary>
    public Regularizer? BiasRegularizer { get; }
    /// <summary>The projection applied to each kernel after each optimizer step; null for none.</summary>
    public Constraint? KernelConstraint { get; }
    /// <summary>The projection applied to each bias after each optimizer step; null for none.</summary>
    public Constraint? BiasConstraint { get; }

    /// <summary>The generator of the attention dropout masks (its state goes into checkpoints).</summary>
    public RandomGenerator Generator => _generator ??= Seed is { } s ? new RandomGenerator(s) : RandomGenerator.Global.Fork();

    internal override RandomGenerator? TrainingGenerator => Dropout > 0f ? Generator : null;

    /// <summary>Features of the query, key and value the layer was built for.</summary>
    private (int Query, int Key, int Value) _features;

    /// <summary>Creates the weights for per-sample query (Tq, dq), value (Tv, dv) and key (Tv, dk) shapes (key defaults to value).</summary>
    public void Build(Shape query, Shape value, Shape? key = null)
    {
        var k = key ?? value;
        RequireSequences(query, value, k);
        if (IsBuilt)
        {
            if (query[-1] != _features.Query || k[-1] != _features.Key || value[-1] != _features.Value)
                throw new ShapeMismatchException(
                    $"Layer '{Name}' (MultiHeadAttention) was built for query, key and value features ({_features.Query}, {_features.Key}, {_features.Value}); " +
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
        int output = OutputShape ?? query[-1];
        _queryKernel = AddWeight("query/kernel", new Shape(query[-1], NumHeads, KeyDim), KernelInitializer, true, KernelRegularizer, KernelConstraint);
        if (UseBias) _queryBias = AddWeight("query/bias", new Shape(NumHeads, KeyDim), BiasInitializer, true, BiasRegularizer, BiasConstraint);
        _keyKernel = AddWeight("key/kernel", new Shape(key[-1], NumHeads, KeyDim), KernelInitializer, true, KernelRegularizer, KernelConstraint);
        if (UseBias) _keyBias = AddWeight("key/bias", new Shape(NumHeads, KeyDim), BiasInitializer, true, BiasRegularizer, BiasConstraint);
        _valueKernel = AddWeight("value/kernel", new Shape(value[-1], NumHeads, ValueDim), KernelInitializer, true, KernelRegularizer, KernelConstraint);
        if (UseBias) _valueBias = AddWeight("value/bias", new Shape(NumHeads, ValueDim), BiasInitializer, true, BiasRegularizer, BiasConstraint);
        _outputKernel = AddWeight("attention_output/kernel", new Shape(NumHeads, ValueDim, output), KernelInitializer, true, KernelRegularizer, KernelConstraint);
        if (UseBias) _outputBias = AddWeight("attention_output/bias", new Shape(output), BiasInitializer, true, BiasRegularizer, BiasConstraint);
        if (Dropout > 0f) _ = Generator;
    }

    /// <summary>Self-attention's output for a query (Tq, features): (Tq, <see cref="OutputShape"/> or features).</summary>
    /// <exception cref="ShapeMismatchException">The input is not (time, features).</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 2) throw ShapeError("query (batch, sequence, features)", inputShape);
        return new Shape(inputShape[0], OutputShape ?? inputShape[1]);
    }

    /// <summary>The output for [query], [query, value] or [query, value, key]: (Tq, <see cref="OutputShape"/> or the query's features).</summary>
    /// <exception cref="ArgumentException">Not one to three inputs.</exception>
    /// <exception cref="ShapeMismatchException">An input is not (time, features), or key and value differ in length.</exception>
    public override Shape ComputeOutputShape(IReadOnlyList<Shape> inputShapes)
    {
        RequireInputCount(inputShapes.Count);
        var value = inputShapes[Math.Min(1, inputShapes.Count - 1)];
        RequireSequences(inputShapes[0], value, inputShapes.Count > 2 ? inputShapes[2] : value);
        return ComputeOutputShape(inputShapes[0]);
    }

    /// <summary>Attention of <paramref name="query"/> to <paramref name="value"/> (and <paramref name="key"/>, default value): (batch, Tq, out).</summary>
    public Tensor Call(Tensor query, Tensor value, Tensor? key = null, Tensor? attentionMask = null, bool useCausalMask = false, bool training = false) =>
        Attend(query, value, key ?? value, attentionMask, useCausalMask, training, keepScores: false).Output;

    /// <summary>
    /// <see cref="Call(Tensor, Tensor, Tensor?, Tensor?, bool, bool)"/> that also returns the attention
    /// probabilities (batch, heads, Tq, Tv) before dropout, as Keras's return_attention_scores. The
    /// scores are for inspection: gradients flow through the output only.
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
    /// As self-attention on one input, a propagated (batch, T) mask masks queries and keys (Keras's
    /// query and value masks: query i attends to key j when both are real) and is passed on.
    /// </summary>
    public override bool SupportsMasking => true;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, Tensor? mask, bool training)
    {
        if (mask is null) return Forward(x, training);
        if (x.Rank != 3 || mask.Rank != 2 || mask.Shape[0] != x.Shape[0] || mask.Shape[1] != x.Shape[1])
            throw new ShapeMismatchException($"Layer '{Name}' (MultiHeadAttention) got a mask {mask.Shape} for inputs {x.Shape}; it needs (batch, T).");
        int batch = x.Shape[0], t = x.Shape[1];
        var both = Tensor.Temp(new Shape(batch, t, t));
        var m = both.Span;
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < t; i++)
                for (int j = 0; j < t; j++)
                    m[(b * t + i) * t + j] = Real(mask, b * t + i) && Real(mask, b * t + j) ? 1f : 0f;
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
        Tensor query = inputs[0], value = inputs[1];
        var key = inputs.Count > 2 ? inputs[2] : null;
        var output = CallWithMasks(query, value, key, null, false, training, masks[0], masks[1], inputs.Count > 2 ? masks[2] : null, keepScores: false).Output;
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
    /// Attention with Keras's propagated masks: the query mask (batch, Tq) and the value and key masks
    /// (batch, Tv), combined with <paramref name="attentionMask"/> and the causal mask.
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

    private static bool Real(Tensor mask, int index) => mask.DType == DType.Int32 ? mask.IntSpan[index] != 0 : mask.Span[index] != 0f;

    private (Tensor Output, Tensor? Scores) Attend(Tensor query, Tensor value, Tensor key, Tensor? mask, bool causal, bool training, bool keepScores)
    {
        foreach (var t in (ReadOnlySpan<Tensor>)[query, value, key])
            if (t.Rank != 3) throw ShapeError("query, key and value (batch, sequence, features)", t.Shape.WithoutBatch());
        Build(query.Shape.WithoutBatch(), value.Shape.WithoutBatch(), key.Shape.WithoutBatch());
        int batch = query.Shape[0];
        if (value.Shape[0] != batch || key.Shape[0] != batch)
            throw new ShapeMismatchException($"Layer '{Name}' (MultiHeadAttention) got batches of {batch} queries, {key.Shape[0]} keys and {value.Shape[0]} values.");
        if (mask is not null && (mask.Rank != 3 || mask.Shape[0] != batch || mask.Shape[1] != query.Shape[1] || mask.Shape[2] != key.Shape[1]))
            throw new ShapeMismatchException(
                $"Layer '{Name}' (MultiHeadAttention) expects attention_mask (batch, Tq, Tv) = ({batch}, {query.Shape[1]}, {key.Shape[1]}); got {mask.Shape}.");
        // Self-attention reads one tensor three times: one (batch·T, features) view of it serves all
        // three projections, so their input gradients add inside the GEMMs (dX += dY·Wᵀ) rather than
        // in separate passes over three views' gradients.
        var queryRows = Rows(query);
        var keyRows = ReferenceEquals(key, query) ? queryRows : Rows(key);
        var valueRows = ReferenceEquals(value, query) ? queryRows : ReferenceEquals(value, key) ? keyRows : Rows(value);
        var q = Project(queryRows, batch, query.Shape[1], _queryKernel!, _queryBias, KeyDim);
        var k = Project(keyRows, batch, key.Shape[1], _keyKernel!, _keyBias, KeyDim);
        var v = Project(valueRows, batch, value.Shape[1], _valueKernel!, _valueBias, ValueDim);
        float rate = training ? Dropout : 0f;
        var generator = rate > 0f ? Generator : null;
        Tensor attended;
        Tensor? scores = null;
        if (keepScores) (attended, scores) = Ops.AttentionWithScores(q, k, v, mask, causal, Scale, rate, generator);
        else attended = Ops.Attention(q, k, v, mask, causal, Scale, rate, generator);
        var output = OutputProjection(attended);
        // Keras's __call__ penalises every tensor a call returns: the scores too, when they are returned.
        if (scores is null) WithActivityPenalty(output);
        else WithActivityPenalty([output, scores]);
        return (output, scores);
    }

    private float Scale => 1f / MathF.Sqrt(KeyDim);

    /// <summary>(batch, T, features) · kernel (features, heads, dim) + bias → (batch, T, heads, dim).</summary>
    private Tensor Project(Tensor x, Parameter kernel, Parameter? bias, int dim) => Project(Rows(x), x.Shape[0], x.Shape[1], kernel, bias, dim);

    /// <summary>(batch·T, features) rows → their (batch, T, heads, dim) projection.</summary>
    private Tensor Project(Tensor rows, int batch, int t, Parameter kernel, Parameter? bias, int dim)
    {
        int features = rows.Shape[1];
        var w = Ops.Reshape(kernel.Value, features, NumHeads * dim);
        var b = bias is null ? null : Ops.Reshape(bias.Value, NumHeads * dim);
        return Ops.Reshape(Ops.Linear(rows, w, b), batch, t, NumHeads, dim);
    }

    /// <summary>A (batch, T, features) sequence as (batch·T, features) rows (a view).</summary>
    private static Tensor Rows(Tensor x) => Ops.Reshape(x, x.Shape[0] * x.Shape[1], x.Shape[2]);

    /// <summary>(batch, T, heads, valueDim) · kernel (heads, valueDim, out) + bias → (batch, T, out).</summary>
    private Tensor OutputProjection(Tensor attended)
    {
        int batch = attended.Shape[0], t = attended.Shape[1], output = _outputKernel!.Shape[2];
        var w = Ops.Reshape(_outputKernel.Value, NumHeads * ValueDim, output);
        var y = Ops.Linear(Ops.Reshape(attended, batch * t, NumHeads * ValueDim), w, _outputBias?.Value);
        return Ops.Reshape(y, batch, t, output);
    }

    private void RequireInputCount(int count)
    {
        if (count is < 1 or > 3)
            throw new ArgumentException($"Layer '{Name}' (MultiHeadAttention) takes [query, value], [query, value, key] or [x] (self-attention); got {count} inputs.");
    }

    private void RequireSequences(Shape query, Shape value, Shape key)
    {
        if (query.Rank != 2) throw ShapeError("query (batch, sequence, features)", query);
        if (value.Rank != 2) throw ShapeError("value (batch, sequence, features)", value);
        if (key.Rank != 2) throw ShapeError("key (batch, sequence, features)", key);
        if (key[0] != value[0])
            throw new ShapeMismatchException($"Layer '{Name}' (MultiHeadAttention) needs key and value of one length; got key {key.ToBatchString()} and value {value.ToBatchString()}.");
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["num_heads"] = NumHeads;
        config["key_dim"] = KeyDim;
        config["value_dim"] = ValueDim;
        config["dropout"] = Dropout;
        config["use_bias"] = UseBias;
        config["output_shape"] = OutputShape;
        config["attention_axes"] = null;
        config["kernel_initializer"] = KernelInitializer.ToConfig();
        config["bias_initializer"] = BiasInitializer.ToConfig();
        if (Seed is { } s) config["seed"] = s;
        ConfigObjects.Put(config, "kernel_regularizer", KernelRegularizer);
        ConfigObjects.Put(config, "bias_regularizer", BiasRegularizer);
        ConfigObjects.Put(config, "kernel_constraint", KernelConstraint);
        ConfigObjects.Put(config, "bias_constraint", BiasConstraint);
        return config;
    }

    internal static MultiHeadAttention FromConfig(LayerConfig c)
    {
        if (c.Axes("attention_axes") is { } axes && !(axes.Length == 1 && axes[0] is 1 or -2))
            throw c.Error("attention_axes", $"is [{string.Join(", ", axes)}]; MultiHeadAttention attends over the sequence axis only (1 or -2)");
        int? outputShape = c.Has("output_shape") ? c.OneSize("output_shape", null) : null;
        return new MultiHeadAttention(
            c.RequiredSize("num_heads"), c.RequiredSize("key_dim"),
            c.OptionalSize("value_dim"), c.Rate("dropout", 0f), c.Bool("use_bias", true), outputShape,
            c.Initializer("kernel_initializer", "glorot_uniform"), c.Initializer("bias_initializer", "zeros"),
            c.Seed(), c.Name,
            c.Regularizer("kernel_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"),
            c.Constraint("kernel_constraint"), c.Constraint("bias_constraint"));
    }
}
