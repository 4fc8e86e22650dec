using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// The entry point of a functional model (Keras's InputLayer); made by <c>Model.Input(shape)</c>,
/// whose result is the layer's <see cref="Output"/>. Passes its input through unchanged.
/// </summary>
public sealed class InputLayer : Layer
{
    /// <param name="shape">The per-sample shape, batch axis excluded (Keras's <c>shape</c>).</param>
    /// <param name="dtype">Float32, or Int32 for integer inputs such as the token ids an Embedding reads.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <exception cref="ArgumentNullException"><paramref name="shape"/> is null.</exception>
    public InputLayer(int[] shape, DType dtype = DType.Float32, string? name = null) : base(name, null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Shape = new Shape(shape);
        DType = dtype;
        Build(Shape);
        Output = RecordSource(Shape, dtype);
    }

    /// <inheritdoc/>
    public override string TypeName => "InputLayer";

    /// <summary>The per-sample shape (batch axis excluded).</summary>
    public Shape Shape { get; }

    /// <summary>The element type the model expects for this input: Float32, or Int32 for integer inputs.</summary>
    public DType DType { get; }

    /// <summary>The symbolic tensor standing for this input.</summary>
    public SymbolicTensor Output { get; }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => x;

    /// <summary>Keras's InputLayer config: <c>batch_shape</c> (a null batch axis, then <see cref="Shape"/>), <c>dtype</c>, <c>sparse</c> and <c>name</c>.</summary>
    public override JsonObject GetConfig()
    {
        var batchShape = new JsonArray { null };
        foreach (int d in Shape.Dims) batchShape.Add((JsonNode)d);
        return new JsonObject
        {
            ["batch_shape"] = batchShape,
            ["dtype"] = DType == DType.Int32 ? "int32" : "float32",
            ["sparse"] = false,
            ["name"] = Name,
        };
    }

    internal static InputLayer FromConfig(LayerConfig c)
    {
        int[] shape = c.Shape("batch_shape", batchAxis: true) ?? c.Shape("shape") ?? throw c.Error("batch_shape", "is missing");
        var dtype = c.Named("dtype", "float32", name => name switch
        {
            "float32" => DType.Float32,
            "int32" => DType.Int32,
            _ => throw new DeepSharpException($"InputLayer dtype '{name}' is not supported; use float32 or int32."),
        });
        return new InputLayer(shape, dtype, c.Name);
    }
}
