using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's Softmax layer: softmax along <see cref="Axis"/> (the last by default). Other axes are
/// moved to the end, normalised and moved back. The batch axis cannot be the softmax axis. Masks
/// are dropped (Keras would add −1e9 where a mask that broadcasts to the input is 0).
/// </summary>
public sealed class Softmax : Layer
{
    /// <param name="axis">The axis to normalise along, counted with the batch axis (−1: the last).</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    public Softmax(int axis = -1, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        Axis = axis;
    }

    /// <inheritdoc/>
    public override string TypeName => "Softmax";
    /// <summary>The axis normalised along, counted with the batch axis (−1: the last), as given.</summary>
    public int Axis { get; }

    /// <summary>The axis as an index into a batch of <paramref name="rank"/> axes (1 to rank − 1).</summary>
    /// <exception cref="ShapeMismatchException">The axis is outside the input or is the batch axis.</exception>
    public int ResolveAxis(int rank)
    {
        int axis = Axis < 0 ? Axis + rank : Axis;
        if (axis < 1 || axis >= rank)
            throw new ShapeMismatchException($"Layer '{Name}' (Softmax) normalises along axis {Axis}, which is {(axis == 0 ? "the batch axis" : "outside")} of inputs with {rank} axes (batch included).");
        return axis;
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        ResolveAxis(inputShape.Rank + 1);
        return inputShape;
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        int axis = ResolveAxis(x.Rank);
        if (axis == x.Rank - 1) return Ops.Softmax(x);
        var perm = new int[x.Rank];
        for (int k = 0; k < perm.Length; k++) perm[k] = k;
        (perm[axis], perm[^1]) = (perm[^1], perm[axis]); // a swap is its own inverse
        return Ops.Permute(Ops.Softmax(Ops.Permute(x, perm)), perm);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = Axis;
        return config;
    }

    internal static Softmax FromConfig(LayerConfig c)
    {
        var axes = c.Axes("axis") ?? [-1];
        if (axes.Length != 1) throw c.Error("axis", "must be one axis (DeepSharp normalises along one axis at a time)");
        return new(axes[0], c.Name, c.Shape("input_shape"));
    }
}
