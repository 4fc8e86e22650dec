using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>CenterCrop</c>: cuts the centred (<see cref="Height"/>, <see cref="Width"/>) window out of each image, in
/// training and inference alike; the window starts at ⌊(side − target)/2⌋. An image smaller than the target on either
/// side is instead resized bilinearly to the target, after cutting the largest centred window with its aspect ratio
/// (as Keras 3 does). Gradients pass to the input. No weights.
/// </summary>
public sealed class CenterCrop : Layer
{
    /// <param name="height">The output height (≥ 1).</param>
    /// <param name="width">The output width (≥ 1).</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException">A side is below 1.</exception>
    public CenterCrop(int height, int width, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        if (height < 1) throw new ArgumentOutOfRangeException(nameof(height), height, "CenterCrop needs an output height of at least 1.");
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "CenterCrop needs an output width of at least 1.");
        (Height, Width) = (height, width);
    }

    /// <inheritdoc/>
    public override string TypeName => "CenterCrop";

    /// <summary>One image (height, width, channels) without its batch axis is taken, as Keras's image layers take it.</summary>
    private protected override bool AcceptsSingleImages => true;

    /// <summary>The output height.</summary>
    public int Height { get; }
    /// <summary>The output width.</summary>
    public int Width { get; }

    /// <summary>Whether images of <paramref name="inputShape"/> are cropped (both sides at least the target's) rather than resized.</summary>
    internal bool Crops(Shape inputShape) => inputShape[0] >= Height && inputShape[1] >= Width;

    /// <summary>(height, width, channels) of the target size.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (height, width, channels) with sides ≥ 1.</exception>
    public override Shape ComputeOutputShape(Shape inputShape) => ImageLayerShapes.Resized(this, inputShape, Height, Width);

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Apply(x, Height, Width);

    /// <summary>Keras's centre crop of (N, H, W, C) images to (height, width), or its resize when an image is smaller.</summary>
    internal static Tensor Apply(Tensor x, int height, int width)
    {
        int inH = x.Shape[1], inW = x.Shape[2];
        return inH >= height && inW >= width
            ? ImageCropBox.Crop(x, (inH - height) / 2, (inW - width) / 2, height, width)
            : ImageCropBox.CropToAspectAndResize(x, height, width, bilinear: true);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["height"] = Height;
        config["width"] = Width;
        return config;
    }

    internal static CenterCrop FromConfig(LayerConfig c) => new(c.RequiredSize("height"), c.RequiredSize("width"), c.Name, c.Shape("input_shape"));
}
