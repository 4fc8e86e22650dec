using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>RandomPerspective</c>: while training, each image is warped with probability p (p drawn per image from
/// <see cref="Factor"/>) by the homography that moves its corners (0, 0), (w − 1, 0), (0, h − 1), (w − 1, h − 1) to
/// corner + corner·d, each of the eight numbers d drawn from [−scale/2, scale/2] (as Keras, the corner at the origin
/// stays). Output pixel (x, y) reads the input at the homography's image of (x, y) taken back to the original corners,
/// sampled bilinearly (or nearest) with <see cref="FillValue"/> outside. The identity at inference. Gradients pass to
/// the input.
/// </summary>
public sealed class RandomPerspective : RandomImageLayer
{
    /// <param name="factor">The largest probability of warping an image: p is drawn from [0, factor]; in [0, 1] (Keras's default 1).</param>
    /// <param name="scale">How far the corners move, relative to their coordinates: in [0, 1] (Keras's default 1).</param>
    /// <param name="interpolation"><see cref="Interpolation.Bilinear"/> (Keras's default) or <see cref="Interpolation.Nearest"/>.</param>
    /// <param name="fillValue">The value read from outside the image.</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">The factor or the scale is outside [0, 1], the interpolation is neither bilinear nor nearest, or the fill value is not finite.</exception>
    public RandomPerspective(float factor = 1f, float scale = 1f, Interpolation interpolation = Interpolation.Bilinear, float fillValue = 0f,
        long? seed = null, string? name = null, int[]? inputShape = null)
        : this((0f, factor), scale, interpolation, fillValue, seed, name, inputShape) { }

    /// <param name="factor">(lower, upper): each image's probability of being warped is drawn from it; 0 ≤ lower ≤ upper ≤ 1.</param>
    /// <param name="scale">How far the corners move, relative to their coordinates: in [0, 1].</param>
    /// <param name="interpolation"><see cref="Interpolation.Bilinear"/> (Keras's default) or <see cref="Interpolation.Nearest"/>.</param>
    /// <param name="fillValue">The value read from outside the image.</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">The factor or the scale is outside [0, 1], the interpolation is neither bilinear nor nearest, or the fill value is not finite.</exception>
    public RandomPerspective((float Lower, float Upper) factor, float scale = 1f, Interpolation interpolation = Interpolation.Bilinear,
        float fillValue = 0f, long? seed = null, string? name = null, int[]? inputShape = null) : base(seed, name, inputShape)
    {
        if (!(factor.Lower >= 0f && factor.Upper <= 1f && factor.Lower <= factor.Upper))
            throw new ArgumentException($"RandomPerspective factor {factor} needs 0 ≤ lower ≤ upper ≤ 1.", nameof(factor));
        if (!(scale >= 0f && scale <= 1f)) throw new ArgumentException($"RandomPerspective scale {scale} needs a number in [0, 1].", nameof(scale));
        if (interpolation is not (Interpolation.Bilinear or Interpolation.Nearest))
            throw new ArgumentException($"RandomPerspective interpolation {interpolation} is not supported; use Bilinear or Nearest.", nameof(interpolation));
        if (!float.IsFinite(fillValue)) throw new ArgumentException($"RandomPerspective fill_value {fillValue} must be a finite number.", nameof(fillValue));
        (Factor, Scale, Interpolation, FillValue) = (factor, scale, interpolation, fillValue);
    }

    /// <inheritdoc/>
    public override string TypeName => "RandomPerspective";
    /// <summary>(lower, upper): the range each image's probability of being warped is drawn from.</summary>
    public (float Lower, float Upper) Factor { get; }
    /// <summary>How far the corners move: each coordinate c goes to c·(1 + d), d from [−scale/2, scale/2].</summary>
    public float Scale { get; }
    /// <summary>How the warped image is sampled.</summary>
    public Interpolation Interpolation { get; }
    /// <summary>The value read from outside the image.</summary>
    public float FillValue { get; }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        ImageLayerShapes.RequireImages(this, inputShape);
        return inputShape;
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (!training) return x;
        int batch = x.Shape[0], height = x.Shape[1], width = x.Shape[2];
        var transforms = Tensor.Zeros(batch, 8);
        Span<double> displacement = stackalloc double[8];
        for (int n = 0; n < batch; n++)
        {
            var t = transforms.Span.Slice(n * 8, 8);
            float probability = Uniform(Factor.Lower, Factor.Upper);
            bool apply = Generator.NextFloat() < probability;
            for (int i = 0; i < 8; i++) displacement[i] = Uniform(-0.5f * Scale, 0.5f * Scale);
            if (!apply || !Transform(height, width, displacement, t))
            {
                t.Clear();
                t[0] = t[4] = 1f;
            }
        }
        return Ops.ImageTransform(x, transforms, EdgeFill.Constant, FillValue, Interpolation == Interpolation.Nearest);
    }

    /// <summary>
    /// The sampling map of one image whose corner coordinates (x0, y0, …, x3, y3) of (0, 0), (w − 1, 0), (0, h − 1),
    /// (w − 1, h − 1) move to c·(1 + d): output pixels at the moved corners read the original ones. False (t untouched) when
    /// the corners are collinear (an image one pixel wide or high).
    /// </summary>
    internal static bool Transform(int height, int width, ReadOnlySpan<double> displacement, Span<float> t)
    {
        Span<double> start = [0, 0, width - 1, 0, 0, height - 1, width - 1, height - 1];
        Span<double> end = stackalloc double[8];
        for (int i = 0; i < 8; i++) end[i] = start[i] * (1 + displacement[i]);
        return Homography.Solve(end, start, t);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["factor"] = new JsonArray(Factor.Lower, Factor.Upper);
        config["scale"] = Scale;
        config["interpolation"] = Interpolation.ToName();
        config["fill_value"] = FillValue;
        return config;
    }

    internal static RandomPerspective FromConfig(LayerConfig c)
    {
        c.Named("data_format", "channels_last", f => f == "channels_last" ? 0 : throw new DeepSharpException($"data_format '{f}' is not supported; DeepSharp's images are channels_last."));
        var factor = ReadFactor(c, "factor", (0f, 1f), 0f, 1f, f => (0f, f));
        return new((Math.Min(factor.Item1, factor.Item2), Math.Max(factor.Item1, factor.Item2)), c.Float("scale", 1f, 0f, 1f),
            ImageAugmentation.ReadInterpolation(c), c.Float("fill_value", 0f), c.Seed(), c.Name, c.Shape("input_shape"));
    }
}
