using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's LeakyReLU layer: x for x &gt; 0, <see cref="NegativeSlope"/>·x otherwise. The layer's
/// default slope is Keras 3's 0.3 (the "leaky_relu" activation's is 0.2).
/// </summary>
public sealed class LeakyRelu : Layer
{
    /// <param name="negativeSlope">The slope for x ≤ 0, finite and ≥ 0 (Keras's <c>negative_slope</c>).</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="negativeSlope"/> is negative or not finite.</exception>
    public LeakyRelu(float negativeSlope = 0.3f, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        if (!(float.IsFinite(negativeSlope) && negativeSlope >= 0f))
            throw new ArgumentOutOfRangeException(nameof(negativeSlope), negativeSlope, "LeakyReLU negative_slope must be a finite number ≥ 0.");
        NegativeSlope = negativeSlope;
    }

    /// <inheritdoc/>
    public override string TypeName => "LeakyReLU";
    /// <summary>Keras's default name stem, "leaky_re_lu".</summary>
    public override string DefaultNamePrefix => "leaky_re_lu";
    /// <summary>Passes a mask on unchanged (Keras's supports_masking).</summary>
    public override bool SupportsMasking => true;
    /// <summary>The slope for x ≤ 0.</summary>
    public float NegativeSlope { get; }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Ops.LeakyRelu(x, NegativeSlope);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["negative_slope"] = NegativeSlope;
        return config;
    }

    // Keras 2 files name the slope "alpha"; Keras 3 still reads it.
    internal static LeakyRelu FromConfig(LayerConfig c) => new(
        c.Has("negative_slope") ? c.Float("negative_slope", 0.3f, 0f) : c.Float("alpha", 0.3f, 0f), c.Name, c.Shape("input_shape"));
}
