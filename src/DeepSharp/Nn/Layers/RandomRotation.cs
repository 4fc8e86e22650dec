using System.Text.Json.Nodes;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// While training, rotates each image about its centre by a random angle of factor·2π:
/// a number f draws from [−f·2π, f·2π], a pair (lower, upper) from [lower·2π, upper·2π].
/// Keras's default fill_mode "reflect"; "constant" fills with fill_value.
/// </summary>
public sealed class RandomRotation : ImageAugmentation
{
    public RandomRotation(float factor, FillMode fillMode = FillMode.Reflect, float fillValue = 0f, long? seed = null,
        string? name = null, int[]? inputShape = null) : this(Range(factor), fillMode, fillValue, seed, name, inputShape) { }

    public RandomRotation((float Lower, float Upper) factor, FillMode fillMode = FillMode.Reflect, float fillValue = 0f, long? seed = null,
        string? name = null, int[]? inputShape = null) : base(fillMode, fillValue, seed, name, inputShape)
    {
        RequireRange(factor, nameof(factor), "RandomRotation");
        Factor = factor;
    }

    public override string TypeName => "RandomRotation";
    public (float Lower, float Upper) Factor { get; }

    protected override void DrawTransform(int height, int width, RandomGenerator generator, Span<float> t)
    {
        double angle = Uniform(generator, Factor) * 2 * Math.PI;
        float cos = (float)Math.Cos(angle), sin = (float)Math.Sin(angle);
        // Keras's rotation matrix: output (x, y) reads input (cos·x − sin·y + ox, sin·x + cos·y + oy), centre fixed.
        t[0] = cos;
        t[1] = -sin;
        t[2] = ((width - 1) - (cos * (width - 1) - sin * (height - 1))) / 2f;
        t[3] = sin;
        t[4] = cos;
        t[5] = ((height - 1) - (sin * (width - 1) + cos * (height - 1))) / 2f;
    }

    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["factor"] = ToJson(Factor);
        return config;
    }

    internal static RandomRotation FromConfig(LayerConfig c) => new(
        c.Range("factor", (0f, 0f), MaxFactor), ReadFillMode(c), ReadFillValue(c), c.Seed(), c.Name, c.Shape("input_shape"));
}
