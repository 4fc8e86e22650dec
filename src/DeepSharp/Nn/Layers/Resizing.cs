using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>Resizing</c>: resizes (height, width, channels) images to (<see cref="Height"/>, <see cref="Width"/>), in
/// training and inference alike, as TensorFlow's resize without antialiasing (half-pixel centres): "bilinear" (Keras's
/// default) or "nearest". With <see cref="CropToAspectRatio"/> the largest centred window with the target's aspect ratio
/// is cut out first, so images are not distorted. Gradients pass to the input. No weights.
/// </summary>
public sealed class Resizing : Layer
{
    /// <param name="height">The output height (≥ 1).</param>
    /// <param name="width">The output width (≥ 1).</param>
    /// <param name="interpolation"><see cref="Interpolation.Bilinear"/> (Keras's default) or <see cref="Interpolation.Nearest"/>.</param>
    /// <param name="cropToAspectRatio">Cut the largest centred window with the target's aspect ratio before resizing (Keras's <c>crop_to_aspect_ratio</c>).</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException">A side is below 1, or the interpolation is not a defined value.</exception>
    public Resizing(int height, int width, Interpolation interpolation = Interpolation.Bilinear, bool cropToAspectRatio = false,
        string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        if (height < 1) throw new ArgumentOutOfRangeException(nameof(height), height, "Resizing needs an output height of at least 1.");
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "Resizing needs an output width of at least 1.");
        if (!Enum.IsDefined(interpolation)) throw new ArgumentOutOfRangeException(nameof(interpolation), interpolation, "Unknown interpolation.");
        (Height, Width, Interpolation, CropToAspectRatio) = (height, width, interpolation, cropToAspectRatio);
    }

    /// <inheritdoc/>
    public override string TypeName => "Resizing";
    /// <summary>The output height.</summary>
    public int Height { get; }
    /// <summary>The output width.</summary>
    public int Width { get; }
    /// <summary>How pixels are read: bilinear or nearest, with half-pixel centres.</summary>
    public Interpolation Interpolation { get; }
    /// <summary>Whether the largest centred window with the target's aspect ratio is cut out before resizing.</summary>
    public bool CropToAspectRatio { get; }

    /// <summary>(height, width, channels) of the target size.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (height, width, channels) with sides ≥ 1.</exception>
    public override Shape ComputeOutputShape(Shape inputShape) => ImageLayerShapes.Resized(this, inputShape, Height, Width);

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        bool bilinear = Interpolation == Interpolation.Bilinear;
        return CropToAspectRatio ? ImageCropBox.CropToAspectAndResize(x, Height, Width, bilinear) : Ops.Resize(x, Height, Width, bilinear);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["height"] = Height;
        config["width"] = Width;
        config["interpolation"] = Interpolation.ToName();
        config["crop_to_aspect_ratio"] = CropToAspectRatio;
        return config;
    }

    internal static Resizing FromConfig(LayerConfig c)
    {
        if (c.Bool("pad_to_aspect_ratio", false)) throw c.Error("pad_to_aspect_ratio", "is not supported by DeepSharp's Resizing (use crop_to_aspect_ratio)");
        return new(c.RequiredSize("height"), c.RequiredSize("width"), c.Named("interpolation", "bilinear", InterpolationNames.Parse),
            c.Bool("crop_to_aspect_ratio", false), c.Name, c.Shape("input_shape"));
    }
}
