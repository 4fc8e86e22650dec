using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// The entry point of a functional model (Keras's InputLayer); made by <c>Model.Input(shape)</c>,
/// whose result is the layer's <see cref="Output"/>. Passes its input through unchanged.
/// </summary>
public sealed class InputLayer : Layer
{
    public InputLayer(int[] shape, DType dtype = DType.Float32, string? name = null) : base(name, null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Shape = new Shape(shape);
        DType = dtype;
        Build(Shape);
        Output = RecordSource(Shape, dtype);
    }

    public override string TypeName => "InputLayer";

    /// <summary>The per-sample shape (batch axis excluded).</summary>
    public Shape Shape { get; }

    public DType DType { get; }

    /// <summary>The symbolic tensor standing for this input.</summary>
    public SymbolicTensor Output { get; }

    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    protected override Tensor Forward(Tensor x, bool training) => x;

    public override JsonObject GetConfig()
    {
        var batchShape = new JsonArray { null };
        foreach (int d in Shape.Dims) batchShape.Add(d);
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
