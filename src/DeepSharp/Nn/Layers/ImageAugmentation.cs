using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Base of the random image augmentations (RandomFlip, RandomRotation, RandomTranslation,
/// RandomZoom): active only while training, the identity at inference. Each draws one affine
/// transform per image and resamples it bilinearly. Gradients pass to the input; the random
/// parameters get none (they are pre-processing, as in Keras).
/// </summary>
public abstract class ImageAugmentation : Layer
{
    private RandomGenerator? _generator;

    protected ImageAugmentation(FillMode fillMode, float fillValue, long? seed, string? name, int[]? inputShape) : base(name, inputShape)
    {
        FillMode = fillMode;
        FillValue = fillValue;
        Seed = seed;
    }

    public FillMode FillMode { get; }
    public float FillValue { get; }
    public long? Seed { get; }

    /// <summary>The generator of the random transforms (its state goes into checkpoints).</summary>
    public RandomGenerator Generator => _generator ??= Seed is { } s ? new RandomGenerator(s) : RandomGenerator.Global.Fork();

    internal override RandomGenerator? TrainingGenerator => Generator;

    /// <summary>Writes one image's (a0, a1, a2, b0, b1, b2): output pixel (x, y) reads input (a0·x + a1·y + a2, b0·x + b1·y + b2).</summary>
    protected abstract void DrawTransform(int height, int width, RandomGenerator generator, Span<float> transform);

    protected override void OnBuild(Shape inputShape)
    {
        ComputeOutputShape(inputShape);
        _ = Generator;
    }

    public override Shape ComputeOutputShape(Shape inputShape) =>
        inputShape.Rank == 3 ? inputShape : throw ShapeError("(batch, height, width, channels)", inputShape);

    protected override Tensor Forward(Tensor x, bool training)
    {
        if (!training) return x;
        int batch = x.Shape[0], height = x.Shape[1], width = x.Shape[2];
        var transforms = Tensor.Zeros(batch, 6);
        for (int n = 0; n < batch; n++) DrawTransform(height, width, Generator, transforms.Span.Slice(n * 6, 6));
        return Ops.ImageTransform(x, transforms, FillMode, FillValue);
    }

    /// <summary>A uniform draw in [lower, upper].</summary>
    protected static float Uniform(RandomGenerator generator, (float Lower, float Upper) range) =>
        range.Lower + (range.Upper - range.Lower) * generator.NextFloat();

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["fill_mode"] = FillMode == FillMode.Reflect ? "reflect" : "constant";
        config["interpolation"] = "bilinear";
        config["fill_value"] = FillValue;
        if (Seed is { } s) config["seed"] = s;
        return config;
    }

    /// <summary>Keras's factor: a number f means (−f, f); a pair is (lower, upper).</summary>
    internal static (float, float) Range(float factor) => (-Math.Abs(factor), Math.Abs(factor));

    internal static JsonArray ToJson((float Lower, float Upper) range) => [range.Lower, range.Upper];

    internal static (float, float) ReadRange(JsonObject c, string key, (float, float) fallback) => c[key] switch
    {
        null => fallback,
        JsonArray a when a.Count == 2 => ((float)a[0]!, (float)a[1]!),
        JsonValue v => Range((float)v),
        var other => throw new DeepSharpException($"Config key '{key}' must be a number or [lower, upper]; got {other.ToJsonString()}."),
    };

    internal static FillMode ReadFillMode(JsonObject c)
    {
        if ((string?)c["interpolation"] is { } i && i != "bilinear")
            throw new DeepSharpException($"Interpolation '{i}' is not supported; use 'bilinear'.");
        return (string?)c["fill_mode"] switch
        {
            null or "reflect" => FillMode.Reflect,
            "constant" => FillMode.Constant,
            var other => throw new DeepSharpException($"fill_mode '{other}' is not supported; use 'reflect' or 'constant'."),
        };
    }
}
