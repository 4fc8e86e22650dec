using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Fixed sinusoidal position encodings (keras_hub's SinusoidalPositionEncoding, "Attention Is All
/// You Need" §3.5): for inputs (batch, T, d) it returns, for every sample, position p's encoding
/// sin(p·ω_i) at even features 2i and cos(p·ω_i) at odd features 2i+1, ω_i = maxWavelength^(−2i/d).
/// The encodings only (no weights, no gradient to the input): add them to the token embeddings.
/// </summary>
public sealed class SinusoidalPositionEncoding : Layer, IStepLayer
{
    /// <param name="maxWavelength">Sets the lowest frequency (keras_hub's <c>max_wavelength</c>; 10,000 as in the Transformer paper): the frequencies ω_i run from 1 down to about 1/maxWavelength.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (time, features) (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxWavelength"/> is not positive.</exception>
    public SinusoidalPositionEncoding(float maxWavelength = 10000f, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        if (!(maxWavelength > 0f)) throw new ArgumentOutOfRangeException(nameof(maxWavelength), maxWavelength, "max_wavelength must be positive.");
        MaxWavelength = maxWavelength;
    }

    /// <inheritdoc/>
    public override string TypeName => "SinusoidalPositionEncoding";
    /// <summary>Sets the lowest frequency: the frequencies ω_i run from 1 down to about 1/MaxWavelength.</summary>
    public float MaxWavelength { get; }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <summary>The input shape (time, d): one encoding per position.</summary>
    /// <exception cref="ShapeMismatchException">The input is not (time, features).</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 2) throw ShapeError("(batch, sequence, features)", inputShape);
        return inputShape;
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Encodings(x, 0);

    /// <summary>The encodings of positions [startIndex, startIndex + T) for inputs (batch, T, d) (keras_hub's start_index).</summary>
    public Tensor Call(Tensor inputs, int startIndex, bool training = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(startIndex);
        if (!IsBuilt) Build(inputs.Shape.WithoutBatch());
        return Encodings(inputs, startIndex);
    }

    /// <summary>The encodings of the next x.Shape[1] positions; the cache counts the positions seen.</summary>
    public Tensor Step(Tensor x, KvCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        var positions = cache.Positions(this);
        var y = Encodings(x, positions.Length);
        positions.Length += x.Shape[1];
        return y;
    }

    private Tensor Encodings(Tensor x, int start)
    {
        if (x.Rank != 3) throw ShapeError("(batch, sequence, features)", x.Shape.WithoutBatch());
        int batch = x.Shape[0], length = x.Shape[1], d = x.Shape[2], block = length * d;
        var y = Tensor.Temp(new Shape(batch, length, d));
        if (batch == 0) return y;
        var first = y.Span[..block];
        for (int i = 0; i < d; i++)
        {
            // keras_hub: timescale = (1/maxWavelength)^(2·⌊i/2⌋/d), computed in float64 here.
            double timescale = Math.Pow(1.0 / MaxWavelength, 2.0 * (i / 2) / d);
            for (int p = 0; p < length; p++)
            {
                double angle = (double)(start + p) * timescale;
                first[p * d + i] = (float)(i % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle));
            }
        }
        for (int b = 1; b < batch; b++) first.CopyTo(y.Span.Slice(b * block, block));
        return y;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["max_wavelength"] = MaxWavelength;
        return config;
    }

    internal static SinusoidalPositionEncoding FromConfig(LayerConfig c) =>
        new(c.Float("max_wavelength", 10000f, float.Epsilon), c.Name, c.Shape("input_shape"));
}
