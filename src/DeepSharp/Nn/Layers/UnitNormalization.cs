using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>UnitNormalization</c>: scales each sample to unit L2 norm along <see cref="Axis"/>,
/// x / max(‖x‖₂, 1e-12) (Keras 3's <c>ops.normalize(x, axis, order=2, epsilon=1e-12)</c>; the floor keeps an all-zero
/// vector at zero, its gradient finite).
/// No weights; the same in training and inference.
/// </summary>
public sealed class UnitNormalization : Layer
{
    /// <summary>Keras's floor under the norm (ε of <c>ops.normalize</c>): vectors with a smaller norm are divided by it.</summary>
    public const float MinNorm = 1e-12f;

    /// <summary><see cref="MinNorm"/>², the floor applied to the sum of squares before the square root (a normal float).</summary>
    internal const float MinSumOfSquares = MinNorm * MinNorm;

    private readonly bool _axisIsList;
    private int[]? _axes; // resolved, with the batch axis

    /// <param name="axis">The axis whose vectors get unit norm, counted as Keras does with the batch axis (−1 the last; 0 is refused).</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="axis"/> is 0.</exception>
    public UnitNormalization(int axis = -1, string? name = null, int[]? inputShape = null) : this([axis], false, name, inputShape) { }

    /// <param name="axis">The axes normalised together (Keras's list form), e.g. [1, 2] for a whole (height, width) map; the batch axis is refused.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException"><paramref name="axis"/> is empty or holds 0.</exception>
    public UnitNormalization(int[] axis, string? name = null, int[]? inputShape = null)
        : this(axis ?? throw new ArgumentNullException(nameof(axis)), true, name, inputShape) { }

    private UnitNormalization(int[] axis, bool isList, string? name, int[]? inputShape) : base(name, inputShape)
    {
        if (axis.Length == 0) throw new ArgumentException("UnitNormalization needs at least one axis.", nameof(axis));
        if (Array.IndexOf(axis, 0) >= 0) throw new ArgumentOutOfRangeException(nameof(axis), 0, "UnitNormalization cannot normalise along the batch axis (0).");
        Axis = [.. axis];
        _axisIsList = isList;
    }

    /// <inheritdoc/>
    public override string TypeName => "UnitNormalization";

    /// <summary>Passes a mask on unchanged (Keras's supports_masking).</summary>
    public override bool SupportsMasking => true;

    /// <summary>The axes as given (counted with the batch axis; −1 is the last).</summary>
    public IReadOnlyList<int> Axis { get; }

    /// <summary>The axes resolved for the built input, counted with the batch axis, in increasing order.</summary>
    internal IReadOnlyList<int> ResolvedAxes => _axes ?? throw new InvalidOperationException($"Layer '{Name}' (UnitNormalization) is not built.");

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => _axes = NormalizationAxes.Resolve(Axis, inputShape, this).Axes;

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        NormalizationAxes.Resolve(Axis, inputShape, this);
        return inputShape;
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var sumOfSquares = Ops.Sum(Ops.Square(x), _axes!, keepDims: true);
        return Ops.Divide(x, Ops.Sqrt(Ops.Clip(sumOfSquares, MinSumOfSquares, float.MaxValue)));
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = _axisIsList ? new JsonArray([.. Axis.Select(a => (JsonNode)a)]) : (JsonNode)Axis[0];
        return config;
    }

    internal static UnitNormalization FromConfig(LayerConfig c)
    {
        try
        {
            return c.Json["axis"] is JsonArray
                ? new UnitNormalization(c.Axes("axis")!, c.Name, c.Shape("input_shape"))
                : new UnitNormalization(c.Axis("axis", -1), c.Name, c.Shape("input_shape"));
        }
        catch (ArgumentException e)
        {
            throw c.Error("axis", $"does not make a layer ({e.Message})");
        }
    }
}
