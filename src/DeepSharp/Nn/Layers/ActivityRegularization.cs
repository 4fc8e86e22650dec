using System.Text.Json.Nodes;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's ActivityRegularization: returns its input unchanged and adds l1·Σ|x| + l2·Σx² of it,
/// divided by the batch size, to the training loss (the activity penalty every layer's
/// <c>activityRegularizer</c> adds; see <see cref="Layer.RegularizationLosses"/>). Passes a mask on.
/// </summary>
public sealed class ActivityRegularization : Layer
{
    /// <param name="l1">Factor of Σ|x|; finite and ≥ 0.</param>
    /// <param name="l2">Factor of Σx²; finite and ≥ 0.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException">A factor is negative, NaN or infinite.</exception>
    public ActivityRegularization(float l1 = 0f, float l2 = 0f, string? name = null, int[]? inputShape = null) : base(name, inputShape) =>
        ActivityRegularizer = new L1L2(l1, l2);

    /// <inheritdoc/>
    public override string TypeName => "ActivityRegularization";

    /// <summary>Passes a mask on unchanged (Keras's supports_masking).</summary>
    public override bool SupportsMasking => true;

    /// <summary>Factor of Σ|x|.</summary>
    public float L1 => ((L1L2)ActivityRegularizer!).L1;

    /// <summary>Factor of Σx².</summary>
    public float L2 => ((L1L2)ActivityRegularizer!).L2;

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => WithActivityPenalty(x);

    /// <summary>name, input_shape, l1 and l2 (the regularizer is the layer's own, so Keras leaves activity_regularizer out).</summary>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config.Remove("activity_regularizer");
        config["l1"] = L1;
        config["l2"] = L2;
        return config;
    }

    internal static ActivityRegularization FromConfig(LayerConfig c) =>
        new(c.Float("l1", 0f, 0f), c.Float("l2", 0f, 0f), c.Name, c.Shape("input_shape"));
}
