using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Base of the random image augmentations (RandomFlip, RandomRotation, RandomTranslation,
/// RandomZoom, RandomShear): active only while training, the identity at inference. Each draws one affine
/// transform per image and resamples it bilinearly (or from the nearest pixel, <see cref="Interpolation"/>). Gradients pass to the input; the random
/// parameters get none (they are pre-processing, as in Keras).
/// </summary>
public abstract class ImageAugmentation : Layer
{
    private RandomGenerator? _generator;

    /// <param name="fillMode">How pixels read from outside the image are filled: <see cref="FillMode.Reflect"/> (Keras's default) mirrors the image, <see cref="FillMode.Constant"/> uses <paramref name="fillValue"/>.</param>
    /// <param name="fillValue">The value of outside pixels with <see cref="FillMode.Constant"/>.</param>
    /// <param name="seed">Seeds the layer's own generator of transforms; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels) (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fillMode"/> is not a defined value, or <paramref name="fillValue"/> is not finite.</exception>
    protected ImageAugmentation(FillMode fillMode, float fillValue, long? seed, string? name, int[]? inputShape) : base(name, inputShape)
    {
        if (!Enum.IsDefined(fillMode)) throw new ArgumentOutOfRangeException(nameof(fillMode), fillMode, "Unknown fill mode.");
        if (!float.IsFinite(fillValue)) throw new ArgumentOutOfRangeException(nameof(fillValue), fillValue, "fill_value must be a finite number.");
        FillMode = fillMode;
        FillValue = fillValue;
        Seed = seed;
    }

    /// <summary>How pixels read from outside the image are filled (Keras's <c>fill_mode</c>).</summary>
    public FillMode FillMode { get; }
    /// <summary>The value of outside pixels with <see cref="FillMode.Constant"/>.</summary>
    public float FillValue { get; }
    /// <summary>The seed of the transforms' generator; null when it was forked from the global generator.</summary>
    public long? Seed { get; }

    /// <summary>How the transformed image is sampled (Keras's <c>interpolation</c>): <see cref="Interpolation.Bilinear"/> (the default) or <see cref="Interpolation.Nearest"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Another interpolation.</exception>
    public Interpolation Interpolation
    {
        get;
        init => field = value is Interpolation.Bilinear or Interpolation.Nearest ? value
            : throw new ArgumentOutOfRangeException(nameof(Interpolation), value, $"{TypeName} samples with Interpolation.Bilinear or Interpolation.Nearest.");
    } = Interpolation.Bilinear;

    /// <summary>The generator of the random transforms (its state goes into checkpoints).</summary>
    public RandomGenerator Generator => _generator ??= Seed is { } s ? new RandomGenerator(s) : RandomGenerator.Global.Fork();

    internal override RandomGenerator? TrainingGenerator => Generator;

    /// <summary>One image (height, width, channels) without its batch axis is taken, as Keras's image layers take it.</summary>
    private protected override bool AcceptsSingleImages => true;

    /// <summary>Writes one image's (a0, a1, a2, b0, b1, b2): output pixel (x, y) reads input (a0·x + a1·y + a2, b0·x + b1·y + b2).</summary>
    protected abstract void DrawTransform(int height, int width, RandomGenerator generator, Span<float> transform);

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        ComputeOutputShape(inputShape);
        _ = Generator;
    }

    /// <summary>The input shape: augmentations keep the image's size.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (height, width, channels).</exception>
    public override Shape ComputeOutputShape(Shape inputShape) =>
        inputShape.Rank == 3 ? inputShape : throw ShapeError("(batch, height, width, channels)", inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (!training) return x;
        int batch = x.Shape[0], height = x.Shape[1], width = x.Shape[2];
        var transforms = Tensor.Zeros(batch, 6);
        for (int n = 0; n < batch; n++) DrawTransform(height, width, Generator, transforms.Span.Slice(n * 6, 6));
        return Ops.ImageTransform(x, transforms, FillMode.ToKernel(), FillValue, Interpolation == Interpolation.Nearest);
    }

    /// <summary>A uniform draw in [lower, upper].</summary>
    protected static float Uniform(RandomGenerator generator, (float Lower, float Upper) range) =>
        range.Lower + (range.Upper - range.Lower) * generator.NextFloat();

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["fill_mode"] = FillMode == FillMode.Reflect ? "reflect" : "constant";
        config["interpolation"] = Interpolation.ToName();
        config["fill_value"] = FillValue;
        if (Seed is { } s) config["seed"] = s;
        return config;
    }

    /// <summary>Keras's factor: a number f means (−f, f); a pair is (lower, upper).</summary>
    internal static (float, float) Range(float factor) => (-Math.Abs(factor), Math.Abs(factor));

    internal static JsonArray ToJson((float Lower, float Upper) range) => new(range.Lower, range.Upper);

    /// <summary>The largest factor a config may give (a thousand turns, heights or zooms): finite transforms only.</summary>
    internal const float MaxFactor = 1000f;

    /// <summary>Refuses factors that are not finite numbers in order.</summary>
    private protected static void RequireRange((float Lower, float Upper) range, string name, string type)
    {
        if (!(float.IsFinite(range.Lower) && float.IsFinite(range.Upper) && range.Lower <= range.Upper))
            throw new ArgumentException($"{type} {name} {range} needs finite numbers with lower ≤ upper.", name);
    }

    internal static FillMode ReadFillMode(LayerConfig c)
    {
        return c.Named("fill_mode", "reflect", mode => mode switch
        {
            "reflect" => FillMode.Reflect,
            "constant" => FillMode.Constant,
            _ => throw new DeepSharpException($"fill_mode '{mode}' is not supported; use 'reflect' or 'constant'."),
        });
    }

    internal static float ReadFillValue(LayerConfig c) => c.Float("fill_value", 0f);

    /// <summary>Keras's <c>interpolation</c> of the resampling layers: "bilinear" (the default) or "nearest".</summary>
    internal static Interpolation ReadInterpolation(LayerConfig c) => c.Named("interpolation", "bilinear", i => i switch
    {
        "bilinear" => Interpolation.Bilinear,
        "nearest" => Interpolation.Nearest,
        _ => throw new DeepSharpException($"Interpolation '{i}' is not supported; use 'bilinear' or 'nearest'."),
    });
}
