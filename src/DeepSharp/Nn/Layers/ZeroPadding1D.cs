using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Adds zero steps at the start and end of (batch, steps, features) (Keras's ZeroPadding1D):
/// (start + steps + end, features). No weights.
/// </summary>
public sealed class ZeroPadding1D : Layer
{
    /// <param name="padding">Steps of zeros added at the start and at the end.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException">A margin is negative.</exception>
    public ZeroPadding1D((int Start, int End) padding, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        Padding = ConvolutionConfig.NonNegative(padding, "ZeroPadding1D", nameof(padding));
    }

    /// <summary>The same number of zero steps at both ends, Keras's <c>padding=1</c> (the default).</summary>
    public ZeroPadding1D(int padding = 1, string? name = null, int[]? inputShape = null) : this((padding, padding), name, inputShape)
    {
    }

    /// <inheritdoc/>
    public override string TypeName => "ZeroPadding1D";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "zero_padding1d";
    /// <summary>Steps added at the start and at the end.</summary>
    public (int Start, int End) Padding { get; }

    /// <summary>(start + steps + end, features).</summary>
    /// <exception cref="ShapeMismatchException">The input is not (steps, features), or the output would not fit 32-bit indexing.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 2) throw ShapeError("(batch, steps, features)", inputShape);
        var g = ConvolutionConfig.Axis(this, "steps", inputShape,
            () => Pad2DGeometry.Padding(1, 1, inputShape[0], inputShape[1], 0, 0, Padding.Start, Padding.End));
        return new Shape(g.OutW, inputShape[1]);
    }

    /// <summary>Checks the input shape once (<see cref="ComputeOutputShape"/>); the layer has no weights.</summary>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.Rank != 3) throw ShapeError("(batch, steps, features)", x.Shape.WithoutBatch());
        try
        {
            var y = Ops.ZeroPad2D(Ops.Reshape(x, x.Shape[0], 1, x.Shape[1], x.Shape[2]), (0, 0), Padding);
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
        config["padding"] = Naming.Pair(Padding);
        return config;
    }

    internal static ZeroPadding1D FromConfig(LayerConfig c) =>
        new(ConvolutionConfig.Margins1D(c, "padding", (1, 1)), c.Name, c.Shape("input_shape"));
}
