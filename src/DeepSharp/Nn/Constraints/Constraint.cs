using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Constraints;

/// <summary>
/// A projection applied to a weight after every optimizer step (Keras's
/// <c>keras.constraints.Constraint</c>): the optimizer updates the weight, then replaces it by the
/// constraint's result; gradients never see it. Layers take one per weight
/// (<c>kernelConstraint</c>, <c>biasConstraint</c>, ...). Configs write a constraint as Keras
/// does: <c>{"class_name": "MaxNorm", "config": {"max_value": 2.0, "axis": 0}}</c>.
/// </summary>
public abstract class Constraint
{
    /// <summary>Keras's class name ("MaxNorm", "NonNeg", ...), the <c>class_name</c> configs store.</summary>
    public abstract string ClassName { get; }

    /// <summary>
    /// A constraint with Keras's defaults from its name, as <c>keras.constraints.get</c>: "max_norm", "non_neg",
    /// "unit_norm", "min_max_norm" or a class name ("NonNeg"); also the classes registered with
    /// <see cref="ConstraintRegistry.Register"/>.
    /// </summary>
    /// <exception cref="DeepSharpException">The name is none of these; the message lists them.</exception>
    public static Constraint FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ConstraintRegistry.FromJson(JsonValue.Create(name));
    }

    /// <summary>Keras's <c>kernel_constraint="non_neg"</c>: a name converts to <see cref="FromName"/>'s constraint.</summary>
    public static implicit operator Constraint(string name) => FromName(name);

    /// <summary>Projects <paramref name="weight"/> in place (a float32 tensor).</summary>
    public abstract void Apply(Tensor weight);

    /// <summary>The constructor arguments by Keras's names, e.g. <c>{"max_value": 2.0, "axis": 0}</c>.</summary>
    public abstract JsonObject GetConfig();

    /// <summary>Keras's serialized form: module, class name, config (what a layer config holds under <c>kernel_constraint</c>).</summary>
    public JsonObject ToJson() => new()
    {
        ["module"] = "keras.constraints",
        ["class_name"] = ClassName,
        ["config"] = GetConfig(),
        ["registered_name"] = null,
    };

    /// <summary>
    /// Checks that the constraint applies to a weight of <paramref name="shape"/> (its axes exist);
    /// called when the layer creates the weight, so a bad axis fails at build time and names the weight.
    /// </summary>
    /// <exception cref="DeepSharpException">The constraint does not fit the weight.</exception>
    public virtual void Check(Shape shape, string weightPath) { }

    /// <summary>The class name and config, e.g. <c>MaxNorm {"max_value":2,"axis":0}</c>.</summary>
    public override string ToString() => $"{ClassName} {GetConfig().ToJsonString()}";
}
