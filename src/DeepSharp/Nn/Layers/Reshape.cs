using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>Gives each sample a new shape (batch axis excluded, one −1 inferred); a free view.</summary>
public sealed class Reshape : Layer
{
    private readonly int[] _targetShape;

    /// <param name="targetShape">The per-sample output shape, batch axis excluded; one entry may be −1, inferred from the input's size.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentNullException"><paramref name="targetShape"/> is null.</exception>
    /// <exception cref="ArgumentException">A size is 0 or below −1, or −1 appears more than once.</exception>
    public Reshape(int[] targetShape, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        ArgumentNullException.ThrowIfNull(targetShape);
        if (targetShape.Count(d => d == -1) > 1 || targetShape.Any(d => d < -1 || d == 0))
            throw new ArgumentException($"Reshape target_shape {Shape.Format(targetShape)} needs positive sizes and at most one -1.", nameof(targetShape));
        _targetShape = (int[])targetShape.Clone();
    }

    /// <inheritdoc/>
    public override string TypeName => "Reshape";

    /// <summary>The target per-sample shape as given (may hold one −1).</summary>
    public IReadOnlyList<int> TargetShape => _targetShape;

    /// <summary><see cref="TargetShape"/> with its −1 resolved.</summary>
    /// <exception cref="ShapeMismatchException">The input's size does not fit the target shape.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        long known = 1;
        int inferred = -1;
        for (int i = 0; i < _targetShape.Length; i++)
            if (_targetShape[i] == -1) inferred = i;
            else known = Math.Min(known * _targetShape[i], (long)int.MaxValue + 1); // saturates past any tensor's size: never wraps
        var dims = (int[])_targetShape.Clone();
        if (inferred >= 0 && inputShape.Size % known == 0) dims[inferred] = (int)(inputShape.Size / known);
        else if (inferred >= 0 || known != inputShape.Size)
            throw new ShapeMismatchException($"Layer '{Name}' (Reshape): inputs {inputShape.ToBatchString()} ({inputShape.Size} values per sample) cannot take target_shape {Shape.Format(_targetShape)}.");
        return new Shape(dims);
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var target = ComputeOutputShape(x.Shape.WithoutBatch());
        return Ops.Reshape(x, target.WithBatch(x.Shape[0]));
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        var target = new JsonArray();
        foreach (int d in _targetShape) target.Add((JsonNode)d);
        config["target_shape"] = target;
        return config;
    }

    internal static Reshape FromConfig(LayerConfig c) => new(
        c.TargetShape("target_shape"), c.Name, c.Shape("input_shape"));
}
