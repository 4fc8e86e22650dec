using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Regularizers;

/// <summary>
/// A penalty on a weight or on a layer's output, added to the training loss (Keras's
/// <c>keras.regularizers.Regularizer</c>). Layers take one per weight (<c>kernelRegularizer</c>,
/// <c>biasRegularizer</c>, ...) and one for their output (<c>activityRegularizer</c>); Fit,
/// TrainOnBatch, Evaluate and TestOnBatch add the penalties to the loss they minimise and log, and
/// <c>Model.RegularizationLosses</c> lists them for custom training loops. Configs write a regularizer as Keras
/// does: <c>{"class_name": "L2", "config": {"l2": 0.01}}</c>.
/// </summary>
public abstract class Regularizer
{
    /// <summary>Keras's class name ("L1", "L2", "L1L2"), the <c>class_name</c> configs store.</summary>
    public abstract string ClassName { get; }

    /// <summary>
    /// A regularizer with Keras's defaults from its name, as <c>keras.regularizers.get</c>: "l1", "l2", "l1_l2" or a class
    /// name ("L2"); also the classes registered with <see cref="RegularizerRegistry.Register"/>.
    /// </summary>
    /// <exception cref="DeepSharpException">The name is none of these; the message lists them.</exception>
    public static Regularizer FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return RegularizerRegistry.FromJson(JsonValue.Create(name));
    }

    /// <summary>Keras's <c>kernel_regularizer="l2"</c>: a name converts to <see cref="FromName"/>'s regularizer (L2 with l2 = 0.01).</summary>
    public static implicit operator Regularizer(string name) => FromName(name);

    /// <summary>The penalty of <paramref name="x"/> as a scalar tensor, differentiable with respect to <paramref name="x"/>.</summary>
    public abstract Tensor Penalty(Tensor x);

    /// <summary>
    /// <paramref name="total"/> + <paramref name="scale"/>·penalty(<paramref name="x"/>) (the penalty
    /// alone when <paramref name="total"/> is null): how a training step adds a penalty to its loss.
    /// The built-in regularizers do it in one graph node.
    /// </summary>
    internal virtual Tensor AddPenalty(Tensor? total, Tensor x, float scale)
    {
        var penalty = Penalty(x);
        if (scale != 1f) penalty = Ops.Affine(penalty, scale);
        return total is null ? penalty : Ops.Add(total, penalty);
    }

    /// <summary>The constructor arguments by Keras's names, e.g. <c>{"l2": 0.01}</c>.</summary>
    public abstract JsonObject GetConfig();

    /// <summary>Keras's serialized form: module, class name, config (what a layer config holds under <c>kernel_regularizer</c>).</summary>
    public JsonObject ToJson() => new()
    {
        ["module"] = "keras.regularizers",
        ["class_name"] = ClassName,
        ["config"] = GetConfig(),
        ["registered_name"] = null,
    };

    /// <summary>The class name and config, e.g. <c>L2 {"l2":0.01}</c>.</summary>
    public override string ToString() => $"{ClassName} {GetConfig().ToJsonString()}";

    /// <summary>Refuses a factor that is negative, NaN or infinite (Keras's validate_float_arg).</summary>
    private protected static float CheckFactor(float value, string name) =>
        float.IsFinite(value) && value >= 0f
            ? value
            : throw new ArgumentOutOfRangeException(name, value, $"A regularization factor ({name}) must be a finite number ≥ 0, got {value}.");
}
