using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>RandomGrayscale</c>: while training, turns each RGB image with probability <see cref="Probability"/> into
/// its grey level 0.2989·R + 0.5870·G + 0.1140·B (Keras's <c>rgb_to_grayscale</c>), written to all three channels, so
/// the shape is kept. One draw per image. The identity at inference (Keras 3.10 also converts at inference; DeepSharp's
/// augmentations act only while training, as Keras's others do). Gradients pass to the input.
/// </summary>
public sealed class RandomGrayscale : RandomImageLayer
{
    /// <param name="probability">The chance that an image is converted, in [0, 1] (Keras's default 0.5).</param>
    /// <param name="seed">Seeds the layer's own generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (height, width, 3), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException">The probability is outside [0, 1].</exception>
    public RandomGrayscale(float probability = 0.5f, long? seed = null, string? name = null, int[]? inputShape = null)
        : base(seed, name, inputShape)
    {
        if (!(probability >= 0f && probability <= 1f))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "RandomGrayscale needs a probability in [0, 1].");
        Probability = probability;
    }

    /// <inheritdoc/>
    public override string TypeName => "RandomGrayscale";
    /// <summary>The chance that an image is converted while training.</summary>
    public float Probability { get; }

    /// <summary>The input shape; RGB images (height, width, 3).</summary>
    /// <exception cref="ShapeMismatchException">The input is not (height, width, 3).</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        ImageLayerShapes.RequireImages(this, inputShape);
        if (inputShape[2] != 3)
            throw new ShapeMismatchException($"Layer '{Name}' (RandomGrayscale) expects RGB images (batch, height, width, 3), got {inputShape.ToBatchString()}.");
        return inputShape;
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (!training) return x;
        int batch = x.Shape[0];
        var chosen = Tensor.Empty(new Shape(batch, 1, 1, 1));
        for (int n = 0; n < batch; n++) chosen.Span[n] = Generator.NextFloat() < Probability ? 1f : 0f;
        var grey = Ops.Sum(Ops.Multiply(x, Tensor.FromArray([0.2989f, 0.5870f, 0.1140f], 1, 1, 1, 3)), 3, keepDims: true); // (N, H, W, 1)
        return Ops.Add(x, Ops.Multiply(Ops.Subtract(grey, x), chosen)); // x + chosen·(grey − x), grey broadcast over the channels
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["probability"] = Probability;
        return config;
    }

    internal static RandomGrayscale FromConfig(LayerConfig c)
    {
        c.Named("data_format", "channels_last", f => f == "channels_last" ? 0 : throw new DeepSharpException($"data_format '{f}' is not supported; DeepSharp's images are channels_last."));
        return new(c.Float("probability", 0.5f, 0f, 1f), c.Seed(), c.Name, c.Shape("input_shape"));
    }
}
