using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Removes steps from the start and end of (batch, steps, features) (Keras's Cropping1D):
/// (steps − start − end, features). No weights.
/// </summary>
public sealed class Cropping1D : Layer
{
    /// <param name="cropping">Steps removed at the start and at the end; null for Keras's default (1, 1).</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException">A margin is negative.</exception>
    public Cropping1D((int Start, int End)? cropping = null, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        Cropping = ConvolutionConfig.NonNegative(cropping ?? (1, 1), "Cropping1D", nameof(cropping));
    }

    /// <summary>The same number of steps removed at both ends, Keras's <c>cropping=n</c>.</summary>
    public Cropping1D(int cropping, string? name = null, int[]? inputShape = null) : this((cropping, cropping), name, inputShape)
    {
    }

    /// <inheritdoc/>
    public override string TypeName => "Cropping1D";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "cropping1d";
    /// <summary>Steps removed at the start and at the end.</summary>
    public (int Start, int End) Cropping { get; }

    /// <summary>(steps − start − end, features).</summary>
    /// <exception cref="ShapeMismatchException">The input is not (steps, features), or the cropping leaves no step.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 2) throw ShapeError("(batch, steps, features)", inputShape);
        long steps = (long)inputShape[0] - Cropping.Start - Cropping.End;
        if (steps < 1)
            throw new ShapeMismatchException($"Layer '{Name}' (Cropping1D): cropping {Cropping} leaves nothing of inputs {inputShape.ToBatchString()}.");
        return new Shape((int)steps, inputShape[1]);
    }

    /// <summary>Checks the input shape once (<see cref="ComputeOutputShape"/>); the layer has no weights.</summary>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.Rank != 3) throw ShapeError("(batch, steps, features)", x.Shape.WithoutBatch());
        try
        {
            var y = Ops.Crop2D(Ops.Reshape(x, x.Shape[0], 1, x.Shape[1], x.Shape[2]), (0, 0), Cropping);
            return Ops.Reshape(y, x.Shape[0], y.Shape[2], x.Shape[2]);
        }
        catch (ArgumentException e)
        {
            throw ConvolutionConfig.Unfit(this, x, e);
        }
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["cropping"] = Naming.Pair(Cropping);
        return config;
    }

    internal static Cropping1D FromConfig(LayerConfig c) =>
        new(ConvolutionConfig.Margins1D(c, "cropping", (1, 1)), c.Name, c.Shape("input_shape"));
}
