using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras 3's <c>RMSNormalization</c> (Zhang and Sennrich, 2019): each sample divided by its root mean
/// square over <see cref="Axis"/>, then multiplied by a learned scale, x / √(mean(x²) + ε) · scale.
/// No centring and no offset (unlike <see cref="LayerNormalization"/>). The weight "scale" has the
/// sizes of the axes in increasing axis order and starts at ones; the same in training and inference.
/// Over the last axis or trailing axes it runs the fused <see cref="Ops.RmsNorm"/> (one pass per row
/// each way); over other axes, the composed ops.
/// </summary>
public sealed class RmsNormalization : Layer
{
    private readonly bool _axisIsList;
    private Parameter? _scale;
    private NormalizationAxes? _axes;
    private Shape _broadcast; // the scale's shape for broadcasting against (batch, …) inputs

    /// <param name="axis">The axis to normalise over, counted as Keras does with the batch axis (−1 the last; 0 is refused).</param>
    /// <param name="epsilon">Added to the mean square before the square root (Keras's default 1e-6).</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="axis"/> is 0, or <paramref name="epsilon"/> is negative or not finite.</exception>
    public RmsNormalization(int axis = -1, float epsilon = 1e-6f, string? name = null, int[]? inputShape = null)
        : this([axis], false, epsilon, name, inputShape) { }

    /// <param name="axis">The axes normalised together (Keras's list form), e.g. [-2, -1]; the batch axis is refused.</param>
    /// <param name="epsilon">Added to the mean square before the square root (Keras's default 1e-6).</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException"><paramref name="axis"/> is empty or holds 0, or <paramref name="epsilon"/> is negative or not finite.</exception>
    public RmsNormalization(int[] axis, float epsilon = 1e-6f, string? name = null, int[]? inputShape = null)
        : this(axis ?? throw new ArgumentNullException(nameof(axis)), true, epsilon, name, inputShape) { }

    private RmsNormalization(int[] axis, bool isList, float epsilon, string? name, int[]? inputShape) : base(name, inputShape)
    {
        if (axis.Length == 0) throw new ArgumentException("RMSNormalization needs at least one axis.", nameof(axis));
        if (Array.IndexOf(axis, 0) >= 0) throw new ArgumentOutOfRangeException(nameof(axis), 0, "RMSNormalization cannot normalise along the batch axis (0).");
        if (!(epsilon >= 0f && float.IsFinite(epsilon))) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "RMSNormalization epsilon must be finite and not negative.");
        Axis = [.. axis];
        _axisIsList = isList;
        Epsilon = epsilon;
    }

    /// <summary>Keras's class name, <c>RMSNormalization</c>.</summary>
    public override string TypeName => "RMSNormalization";

    /// <summary>Passes a mask on unchanged.</summary>
    public override bool SupportsMasking => true;

    /// <summary>The axes as given (counted with the batch axis; −1 is the last).</summary>
    public IReadOnlyList<int> Axis { get; }

    /// <summary>Added to the mean square before the square root.</summary>
    public float Epsilon { get; }

    /// <summary>The learned scale (weight "scale"), the sizes of the axes; null before the layer is built.</summary>
    public Tensor? Scale => _scale?.Value;

    /// <summary>The axes resolved for the built input, counted with the batch axis, in increasing order.</summary>
    internal IReadOnlyList<int> ResolvedAxes => _axes?.Axes ?? throw new InvalidOperationException($"Layer '{Name}' (RMSNormalization) is not built.");

    /// <summary>The scale's shape for broadcasting against a batch: from the first normalised axis to the last, 1 on the others.</summary>
    internal Shape BroadcastShape => _broadcast;

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        _axes = NormalizationAxes.Resolve(Axis, inputShape, this);
        int first = _axes.Axes[0], rank = inputShape.Rank + 1;
        var dims = new int[rank - first];
        for (int a = first; a < rank; a++) dims[a - first] = Array.IndexOf(_axes.Axes, a) >= 0 ? inputShape[a - 1] : 1;
        _broadcast = new Shape(dims);
        _scale = AddWeight("scale", _axes.ParameterShape, Initializer.Ones);
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        NormalizationAxes.Resolve(Axis, inputShape, this);
        return inputShape;
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var axes = _axes!;
        if (axes.IsLastAxisOnly) return Ops.RmsNorm(x, _scale!.Value, Epsilon);
        if (axes.Permutation is null)
        {
            // Trailing axes: flattened into one row per sample and position, the fused kernel's layout.
            var rows = Ops.Reshape(x, x.Size / Math.Max(axes.Size, 1), axes.Size);
            return Ops.Reshape(Ops.RmsNorm(rows, Ops.Reshape(_scale!.Value, axes.Size), Epsilon), x.Shape);
        }
        // Axes that are not trailing: composed ops on the input's own layout (no permuted copies).
        var meanSquare = Ops.Mean(Ops.Square(x), axes.Axes, keepDims: true);
        var normalized = Ops.Divide(x, Ops.Sqrt(Ops.Add(meanSquare, Epsilon)));
        return Ops.Multiply(normalized, Ops.Reshape(_scale!.Value, _broadcast));
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = _axisIsList ? new JsonArray([.. Axis.Select(a => (JsonNode)a)]) : (JsonNode)Axis[0];
        config["epsilon"] = Epsilon;
        return config;
    }

    internal static RmsNormalization FromConfig(LayerConfig c)
    {
        float epsilon = c.Float("epsilon", 1e-6f, 0f, 1f);
        try
        {
            return c.Json["axis"] is JsonArray
                ? new RmsNormalization(c.Axes("axis")!, epsilon, c.Name, c.Shape("input_shape"))
                : new RmsNormalization(c.Axis("axis", -1), epsilon, c.Name, c.Shape("input_shape"));
        }
        catch (ArgumentException e)
        {
            throw c.Error("axis", $"does not make a layer ({e.Message})");
        }
    }
}
