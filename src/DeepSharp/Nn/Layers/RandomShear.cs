using System.Text.Json.Nodes;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>RandomShear</c>: while training, shears each image about its top-left corner: output pixel (x, y) reads
/// input (x + sx·y, sy·x + y), sx and sy drawn per image from <see cref="XFactor"/> and <see cref="YFactor"/> and both
/// negated by one fair coin (Keras's draw). A number f means (−f, f). Keras's default fill_mode "reflect"; "constant"
/// fills with fill_value. The identity at inference; gradients pass to the input.
/// </summary>
public sealed class RandomShear : ImageAugmentation
{
    /// <param name="xFactor">The largest horizontal shear: sx is drawn from [−xFactor, xFactor]; in [0, 1] (0: none, Keras's default).</param>
    /// <param name="yFactor">The largest vertical shear, the same way.</param>
    /// <param name="fillMode">How pixels read from outside the image are filled: <see cref="FillMode.Reflect"/> (Keras's default) mirrors the image, <see cref="FillMode.Constant"/> uses <paramref name="fillValue"/>.</param>
    /// <param name="fillValue">The value of outside pixels with <see cref="FillMode.Constant"/>.</param>
    /// <param name="seed">Seeds the layer's own generator of transforms; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fillMode"/> is not a defined value, or <paramref name="fillValue"/> is not finite.</exception>
    /// <exception cref="ArgumentException">A factor is outside [0, 1].</exception>
    public RandomShear(float xFactor = 0f, float yFactor = 0f, FillMode fillMode = FillMode.Reflect, float fillValue = 0f, long? seed = null,
        string? name = null, int[]? inputShape = null)
        : this(Symmetric(xFactor, nameof(xFactor)), Symmetric(yFactor, nameof(yFactor)), fillMode, fillValue, seed, name, inputShape) { }

    /// <param name="xFactor">(lower, upper): the range sx is drawn from; each in [−1, 1] (a pair is sorted).</param>
    /// <param name="yFactor">(lower, upper): the range sy is drawn from; each in [−1, 1].</param>
    /// <param name="fillMode">How pixels read from outside the image are filled: <see cref="FillMode.Reflect"/> (Keras's default) mirrors the image, <see cref="FillMode.Constant"/> uses <paramref name="fillValue"/>.</param>
    /// <param name="fillValue">The value of outside pixels with <see cref="FillMode.Constant"/>.</param>
    /// <param name="seed">Seeds the layer's own generator of transforms; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fillMode"/> is not a defined value, or <paramref name="fillValue"/> is not finite.</exception>
    /// <exception cref="ArgumentException">A factor is outside [−1, 1].</exception>
    public RandomShear((float Lower, float Upper) xFactor, (float Lower, float Upper) yFactor, FillMode fillMode = FillMode.Reflect, float fillValue = 0f,
        long? seed = null, string? name = null, int[]? inputShape = null) : base(fillMode, fillValue, seed, name, inputShape)
    {
        XFactor = Sorted(xFactor, nameof(xFactor), -1f);
        YFactor = Sorted(yFactor, nameof(yFactor), -1f);
    }

    /// <inheritdoc/>
    public override string TypeName => "RandomShear";
    /// <summary>The range the horizontal shear sx is drawn from (before the shared sign coin).</summary>
    public (float Lower, float Upper) XFactor { get; }
    /// <summary>The range the vertical shear sy is drawn from (before the shared sign coin).</summary>
    public (float Lower, float Upper) YFactor { get; }

    private static (float, float) Symmetric(float f, string parameter)
    {
        Sorted((f, f), parameter, 0f);
        return (-f, f);
    }

    private static (float Lower, float Upper) Sorted((float Lower, float Upper) f, string parameter, float min) =>
        f.Lower >= min && f.Lower <= 1f && f.Upper >= min && f.Upper <= 1f
            ? (Math.Min(f.Lower, f.Upper), Math.Max(f.Lower, f.Upper))
            : throw new ArgumentException($"RandomShear {parameter} {f} needs values in [{min}, 1].", parameter);

    /// <inheritdoc/>
    protected override void DrawTransform(int height, int width, RandomGenerator generator, Span<float> t)
    {
        float sign = generator.NextFloat() > 0.5f ? -1f : 1f;
        float sy = Uniform(generator, YFactor), sx = Uniform(generator, XFactor);
        t[0] = 1f;
        t[1] = sign * sx;
        t[3] = sign * sy;
        t[4] = 1f;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["x_factor"] = ToJson(XFactor);
        config["y_factor"] = ToJson(YFactor);
        return config;
    }

    internal static RandomShear FromConfig(LayerConfig c)
    {
        c.Named("data_format", "channels_last", f => f == "channels_last" ? 0 : throw new DeepSharpException($"data_format '{f}' is not supported; DeepSharp's images are channels_last."));
        var x = RandomImageLayer.ReadFactor(c, "x_factor", (0f, 0f), -1f, 1f, f => f >= 0f ? (-f, f) : throw c.Error("x_factor", $"needs a number in [0, 1], got {f}"));
        var y = RandomImageLayer.ReadFactor(c, "y_factor", (0f, 0f), -1f, 1f, f => f >= 0f ? (-f, f) : throw c.Error("y_factor", $"needs a number in [0, 1], got {f}"));
        return new(x, y, ReadFillMode(c), ReadFillValue(c), c.Seed(), c.Name, c.Shape("input_shape")) { Interpolation = ReadInterpolation(c) };
    }
}
