using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Upsamples channels-last images by whole factors (Keras's UpSampling2D): (height, width, channels) →
/// (height·size.H, width·size.W, channels), repeating pixels (nearest, the default) or interpolating with
/// half-pixel centres as <c>tf.image.resize</c> without antialiasing: bilinear, bicubic (Keys, a = −0.5), Lanczos 3 or 5
/// (Keras 3's five interpolations; the filtered ones are <see cref="Resizing"/>'s resize). No weights.
/// </summary>
public sealed class UpSampling2D : Layer
{
    /// <param name="size">Factors along (height, width); null for (2, 2).</param>
    /// <param name="interpolation"><see cref="Interpolation.Nearest"/> (the default), <see cref="Interpolation.Bilinear"/>,
    /// <see cref="Interpolation.Bicubic"/>, <see cref="Interpolation.Lanczos3"/> or <see cref="Interpolation.Lanczos5"/>.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException">A factor is not positive, or the interpolation is not one of Keras's five.</exception>
    public UpSampling2D((int H, int W)? size = null, Interpolation interpolation = Interpolation.Nearest, string? name = null, int[]? inputShape = null)
        : base(name, inputShape)
    {
        Size = ConvolutionConfig.Positive(size ?? (2, 2), "UpSampling2D", nameof(size));
        if (interpolation is not (Interpolation.Nearest or Interpolation.Bilinear or Interpolation.Bicubic or Interpolation.Lanczos3 or Interpolation.Lanczos5))
            throw new ArgumentOutOfRangeException(nameof(interpolation), interpolation,
                $"UpSampling2D supports {InterpolationNames.UpSamplingNames}; '{interpolation.ToName()}' is Resizing's only.");
        Interpolation = interpolation;
    }

    /// <summary>The same factor along both axes, as Keras's <c>UpSampling2D(3)</c>.</summary>
    public UpSampling2D(int size, Interpolation interpolation = Interpolation.Nearest, string? name = null, int[]? inputShape = null)
        : this((size, size), interpolation, name, inputShape)
    {
    }

    /// <inheritdoc/>
    public override string TypeName => "UpSampling2D";
    /// <inheritdoc/>
    public override string DefaultNamePrefix => "up_sampling2d";
    /// <summary>Factors along (height, width).</summary>
    public (int H, int W) Size { get; }
    /// <summary>How new pixels are filled.</summary>
    public Interpolation Interpolation { get; }

    /// <summary>(height·size.H, width·size.W, channels).</summary>
    /// <exception cref="ShapeMismatchException">The input is not (height, width, channels), or the output would not fit 32-bit indexing.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 3) throw ShapeError("(batch, height, width, channels)", inputShape);
        var g = ConvolutionConfig.Axis(this, "height and width", inputShape,
            () => UpSampling2DGeometry.Create(1, inputShape[0], inputShape[1], inputShape[2], Size.H, Size.W).OutH);
        return new Shape(g, inputShape[1] * Size.W, inputShape[2]);
    }

    /// <summary>Checks the input shape once (<see cref="ComputeOutputShape"/>); the layer has no weights.</summary>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (x.Rank != 4) throw ShapeError("(batch, height, width, channels)", x.Shape.WithoutBatch());
        try
        {
            return Interpolation is Interpolation.Nearest or Interpolation.Bilinear
                ? Ops.UpSampling2D(x, Size, Interpolation == Interpolation.Bilinear)
                : Resizing.Resize(x, UpSampling2DGeometry.Create(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], Size.H, Size.W).OutH,
                    x.Shape[2] * Size.W, Interpolation, antialias: false);
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
        config["size"] = Naming.Pair(Size);
        config["data_format"] = "channels_last";
        config["interpolation"] = Interpolation.ToName();
        return config;
    }

    internal static UpSampling2D FromConfig(LayerConfig c)
    {
        ConvolutionConfig.ChannelsLast(c);
        return new(c.Pair("size", (2, 2)), c.Named("interpolation", "nearest", InterpolationNames.ParseUpSampling), c.Name, c.Shape("input_shape"));
    }
}
