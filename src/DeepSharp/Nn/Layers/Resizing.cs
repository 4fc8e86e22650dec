using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>Resizing</c>: resizes (height, width, channels) images to (<see cref="Height"/>, <see cref="Width"/>), in
/// training and inference alike, as TensorFlow's <c>tf.image.resize</c> (half-pixel centres): "bilinear" (Keras's
/// default), "nearest", "bicubic" (Keys, a = −0.5), "area" (box averaging), "lanczos3", "lanczos5", "gaussian" and
/// "mitchellcubic", with <see cref="Antialias"/> widening the filter when shrinking. With <see cref="CropToAspectRatio"/>
/// the largest centred window with the target's aspect ratio is cut out first; with <see cref="PadToAspectRatio"/> the
/// image is padded with <see cref="FillValue"/> to that ratio instead, so images are not distorted. Gradients pass to the
/// input (every method is linear in the pixels). No weights.
/// </summary>
public sealed class Resizing : Layer
{
    /// <param name="height">The output height (≥ 1).</param>
    /// <param name="width">The output width (≥ 1).</param>
    /// <param name="interpolation">How pixels are read; <see cref="Interpolation.Bilinear"/> is Keras's default.</param>
    /// <param name="cropToAspectRatio">Cut the largest centred window with the target's aspect ratio before resizing (Keras's <c>crop_to_aspect_ratio</c>).</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <param name="padToAspectRatio">Pad the image evenly on both sides to the target's aspect ratio before resizing (Keras's <c>pad_to_aspect_ratio</c>, <c>fill_mode="constant"</c>).</param>
    /// <param name="fillValue">The value of the padded pixels (Keras's <c>fill_value</c>, default 0).</param>
    /// <param name="antialias">Widen the filter by the shrink factor when downsampling, as <c>tf.image.resize(antialias=True)</c>; no effect on nearest and area. Keras's default is false.</param>
    /// <exception cref="ArgumentOutOfRangeException">A side is below 1, or the interpolation is not a defined value.</exception>
    /// <exception cref="ArgumentException">Both aspect-ratio options are set, or the fill value is not finite.</exception>
    public Resizing(int height, int width, Interpolation interpolation = Interpolation.Bilinear, bool cropToAspectRatio = false,
        string? name = null, int[]? inputShape = null, bool padToAspectRatio = false, float fillValue = 0f, bool antialias = false)
        : base(name, inputShape)
    {
        if (height < 1) throw new ArgumentOutOfRangeException(nameof(height), height, "Resizing needs an output height of at least 1.");
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "Resizing needs an output width of at least 1.");
        if (!Enum.IsDefined(interpolation)) throw new ArgumentOutOfRangeException(nameof(interpolation), interpolation, "Unknown interpolation.");
        if (cropToAspectRatio && padToAspectRatio)
            throw new ArgumentException("Resizing takes crop_to_aspect_ratio or pad_to_aspect_ratio, not both.", nameof(padToAspectRatio));
        if (!float.IsFinite(fillValue)) throw new ArgumentException($"Resizing fill value {fillValue} is not finite.", nameof(fillValue));
        (Height, Width, Interpolation, CropToAspectRatio) = (height, width, interpolation, cropToAspectRatio);
        (PadToAspectRatio, FillValue, Antialias) = (padToAspectRatio, fillValue, antialias);
    }

    /// <inheritdoc/>
    public override string TypeName => "Resizing";

    /// <summary>One image (height, width, channels) without its batch axis is taken, as Keras's image layers take it.</summary>
    private protected override bool AcceptsSingleImages => true;

    /// <summary>The output height.</summary>
    public int Height { get; }
    /// <summary>The output width.</summary>
    public int Width { get; }
    /// <summary>How pixels are read, with half-pixel centres.</summary>
    public Interpolation Interpolation { get; }
    /// <summary>Whether the largest centred window with the target's aspect ratio is cut out before resizing.</summary>
    public bool CropToAspectRatio { get; }
    /// <summary>Whether the image is padded with <see cref="FillValue"/> to the target's aspect ratio before resizing.</summary>
    public bool PadToAspectRatio { get; }
    /// <summary>The value of the pixels <see cref="PadToAspectRatio"/> adds.</summary>
    public float FillValue { get; }
    /// <summary>Whether the filter is widened when shrinking (TensorFlow's <c>antialias</c>).</summary>
    public bool Antialias { get; }

    /// <summary>(height, width, channels) of the target size.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (height, width, channels) with sides ≥ 1.</exception>
    public override Shape ComputeOutputShape(Shape inputShape) => ImageLayerShapes.Resized(this, inputShape, Height, Width);

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Resize(Prepare(x), Height, Width, Interpolation, Antialias);

    /// <summary>The images the resize reads: the aspect-ratio window, the padded images, or x itself.</summary>
    internal Tensor Prepare(Tensor x)
    {
        if (CropToAspectRatio)
        {
            var (top, left, height, width) = ImageCropBox.ForAspectRatio(x.Shape[1], x.Shape[2], Height, Width);
            return ImageCropBox.Crop(x, top, left, height, width);
        }
        if (!PadToAspectRatio) return x;
        var (rows, columns) = ImageCropBox.PaddingForAspectRatio(x.Shape[1], x.Shape[2], Height, Width);
        return ImageCropBox.Pad(x, rows, columns, FillValue);
    }

    /// <summary>x (N, H, W, C) resized to (N, height, width, C) as <c>tf.image.resize(method, antialias)</c>.</summary>
    internal static Tensor Resize(Tensor x, int height, int width, Interpolation interpolation, bool antialias) => interpolation switch
    {
        Interpolation.Nearest => Ops.Resize(x, height, width, bilinear: false),
        Interpolation.Bilinear when !antialias => Ops.Resize(x, height, width, bilinear: true),
        _ => Ops.Resize(x, height, width, interpolation.ToResizeMethod(), antialias),
    };

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["height"] = Height;
        config["width"] = Width;
        config["interpolation"] = Interpolation.ToName();
        config["crop_to_aspect_ratio"] = CropToAspectRatio;
        config["pad_to_aspect_ratio"] = PadToAspectRatio;
        config["fill_mode"] = "constant";
        config["fill_value"] = FillValue;
        config["antialias"] = Antialias;
        return config;
    }

    internal static Resizing FromConfig(LayerConfig c)
    {
        c.Named("fill_mode", "constant", mode => mode == "constant" ? 0 : throw new DeepSharpException($"fill_mode '{mode}' is not supported by Resizing; use 'constant'."));
        c.Named("data_format", "channels_last", f => f == "channels_last" ? 0 : throw new DeepSharpException($"data_format '{f}' is not supported; DeepSharp's images are channels_last."));
        bool crop = c.Bool("crop_to_aspect_ratio", false), pad = c.Bool("pad_to_aspect_ratio", false);
        if (crop && pad) throw c.Error("pad_to_aspect_ratio", "cannot be true together with crop_to_aspect_ratio");
        return new(c.RequiredSize("height"), c.RequiredSize("width"), c.Named("interpolation", "bilinear", InterpolationNames.Parse),
            crop, c.Name, c.Shape("input_shape"), pad, c.Float("fill_value", 0f), c.Bool("antialias", false));
    }
}
