using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Learned position embeddings (keras_hub's PositionEmbedding): a trainable (sequenceLength,
/// features) table "embeddings" (glorot_uniform); for inputs (batch, T, features) it returns rows
/// [start, start + T) of the table for every sample — the embeddings only, to be added to the
/// token embeddings (e.g. with <see cref="Add"/>).
/// </summary>
public sealed class PositionEmbedding : Layer, IStepLayer
{
    private Parameter? _embeddings;

    /// <param name="sequenceLength">The most positions the table holds (keras_hub's <c>sequence_length</c>); longer inputs and decoding past it throw.</param>
    /// <param name="initializer">Fills the (sequenceLength, features) table; null for glorot_uniform.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (time, features) (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sequenceLength"/> is not positive.</exception>
    public PositionEmbedding(int sequenceLength, Initializer? initializer = null, string? name = null, int[]? inputShape = null)
        : base(name, inputShape)
    {
        if (sequenceLength <= 0) throw new ArgumentOutOfRangeException(nameof(sequenceLength), sequenceLength, "PositionEmbedding sequence_length must be positive.");
        SequenceLength = sequenceLength;
        Initializer = initializer ?? Initializer.GlorotUniform;
    }

    /// <inheritdoc/>
    public override string TypeName => "PositionEmbedding";

    /// <summary>The most positions the table holds.</summary>
    public int SequenceLength { get; }
    /// <summary>What fills the table when the layer is built (glorot_uniform by default).</summary>
    public Initializer Initializer { get; }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        RequireShape(inputShape);
        _embeddings = AddWeight("embeddings", new Shape(SequenceLength, inputShape[1]), Initializer);
    }

    /// <summary>The input shape (time, features): one embedding per position.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (time, features), or is longer than <see cref="SequenceLength"/>.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        RequireShape(inputShape);
        return inputShape;
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Embeddings(x, 0);

    /// <summary>The embeddings of positions [startIndex, startIndex + T) for inputs (batch, T, features) (keras_hub's start_index).</summary>
    public Tensor Call(Tensor inputs, int startIndex, bool training = false)
    {
        if (!IsBuilt) Build(inputs.Shape.WithoutBatch());
        return Embeddings(inputs, startIndex);
    }

    /// <summary>The embeddings of the next x.Shape[1] positions; the cache counts the positions seen.</summary>
    public Tensor Step(Tensor x, KvCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        if (!IsBuilt) throw new InvalidOperationException($"Layer '{Path}' (PositionEmbedding) must be built (called once) before it steps.");
        var positions = cache.Positions(this);
        cache.RequireRoom(this, positions.Length, x.Rank > 1 ? x.Shape[1] : 0);
        Tensor y;
        using (NoGrad.Scope()) y = Embeddings(x, positions.Length);
        positions.Length += x.Shape[1];
        return y;
    }

    private Tensor Embeddings(Tensor x, int start)
    {
        int features = _embeddings!.Shape[1];
        if (x.Rank != 3 || x.Shape[2] != features) throw ShapeError($"(batch, sequence, {features})", x.Shape.WithoutBatch());
        if (start < 0 || (long)start + x.Shape[1] > SequenceLength)
            throw new ShapeMismatchException(
                $"Layer '{Path}' (PositionEmbedding) holds {SequenceLength} positions; positions [{start}, {(long)start + x.Shape[1]}) were asked for.");
        return Ops.PositionEmbedding(_embeddings.Value, x.Shape[0], start, x.Shape[1]);
    }

    private void RequireShape(Shape inputShape)
    {
        if (inputShape.Rank != 2) throw ShapeError("(batch, sequence, features)", inputShape);
        if (inputShape[0] > SequenceLength)
            throw new ShapeMismatchException($"Layer '{Name}' (PositionEmbedding) holds {SequenceLength} positions; got sequences of {inputShape[0]} ({inputShape.ToBatchString()}).");
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["sequence_length"] = SequenceLength;
        config["initializer"] = Initializer.ToConfig();
        return config;
    }

    internal static PositionEmbedding FromConfig(LayerConfig c) => new(
        c.RequiredSize("sequence_length"), c.Initializer("initializer", "glorot_uniform"), c.Name, c.Shape("input_shape"));
}
