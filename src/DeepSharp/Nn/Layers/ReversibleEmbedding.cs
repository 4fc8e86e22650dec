using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// An <see cref="Embedding"/> that can also run in reverse (keras_hub's ReversibleEmbedding), for
/// language-model output heads whose weights are tied to the input embedding (BERT, GPT-2): a plain
/// call maps token ids to rows of the (inputDim, outputDim) table "embeddings"; a reverse call maps
/// vectors (..., outputDim) to logits (..., inputDim) = x · embeddingsᵀ. Training the model then
/// sends both uses' gradients into the one table. With <c>tieWeights: false</c> the reverse call
/// uses its own (outputDim, inputDim) "reverse_embeddings" instead. In a functional model the reverse
/// call is recorded with Keras's keyword <c>reverse=True</c>, so model files keep the tie.
/// <code>
/// var embedding = new ReversibleEmbedding(vocabulary, 64, name: "token_embedding", maskZero: true);
/// var x = embedding.Call(tokens);             // (batch, T, 64)
/// // ... encoder blocks ...
/// var logits = embedding.Reverse(x);          // (batch, T, vocabulary), the same table
/// </code>
/// </summary>
public sealed class ReversibleEmbedding : Layer
{
    private const string ReverseKeyword = "reverse";
    private Parameter? _embeddings, _reverseEmbeddings;

    /// <param name="inputDim">Size of the vocabulary: indices run over [0, inputDim), padding index 0 included; the reverse call's logits have this many classes.</param>
    /// <param name="outputDim">Length of each embedding vector: the plain call's last output axis and the reverse call's last input axis.</param>
    /// <param name="tieWeights">True (the default) for a reverse call through the embedding table itself; false for a separate reverse table.</param>
    /// <param name="embeddingsInitializer">Fills the table(s); null for Keras's "uniform" in [−0.05, 0.05].</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample shape of the indices, for a Sequential model's first layer; null to build on the first call.</param>
    /// <param name="maskZero">Treat index 0 as padding and output a mask of the other indices, as <see cref="Embedding"/> does.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inputDim"/> or <paramref name="outputDim"/> is not positive.</exception>
    public ReversibleEmbedding(int inputDim, int outputDim, bool tieWeights = true, Initializer? embeddingsInitializer = null,
        string? name = null, int[]? inputShape = null, bool maskZero = false)
        : base(name, inputShape)
    {
        if (inputDim <= 0) throw new ArgumentOutOfRangeException(nameof(inputDim), inputDim, "ReversibleEmbedding input_dim must be positive.");
        if (outputDim <= 0) throw new ArgumentOutOfRangeException(nameof(outputDim), outputDim, "ReversibleEmbedding output_dim must be positive.");
        (InputDim, OutputDim, TieWeights, MaskZero) = (inputDim, outputDim, tieWeights, maskZero);
        EmbeddingsInitializer = embeddingsInitializer ?? Initializer.Uniform;
    }

    /// <inheritdoc/>
    public override string TypeName => "ReversibleEmbedding";
    /// <summary>Size of the vocabulary: valid indices are [0, InputDim), and the reverse call gives InputDim logits.</summary>
    public int InputDim { get; }
    /// <summary>Length of each embedding vector.</summary>
    public int OutputDim { get; }
    /// <summary>Whether the reverse call uses the embedding table itself (true) or a table of its own.</summary>
    public bool TieWeights { get; }
    /// <summary>What fills the table(s) when the layer is built.</summary>
    public Initializer EmbeddingsInitializer { get; }
    /// <summary>Treat index 0 as padding and output a mask of the other indices (Keras's mask_zero).</summary>
    public bool MaskZero { get; }

    /// <summary>The (inputDim, outputDim) table both calls use when the weights are tied; null before the layer is built.</summary>
    public Parameter? Embeddings => _embeddings;

    /// <summary>True with <see cref="MaskZero"/>, when the plain call makes a mask of the non-padding indices.</summary>
    public override bool SupportsMasking => MaskZero;

    internal override bool AcceptsInt32(int index) => true;

    /// <summary>With <see cref="MaskZero"/>: 1 where the index is not 0, 0 where it is, in the indices' shape.</summary>
    public override Tensor? ComputeMask(Tensor input, Tensor? mask)
    {
        if (!MaskZero) return null;
        var result = Tensor.Temp(input.Shape);
        var m = result.Span;
        if (input.DType == DType.Int32)
        {
            var ids = input.IntSpan;
            for (int i = 0; i < m.Length; i++) m[i] = ids[i] != 0 ? 1f : 0f;
        }
        else
        {
            var ids = input.Span;
            for (int i = 0; i < m.Length; i++) m[i] = ids[i] != 0f ? 1f : 0f;
        }
        return result;
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        _embeddings = AddWeight("embeddings", new Shape(InputDim, OutputDim), EmbeddingsInitializer);
        if (!TieWeights) _reverseEmbeddings = AddWeight("reverse_embeddings", new Shape(OutputDim, InputDim), EmbeddingsInitializer);
    }

    /// <summary>The plain call's shape: the indices' shape with an axis of <see cref="OutputDim"/> appended.</summary>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        var dims = new int[inputShape.Rank + 1];
        inputShape.Dims.CopyTo(dims);
        dims[^1] = OutputDim;
        return new Shape(dims);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        try
        {
            return Ops.Embedding(_embeddings!.Value, x);
        }
        catch (ArgumentException e)
        {
            throw new DeepSharpException($"Layer '{Name}' (ReversibleEmbedding): {e.Message}", e);
        }
    }

    /// <summary>
    /// The reverse call on a batch: logits (..., <see cref="InputDim"/>) = x · embeddingsᵀ for vectors
    /// x (..., <see cref="OutputDim"/>) (keras_hub's <c>call(x, reverse=True)</c>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The layer is not built yet: call it on token ids first.</exception>
    /// <exception cref="ShapeMismatchException"><paramref name="x"/>'s last axis is not <see cref="OutputDim"/>.</exception>
    public Tensor Reverse(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireReverse(x.Shape.WithoutBatch(), x.DType);
        var table = TieWeights ? Ops.Transpose(_embeddings!.Value) : _reverseEmbeddings!.Value;
        return Ops.MatMul(x, table);
    }

    /// <summary>Records a reverse call in a functional graph: logits (..., <see cref="InputDim"/>) over the vocabulary.</summary>
    /// <exception cref="InvalidOperationException">The layer is not built yet: call it on token ids first.</exception>
    /// <exception cref="ShapeMismatchException"><paramref name="x"/>'s last axis is not <see cref="OutputDim"/>.</exception>
    public SymbolicTensor Reverse(SymbolicTensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Call([x], new CallArguments(1, flags: [new(ReverseKeyword, true)]));
    }

    internal override SymbolicTensor Call(IReadOnlyList<SymbolicTensor> inputs, CallArguments arguments)
    {
        if (ReferenceEquals(arguments, CallArguments.None) || !IsReverse(inputs.Count, arguments)) return Call(inputs);
        var shape = inputs[0].Shape;
        RequireReverse(shape, inputs[0].DType);
        var dims = shape.ToArray();
        dims[^1] = InputDim;
        return RecordCall(inputs, arguments, new Shape(dims));
    }

    internal override Tensor Call(IReadOnlyList<Tensor> inputs, CallArguments arguments, bool training)
    {
        if (ReferenceEquals(arguments, CallArguments.None) || !IsReverse(inputs.Count, arguments)) return Call(inputs, training);
        return Reverse(inputs[0]);
    }

    /// <summary>Whether a call's keyword arguments ask for the reverse call (only <c>reverse</c> is known); also read by the ONNX export.</summary>
    internal bool IsReverse(int count, CallArguments arguments)
    {
        arguments.RequireKnown(this, [], [ReverseKeyword]);
        if (count != 1 || arguments.Positional != 1)
            throw new ArgumentException($"Layer '{Name}' (ReversibleEmbedding) takes one input and optionally reverse; got {count} inputs ({arguments}).");
        return arguments.Flag(ReverseKeyword);
    }

    private void RequireReverse(Shape shape, DType dtype)
    {
        if (!IsBuilt)
            throw new InvalidOperationException($"Layer '{Path}' (ReversibleEmbedding) is not built: call it on token ids before its reverse call.");
        if (dtype != DType.Float32)
            throw new DeepSharpException($"Layer '{Name}' (ReversibleEmbedding): the reverse call takes float32 vectors (..., {OutputDim}); got {dtype}.");
        if (shape.Rank < 1 || shape[-1] != OutputDim) throw ShapeError($"(..., {OutputDim}) for the reverse call", shape);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["input_dim"] = InputDim;
        config["output_dim"] = OutputDim;
        config["tie_weights"] = TieWeights;
        config["embeddings_initializer"] = EmbeddingsInitializer.ToConfig();
        config["mask_zero"] = MaskZero;
        return config;
    }

    internal static ReversibleEmbedding FromConfig(LayerConfig c) => new(
        c.RequiredSize("input_dim"), c.RequiredSize("output_dim"), c.Bool("tie_weights", true),
        c.Initializer("embeddings_initializer", "uniform"), c.Name, c.Shape("input_shape"), c.Bool("mask_zero", false));
}
