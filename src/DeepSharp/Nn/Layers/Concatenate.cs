using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>Joins several inputs along <see cref="Axis"/> (default −1, the features); other axes must agree.</summary>
public sealed class Concatenate : MergeLayer
{
    /// <summary>Joins along <paramref name="axis"/> of the batched tensors (0, the batch axis, cannot be joined); −1 is the last.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="axis"/> is 0.</exception>
    public Concatenate(int axis = -1, string? name = null) : base(name)
    {
        if (axis == 0) throw new ArgumentOutOfRangeException(nameof(axis), axis, "Concatenate cannot join along the batch axis.");
        Axis = axis;
    }

    /// <inheritdoc/>
    public override string TypeName => "Concatenate";
    /// <summary>The joined axis, counted with the batch axis as Keras does (−1, the last, by default; never 0).</summary>
    public int Axis { get; }

    /// <summary>The inputs' common shape with the sizes along <see cref="Axis"/> added; the inputs must agree on every other axis.</summary>
    protected override Shape MergedShape(IReadOnlyList<Shape> inputShapes) => JoinedShape(inputShapes, Axis, Name, TypeName);

    /// <summary>
    /// The shape of <paramref name="inputShapes"/> joined along <paramref name="axis"/> (counted with the batch axis, as
    /// Keras's is; per-sample shapes do not have it): the sizes along it added, every other axis equal. Errors name
    /// the layer <paramref name="name"/> of type <paramref name="typeName"/>.
    /// </summary>
    internal static Shape JoinedShape(IReadOnlyList<Shape> inputShapes, int axis, string name, string typeName)
    {
        int rank = inputShapes[0].Rank;
        int a = axis < 0 ? axis + rank : axis - 1;
        if (a < 0 || a >= rank)
            throw new ShapeMismatchException($"Layer '{name}' ({typeName}): axis {axis} is outside inputs {inputShapes[0].ToBatchString()}.");
        var dims = inputShapes[0].ToArray();
        dims[a] = 0;
        foreach (var s in inputShapes)
        {
            bool fits = s.Rank == rank;
            for (int i = 0; fits && i < rank; i++) fits = i == a || s[i] == inputShapes[0][i];
            if (!fits)
                throw new ShapeMismatchException($"Layer '{name}' ({typeName}) along axis {axis} needs inputs that agree on other axes; got {string.Join(" and ", inputShapes.Select(x => x.ToBatchString()))}.");
            dims[a] += s[a];
        }
        return new Shape(dims);
    }

    /// <summary>
    /// Keras's mask rule for Concatenate: each mask widened to its input's shape (all ones for an
    /// input without one), joined along <see cref="Axis"/>, then "any" over the last axis — masks of
    /// sequences joined in time are joined; joined in features, a step is kept where any input keeps it.
    /// </summary>
    public override Tensor? ComputeMask(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(masks);
        return MergeMasks.Concatenated(this, inputs, masks, Axis);
    }

    /// <inheritdoc/>
    protected override Tensor Merge(IReadOnlyList<Tensor> inputs) => Ops.Concatenate(inputs, Axis);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = Axis;
        return config;
    }

    internal static Concatenate FromConfig(LayerConfig c) => new(c.Axis("axis", -1), c.Name);
}
