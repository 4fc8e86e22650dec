using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>RandomGaussianBlur</c>: while training, each image is blurred with probability p (p drawn per image from
/// <see cref="Factor"/>) by a Gaussian kernel: k(i) = exp(−½((i − (size − 1)/2)/σ)²), normalised to sum 1, once along
/// the width (σx) and once along the height (σy), per channel, with zero padding (the output keeps the image's size). σx
/// and σy are drawn once per call from <see cref="Sigma"/> (plus 10⁻⁶, as Keras). Every image is then clipped to
/// <see cref="ValueRange"/>. The identity at inference. Gradients pass to the input.
/// </summary>
public sealed class RandomGaussianBlur : RandomImageLayer
{
    /// <param name="factor">The largest probability of blurring an image: p is drawn from [0, factor]; in [0, 1] (Keras's default 1; 0 never blurs).</param>
    /// <param name="kernelSize">The kernel's size along both axes: odd, ≥ 1 (Keras's default 3).</param>
    /// <param name="sigma">The largest standard deviation: σ is drawn from [0, sigma]; in [0, 1] (Keras's default 1).</param>
    /// <param name="valueRange">The range of the images' values, clipped to (Keras's default [0, 255]); null for that default.</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">The factor or sigma is outside [0, 1], the kernel size is not odd and positive, or the value range is not finite with lower &lt; upper.</exception>
    public RandomGaussianBlur(float factor = 1f, int kernelSize = 3, float sigma = 1f, (float Lower, float Upper)? valueRange = null, long? seed = null,
        string? name = null, int[]? inputShape = null)
        : this(Unit(factor, nameof(factor)), (kernelSize, kernelSize), Unit(sigma, nameof(sigma)), valueRange, seed, name, inputShape) { }

    /// <param name="factor">(lower, upper): each image's probability of being blurred is drawn from it; 0 ≤ lower ≤ upper ≤ 1.</param>
    /// <param name="kernelSize">(along the width, along the height), as Keras's pair: odd sizes ≥ 1.</param>
    /// <param name="sigma">(lower, upper): σx and σy are drawn from it; 0 ≤ lower ≤ upper, lower ≤ 1 (Keras's bounds).</param>
    /// <param name="valueRange">The range of the images' values, clipped to (Keras's default [0, 255]); null for that default.</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, channels), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">A factor or sigma is out of bounds, a kernel size is not odd and positive, or the value range is not finite with lower &lt; upper.</exception>
    public RandomGaussianBlur((float Lower, float Upper) factor, (int Width, int Height) kernelSize, (float Lower, float Upper) sigma,
        (float Lower, float Upper)? valueRange = null, long? seed = null, string? name = null, int[]? inputShape = null) : base(seed, name, inputShape)
    {
        if (!(factor.Lower >= 0f && factor.Upper <= 1f && factor.Lower <= factor.Upper))
            throw new ArgumentException($"RandomGaussianBlur factor {factor} needs 0 ≤ lower ≤ upper ≤ 1.", nameof(factor));
        if (kernelSize.Width < 1 || kernelSize.Height < 1 || kernelSize.Width % 2 == 0 || kernelSize.Height % 2 == 0 || kernelSize.Width > 1023 || kernelSize.Height > 1023)
            throw new ArgumentException($"RandomGaussianBlur kernel_size {kernelSize} needs odd sizes in [1, 1023].", nameof(kernelSize));
        if (!(sigma.Lower >= 0f && sigma.Lower <= 1f && sigma.Lower <= sigma.Upper && float.IsFinite(sigma.Upper)))
            throw new ArgumentException($"RandomGaussianBlur sigma {sigma} needs 0 ≤ lower ≤ 1 and lower ≤ upper.", nameof(sigma));
        (Factor, KernelSize, Sigma) = (factor, kernelSize, sigma);
        ValueRange = CheckValueRange(valueRange ?? (0f, 255f), "RandomGaussianBlur");
    }

    private static (float, float) Unit(float f, string parameter) => f is >= 0f and <= 1f
        ? (0f, f) : throw new ArgumentException($"RandomGaussianBlur {parameter} {f} needs a number in [0, 1].", parameter);

    /// <inheritdoc/>
    public override string TypeName => "RandomGaussianBlur";
    /// <summary>(lower, upper): the range each image's probability of being blurred is drawn from.</summary>
    public (float Lower, float Upper) Factor { get; }
    /// <summary>The kernel's (width, height), Keras's <c>kernel_size</c> pair.</summary>
    public (int Width, int Height) KernelSize { get; }
    /// <summary>(lower, upper): the range σx and σy are drawn from.</summary>
    public (float Lower, float Upper) Sigma { get; }
    /// <summary>The range the images are clipped to.</summary>
    public (float Lower, float Upper) ValueRange { get; }

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
        int batch = x.Shape[0];
        var apply = Tensor.Zeros(new Shape(batch, 1, 1, 1));
        bool any = false;
        for (int n = 0; n < batch; n++)
        {
            float probability = Uniform(Factor.Lower, Factor.Upper);
            if (Generator.NextFloat() < probability) (apply.Span[n], any) = (1f, true);
        }
        float sigmaX = Uniform(Sigma.Lower, Sigma.Upper) + 1e-6f, sigmaY = Uniform(Sigma.Lower, Sigma.Upper) + 1e-6f;
        if (any)
        {
            var blurred = Ops.DepthwiseConv2D(x, Kernel(KernelSize, (sigmaX, sigmaY), x.Shape[3]), null, (1, 1), samePadding: true);
            x = Ops.Where(apply, blurred, x);
        }
        return Ops.Clip(x, ValueRange.Lower, ValueRange.Upper);
    }

    /// <summary>The depthwise kernel (height, width, channels, 1): the outer product of the two normalised 1-D Gaussians.</summary>
    internal static Tensor Kernel((int Width, int Height) size, (float X, float Y) sigma, int channels)
    {
        var alongX = Gaussian(size.Width, sigma.X);
        var alongY = Gaussian(size.Height, sigma.Y);
        var kernel = Tensor.Empty(new Shape(size.Height, size.Width, channels, 1));
        var k = kernel.Span;
        for (int i = 0; i < size.Height; i++)
            for (int j = 0; j < size.Width; j++)
                k.Slice((i * size.Width + j) * channels, channels).Fill(alongY[i] * alongX[j]);
        return kernel;
    }

    private static float[] Gaussian(int size, float sigma)
    {
        var g = new float[size];
        float sum = 0f;
        for (int i = 0; i < size; i++)
        {
            float t = (i - (size - 1) / 2f) / sigma;
            sum += g[i] = MathF.Exp(-0.5f * t * t);
        }
        for (int i = 0; i < size; i++) g[i] /= sum;
        return g;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["factor"] = new JsonArray(Factor.Lower, Factor.Upper);
        config["kernel_size"] = new JsonArray(KernelSize.Width, KernelSize.Height);
        config["sigma"] = new JsonArray(Sigma.Lower, Sigma.Upper);
        config["value_range"] = new JsonArray(ValueRange.Lower, ValueRange.Upper);
        return config;
    }

    internal static RandomGaussianBlur FromConfig(LayerConfig c)
    {
        c.Named("data_format", "channels_last", f => f == "channels_last" ? 0 : throw new DeepSharpException($"data_format '{f}' is not supported; DeepSharp's images are channels_last."));
        var factor = ReadFactor(c, "factor", (0f, 1f), 0f, 1f, f => (0f, f));
        var sigma = ReadFactor(c, "sigma", (0f, 1f), 0f, 1e6f, f => f <= 1f ? (0f, f) : throw c.Error("sigma", $"needs a number in [0, 1] or [lower, upper], got {f}"));
        var kernel = ReadFactor(c, "kernel_size", (3f, 3f), 1f, 1023f, f => (f, f));
        if (kernel.Item1 % 2 != 1 || kernel.Item2 % 2 != 1) throw c.Error("kernel_size", $"needs odd whole numbers, got [{kernel.Item1}, {kernel.Item2}]");
        try
        {
            return new((Math.Min(factor.Item1, factor.Item2), Math.Max(factor.Item1, factor.Item2)), ((int)kernel.Item1, (int)kernel.Item2),
                (Math.Min(sigma.Item1, sigma.Item2), Math.Max(sigma.Item1, sigma.Item2)), ReadValueRange(c), c.Seed(), c.Name, c.Shape("input_shape"));
        }
        catch (ArgumentException e)
        {
            throw new DeepSharpException($"RandomGaussianBlur config: {e.Message}");
        }
    }
}
