using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Repeats each step of (batch, steps, features) <see cref="Size"/> times (Keras's UpSampling1D):
/// (steps·size, features). Runs as a nearest <see cref="UpSampling2D"/> of height 1. No weights.
/// </summary>
public sealed class UpSampling1D : Layer
{
    /// <param name="size">How many times each step is repeated (Keras's default 2).</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException">The size is not positive.</exception>
    public UpSampling1D(int size = 2, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        Size = ConvolutionConfig.Positive(size, "UpSampling1D", nameof(size));
    }

    /// <inheritdoc/>
    public override string TypeName => "UpSampling1D";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "up_sampling1d";
    /// <summary>How many times each step is repeated.</summary>
    public int Size { get; }

    /// <summary>(steps·size, features).</summary>
    /// <exception cref="ShapeMismatchException">The input is not (steps, features), or the output would not fit 32-bit indexing.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 2) throw ShapeError("(batch, steps, features)", inputShape);
        var g = ConvolutionConfig.Axis(this, "steps", inputShape, () => UpSampling2DGeometry.Create(1, 1, inputShape[0], inputShape[1], 1, Size));
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
            var y = Ops.UpSampling2D(Ops.Reshape(x, x.Shape[0], 1, x.Shape[1], x.Shape[2]), (1, Size), bilinear: false);
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
        config["size"] = Size;
        return config;
    }

    internal static UpSampling1D FromConfig(LayerConfig c) => new(c.OneSize("size", 2), c.Name, c.Shape("input_shape"));
}
