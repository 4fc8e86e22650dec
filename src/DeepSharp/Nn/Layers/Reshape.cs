using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>Gives each sample a new shape (batch axis excluded, one −1 inferred); a free view.</summary>
public sealed class Reshape : Layer
{
    private readonly int[] _targetShape;

    public Reshape(int[] targetShape, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        ArgumentNullException.ThrowIfNull(targetShape);
        if (targetShape.Count(d => d == -1) > 1 || targetShape.Any(d => d < -1 || d == 0))
            throw new ArgumentException($"Reshape target_shape {Shape.Format(targetShape)} needs positive sizes and at most one -1.", nameof(targetShape));
        _targetShape = (int[])targetShape.Clone();
    }

    public override string TypeName => "Reshape";

    /// <summary>The target per-sample shape as given (may hold one −1).</summary>
    public IReadOnlyList<int> TargetShape => _targetShape;

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

    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    protected override Tensor Forward(Tensor x, bool training)
    {
        var target = ComputeOutputShape(x.Shape.WithoutBatch());
        return Ops.Reshape(x, target.WithBatch(x.Shape[0]));
    }

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        var target = new JsonArray();
        foreach (int d in _targetShape) target.Add(d);
        config["target_shape"] = target;
        return config;
    }

    internal static Reshape FromConfig(LayerConfig c) => new(
        c.TargetShape("target_shape"), c.Name, c.Shape("input_shape"));
}
