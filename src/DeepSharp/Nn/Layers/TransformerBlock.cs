using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// What the Transformer encoder and decoder blocks share (keras_hub's TransformerEncoder/Decoder
/// arguments): the configuration, the feed-forward sublayers, and the residual wiring. With
/// <see cref="NormalizeFirst"/> (the default here, "pre-LN") each sublayer f is applied as
/// x + dropout(f(LayerNorm(x))); without it as LayerNorm(x + dropout(f(x))) (the original "post-LN").
/// The feed-forward network is Dense(intermediateDim, activation) then Dense(features).
/// Sublayers are created when the block is built and are tracked: their weights are the block's.
/// </summary>
public abstract class TransformerBlock : Layer
{
    private LayerNormalization? _feedforwardNorm;
    private Dense? _intermediate, _output;
    private Dropout? _feedforwardDropout;

    /// <param name="numHeads">Number of heads of each attention sublayer.</param>
    /// <param name="intermediateDim">Units of the feed-forward network's hidden layer (keras_hub's <c>intermediate_dim</c>).</param>
    /// <param name="keyDim">Size of each attention head; null for features / numHeads.</param>
    /// <param name="dropout">Dropout rate of the attention probabilities and of each sublayer's output while training, in [0, 1).</param>
    /// <param name="activation">The feed-forward network's activation; null for GELU.</param>
    /// <param name="layerNormEpsilon">The ε of the block's layer normalisations (keras_hub's 1e-5).</param>
    /// <param name="normalizeFirst">True (the default): pre-LN, each sublayer normalises its input; false: post-LN, the residual sum is normalised.</param>
    /// <param name="kernelInitializer">Fills the kernels of the attention and feed-forward sublayers; null for glorot_uniform.</param>
    /// <param name="biasInitializer">Fills their biases; null for zeros.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (time, features) (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, <paramref name="dropout"/> is outside [0, 1), or <paramref name="layerNormEpsilon"/> is not positive.</exception>
    protected TransformerBlock(int numHeads, int intermediateDim, int? keyDim, float dropout, Activation? activation, float layerNormEpsilon,
        bool normalizeFirst, Initializer? kernelInitializer, Initializer? biasInitializer, string? name, int[]? inputShape) : base(name, inputShape)
    {
        if (numHeads <= 0) throw new ArgumentOutOfRangeException(nameof(numHeads), numHeads, "A Transformer block needs a positive number of heads.");
        if (intermediateDim <= 0) throw new ArgumentOutOfRangeException(nameof(intermediateDim), intermediateDim, "intermediate_dim must be positive.");
        if (keyDim is <= 0) throw new ArgumentOutOfRangeException(nameof(keyDim), keyDim, "key_dim must be positive.");
        if (!(dropout >= 0f && dropout < 1f)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "dropout must be in [0, 1).");
        if (!(layerNormEpsilon > 0f)) throw new ArgumentOutOfRangeException(nameof(layerNormEpsilon), layerNormEpsilon, "layer_norm_epsilon must be positive.");
        NumHeads = numHeads;
        IntermediateDim = intermediateDim;
        KeyDim = keyDim;
        Dropout = dropout;
        Activation = activation ?? Activation.Gelu;
        LayerNormEpsilon = layerNormEpsilon;
        NormalizeFirst = normalizeFirst;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
    }

    /// <summary>Number of heads of each attention sublayer.</summary>
    public int NumHeads { get; }
    /// <summary>Units of the feed-forward network's hidden layer.</summary>
    public int IntermediateDim { get; }
    /// <summary>Size of each attention head; null: features / heads (keras_hub's choice).</summary>
    public int? KeyDim { get; }
    /// <summary>Dropout rate of the attention probabilities and of each sublayer's output, while training.</summary>
    public float Dropout { get; }
    /// <summary>The feed-forward network's activation (default GELU).</summary>
    public Activation Activation { get; }
    /// <summary>The ε of the block's layer normalisations.</summary>
    public float LayerNormEpsilon { get; }
    /// <summary>Pre-LN (true, default) or post-LN residual blocks.</summary>
    public bool NormalizeFirst { get; }
    /// <summary>What fills the sublayers' kernels when the block is built (glorot_uniform by default).</summary>
    public Initializer KernelInitializer { get; }
    /// <summary>What fills the sublayers' biases when the block is built (zeros by default).</summary>
    public Initializer BiasInitializer { get; }

    /// <summary>The input shape (time, features): the block keeps it.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (time, features), or its features differ from those the block was built for.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        RequireSequence(inputShape, "inputs");
        return inputShape;
    }

    /// <summary>A tracked attention sublayer for sequences of <paramref name="features"/> (key_dim resolved).</summary>
    protected MultiHeadAttention NewAttention(string name, int features)
    {
        int keyDim = KeyDim ?? features / NumHeads;
        if (keyDim <= 0)
            throw new ShapeMismatchException($"Layer '{Name}' ({TypeName}): {features} features cannot be split over {NumHeads} heads; give key_dim.");
        return Track(new MultiHeadAttention(NumHeads, keyDim, dropout: Dropout, kernelInitializer: KernelInitializer,
            biasInitializer: BiasInitializer, name: name));
    }

    /// <summary>A tracked LayerNormalization sublayer with the block's ε, built for <paramref name="shape"/>.</summary>
    protected LayerNormalization NewNorm(string name, Shape shape)
    {
        var norm = Track(new LayerNormalization(epsilon: LayerNormEpsilon, name: name));
        norm.Build(shape);
        return norm;
    }

    /// <summary>A tracked Dropout sublayer at the block's rate, built for <paramref name="shape"/>.</summary>
    protected Dropout NewDropout(string name, Shape shape)
    {
        var dropout = Track(new Dropout(Dropout, name: name));
        dropout.Build(shape);
        return dropout;
    }

    /// <summary>Creates the feed-forward sublayers for per-sample sequences <paramref name="shape"/> (T, features).</summary>
    protected void BuildFeedforward(Shape shape)
    {
        _feedforwardNorm = NewNorm("feedforward_layer_norm", shape);
        _intermediate = Track(new Dense(IntermediateDim, Activation, kernelInitializer: KernelInitializer, biasInitializer: BiasInitializer,
            name: "feedforward_intermediate_dense"));
        _intermediate.Build(shape);
        _output = Track(new Dense(shape[-1], kernelInitializer: KernelInitializer, biasInitializer: BiasInitializer, name: "feedforward_output_dense"));
        _output.Build(new Shape(shape[0], IntermediateDim));
        _feedforwardDropout = NewDropout("feedforward_dropout", shape);
    }

    /// <summary>The feed-forward sublayers (for the ONNX export): its LayerNorm and its two Dense layers.</summary>
    internal (LayerNormalization Norm, Dense Intermediate, Dense Output) FeedforwardLayers => (_feedforwardNorm!, _intermediate!, _output!);

    /// <summary>The input of a residual sublayer: LayerNorm(x) when normalizing first, else x.</summary>
    protected Tensor Before(Tensor x, LayerNormalization norm) => NormalizeFirst ? norm.CallBuilt(x, false) : x;

    /// <summary>Closes a residual sublayer: residual + dropout(y), normalised after when not normalizing first.</summary>
    protected Tensor After(Tensor residual, Tensor y, LayerNormalization norm, Dropout dropout, bool training)
    {
        var sum = Ops.Add(residual, dropout.CallBuilt(y, training));
        return NormalizeFirst ? sum : norm.CallBuilt(sum, false);
    }

    /// <summary>The feed-forward residual sublayer.</summary>
    protected Tensor Feedforward(Tensor x, bool training)
    {
        var hidden = _intermediate!.CallBuilt(Before(x, _feedforwardNorm!), training);
        // Pre-LN training without dropout: the output Dense and the residual add as one op, the same values
        // (one pass fewer over the output forward, no copy of the gradient backward). Inference keeps the
        // Dense call, whose product reads the packed kernel.
        if (training && NormalizeFirst && _feedforwardDropout!.Rate == 0f && _output!.ForwardPlusResidual(hidden, x) is { } fused) return fused;
        return After(x, _output!.CallBuilt(hidden, training), _feedforwardNorm!, _feedforwardDropout!, training);
    }

    /// <summary>Throws unless <paramref name="shape"/> is a per-sample sequence (T, features) with the built features.</summary>
    protected void RequireSequence(Shape shape, string what)
    {
        if (shape.Rank != 2) throw ShapeError($"{what} (batch, sequence, features)", shape);
        if (IsBuilt && shape[1] != BuiltInputShape!.Value[1])
            throw ShapeError($"{what} (batch, sequence, {BuiltInputShape.Value[1]})", shape);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["num_heads"] = NumHeads;
        config["intermediate_dim"] = IntermediateDim;
        config["key_dim"] = KeyDim;
        config["dropout"] = Dropout;
        config["activation"] = Activation.ToConfig();
        config["layer_norm_epsilon"] = LayerNormEpsilon;
        config["normalize_first"] = NormalizeFirst;
        config["kernel_initializer"] = KernelInitializer.ToConfig();
        config["bias_initializer"] = BiasInitializer.ToConfig();
        return config;
    }

    /// <summary>The shared constructor arguments from a config written by <see cref="GetConfig"/>.</summary>
    private protected static (int NumHeads, int IntermediateDim, int? KeyDim, float Dropout, Activation Activation, float Epsilon, bool NormalizeFirst,
        Initializer Kernel, Initializer Bias, string? Name, int[]? InputShape) ReadConfig(LayerConfig c) =>
        (c.RequiredSize("num_heads"), c.RequiredSize("intermediate_dim"), c.OptionalSize("key_dim"), c.Rate("dropout", 0f),
         c.Activation("activation", "gelu"), c.Float("layer_norm_epsilon", 1e-5f, float.Epsilon, 1f), c.Bool("normalize_first", true),
         c.Initializer("kernel_initializer", "glorot_uniform"), c.Initializer("bias_initializer", "zeros"),
         c.Name, c.Shape("input_shape"));
}
