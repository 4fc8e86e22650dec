using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>RandomCrop</c>: while training, cuts a (<see cref="Height"/>, <see cref="Width"/>) window at a random place
/// out of the images — one place for the whole batch, as Keras. At inference, and while training on images smaller than
/// the target, the images are resized bilinearly to the target after cutting the largest centred window with its aspect
/// ratio (Keras 3's behaviour; for images exactly the target's size that is the identity). No weights.
/// </summary>
public sealed class RandomCrop : RandomImageLayer
{
    /// <param name="height">The output height (≥ 1).</param>
    /// <param name="width">The output width (≥ 1).</param>
    /// <param name="seed">Seeds the layer's own generator of crop places; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException">A side is below 1.</exception>
    public RandomCrop(int height, int width, long? seed = null, string? name = null, int[]? inputShape = null) : base(seed, name, inputShape)
    {
        if (height < 1) throw new ArgumentOutOfRangeException(nameof(height), height, "RandomCrop needs an output height of at least 1.");
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "RandomCrop needs an output width of at least 1.");
        (Height, Width) = (height, width);
    }

    /// <inheritdoc/>
    public override string TypeName => "RandomCrop";
    /// <summary>The output height.</summary>
    public int Height { get; }
    /// <summary>The output width.</summary>
    public int Width { get; }

    /// <summary>(height, width, channels) of the target size.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (height, width, channels) with sides ≥ 1.</exception>
    public override Shape ComputeOutputShape(Shape inputShape) => ImageLayerShapes.Resized(this, inputShape, Height, Width);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        int inH = x.Shape[1], inW = x.Shape[2];
        if (!training || inH < Height || inW < Width) return ImageCropBox.CropToAspectAndResize(x, Height, Width, bilinear: true);
        int top = Generator.NextInt(inH - Height + 1), left = Generator.NextInt(inW - Width + 1);
        return ImageCropBox.Crop(x, top, left, Height, Width);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["height"] = Height;
        config["width"] = Width;
        return config;
    }

    internal static RandomCrop FromConfig(LayerConfig c) => new(c.RequiredSize("height"), c.RequiredSize("width"), c.Seed(), c.Name, c.Shape("input_shape"));
}
