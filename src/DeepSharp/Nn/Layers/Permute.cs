using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's Permute: reorders the axes after the batch axis. <see cref="Dims"/> counts from 1 (the
/// first axis after the batch), so Permute([2, 1]) swaps (steps, features) into (features, steps).
/// The output is a copy (<see cref="Ops.Permute"/>).
/// </summary>
public sealed class Permute : Layer
{
    private readonly int[] _dims;

    /// <param name="dims">A permutation of 1..rank: output axis k is input axis dims[k − 1].</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException"><paramref name="dims"/> is not a permutation of 1..n.</exception>
    public Permute(int[] dims, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        ArgumentNullException.ThrowIfNull(dims);
        var sorted = dims.Order().ToArray();
        for (int k = 0; k < sorted.Length; k++)
            if (sorted[k] != k + 1)
                throw new ArgumentException($"Permute dims ({string.Join(", ", dims)}) must hold each of 1 to {dims.Length} once (axis 0, the batch, stays first).", nameof(dims));
        if (dims.Length == 0) throw new ArgumentException("Permute dims must name at least one axis.", nameof(dims));
        _dims = [.. dims];
    }

    /// <inheritdoc/>
    public override string TypeName => "Permute";
    /// <summary>The permutation, counted from 1 (the first axis after the batch).</summary>
    public IReadOnlyList<int> Dims => _dims;

    /// <summary>The input's axes in the order of <see cref="Dims"/>.</summary>
    /// <exception cref="ShapeMismatchException">The input does not have as many axes as <see cref="Dims"/>.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != _dims.Length) throw ShapeError($"with {_dims.Length} axes after the batch axis (dims ({string.Join(", ", _dims)}))", inputShape);
        var output = new int[_dims.Length];
        for (int k = 0; k < output.Length; k++) output[k] = inputShape[_dims[k] - 1];
        return new Shape(output);
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <summary>The permutation of a batch's axes: the batch axis first, then <see cref="Dims"/>.</summary>
    internal int[] BatchPermutation() => [0, .. _dims];

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Ops.Permute(x, BatchPermutation());

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["dims"] = new JsonArray([.. _dims.Select(d => (JsonNode?)d)]);
        return config;
    }

    internal static Permute FromConfig(LayerConfig c) => new(c.Shape("dims") ?? throw c.Error("dims", "is missing"), c.Name, c.Shape("input_shape"));
}
