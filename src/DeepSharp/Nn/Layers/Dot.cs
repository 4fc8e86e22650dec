using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// The dot product of two inputs, sample by sample, along one axis of each (Keras's Dot, a batch_dot):
/// (batch, n) · (batch, n) → (batch, 1); (batch, m, d) · (batch, k, d) along axes (2, 2) → (batch, m, k).
/// The output holds the first input's remaining axes, then the second's. With
/// <see cref="Normalize"/> both inputs are first L2-normalized along the dot axes, so the output is
/// the cosine similarity.
/// </summary>
public sealed class Dot : MergeLayer
{
    private readonly bool _oneAxis;

    /// <summary>The same axis of both inputs, counted with the batch axis as Keras does (1 is the first feature axis, −1 the last; never 0).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="axes"/> is 0, the batch axis.</exception>
    public Dot(int axes, bool normalize = false, string? name = null) : this((axes, axes), normalize, name) => _oneAxis = true;

    /// <summary>Axis <paramref name="axes"/>.First of the first input against axis .Second of the second (counted with the batch axis; never 0).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An axis is 0, the batch axis.</exception>
    public Dot((int First, int Second) axes, bool normalize = false, string? name = null) : base(name)
    {
        if (axes.First == 0 || axes.Second == 0)
            throw new ArgumentOutOfRangeException(nameof(axes), axes, "Dot cannot take the product along the batch axis (0).");
        Axes = axes;
        Normalize = normalize;
    }

    /// <inheritdoc/>
    public override string TypeName => "Dot";

    /// <summary>None: the product leaves no steps to mask (Keras's Dot.compute_mask).</summary>
    public override Tensor? ComputeMask(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks) => null;

    /// <summary>The axis of each input the product runs along, counted with the batch axis.</summary>
    public (int First, int Second) Axes { get; }

    /// <summary>Whether the inputs are L2-normalized along the dot axes first (cosine similarity).</summary>
    public bool Normalize { get; }

    /// <summary>The first input's per-sample axes without its dot axis, then the second's; (1) when none remain.</summary>
    /// <exception cref="ArgumentException">There are not exactly two inputs.</exception>
    protected override Shape MergedShape(IReadOnlyList<Shape> inputShapes)
    {
        if (inputShapes.Count != 2)
            throw new ArgumentException($"Layer '{Name}' (Dot) takes exactly 2 inputs; got {inputShapes.Count}.", nameof(inputShapes));
        var (a, b) = ResolvedAxes(inputShapes[0], inputShapes[1]);
        var dims = new List<int>();
        for (int i = 0; i < inputShapes[0].Rank; i++) if (i != a) dims.Add(inputShapes[0][i]);
        for (int i = 0; i < inputShapes[1].Rank; i++) if (i != b) dims.Add(inputShapes[1][i]);
        if (dims.Count == 0) dims.Add(1);
        return new Shape([.. dims]);
    }

    /// <summary>The dot axes as per-sample axes (0 the first feature axis), checked against the shapes.</summary>
    internal (int First, int Second) ResolvedAxes(Shape first, Shape second)
    {
        int a = PerSampleAxis(Axes.First, first), b = PerSampleAxis(Axes.Second, second);
        if (first[a] != second[b])
            throw new ShapeMismatchException($"Layer '{Name}' (Dot) along axes ({Axes.First}, {Axes.Second}) needs equal sizes there; got {first.ToBatchString()} and {second.ToBatchString()} ({first[a]} vs {second[b]}).");
        return (a, b);
    }

    private int PerSampleAxis(int axis, Shape shape)
    {
        int a = axis < 0 ? axis + shape.Rank : axis - 1;
        if (a < 0 || a >= shape.Rank)
            throw new ShapeMismatchException($"Layer '{Name}' (Dot): axis {axis} is outside an input of shape {shape.ToBatchString()}.");
        return a;
    }

    /// <inheritdoc/>
    protected override Tensor Merge(IReadOnlyList<Tensor> inputs)
    {
        var (x1, x2) = (inputs[0], inputs[1]);
        var (a, b) = ResolvedAxes(x1.Shape.WithoutBatch(), x2.Shape.WithoutBatch());
        int batch = x1.Shape[0], depth = x1.Shape[a + 1];
        var left = Ops.Reshape(AxisLast(x1, a + 1), new Shape(batch, x1.Size / Math.Max(batch * depth, 1), depth));   // (B, M, K)
        var right = Ops.Reshape(AxisLast(x2, b + 1), new Shape(batch, x2.Size / Math.Max(batch * depth, 1), depth));  // (B, N, K)
        if (Normalize)
        {
            left = Ops.L2NormalizeLastAxis(left);
            right = Ops.L2NormalizeLastAxis(right);
        }
        var y = Ops.BatchedMatMul(left, right, transposeB: true);                                                        // (B, M, N)
        return Ops.Reshape(y, ComputeOutputShape([x1.Shape.WithoutBatch(), x2.Shape.WithoutBatch()]).WithBatch(batch));
    }

    /// <summary>The permutation that moves <paramref name="axis"/> of a rank-<paramref name="rank"/> tensor to the end, the others in order.</summary>
    internal static int[] AxisLastPermutation(int rank, int axis)
    {
        var perm = new int[rank];
        for (int i = 0, j = 0; i < rank; i++) if (i != axis) perm[j++] = i;
        perm[rank - 1] = axis;
        return perm;
    }

    private static Tensor AxisLast(Tensor x, int axis) => axis == x.Rank - 1 ? x : Ops.Permute(x, AxisLastPermutation(x.Rank, axis));

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["axes"] = _oneAxis ? Axes.First : new JsonArray(Axes.First, Axes.Second);
        config["normalize"] = Normalize;
        return config;
    }

    internal static Dot FromConfig(LayerConfig c)
    {
        var axes = c.Axes("axes") ?? throw c.Error("axes", "is missing");
        bool normalize = c.Bool("normalize", false);
        return axes.Length switch
        {
            1 => new Dot(axes[0], normalize, c.Name),
            2 => new Dot((axes[0], axes[1]), normalize, c.Name),
            _ => throw c.Error("axes", $"must be one axis or a pair, got {axes.Length} axes"),
        };
    }
}
