using System.Globalization;
using System.Text.Json.Nodes;
using DeepSharp.Autograd;

namespace DeepSharp.Nn;

/// <summary>
/// Activations as Keras files hold them, besides a name ("relu"):
/// <list type="bullet">
/// <item>a function object, as Keras 3's serialize_keras_object writes a function:
/// <c>{"module": "keras.activations" or "builtins", "class_name": "function", "config": "relu", "registered_name": "function"}</c>;
/// its config is the name (for a registered function of your own Keras writes "package&gt;name", which is
/// looked up as written, then as the part after the last '&gt;');</item>
/// <item>an activation layer object, as Keras 3 (<c>{"module": "keras.layers", "class_name": "LeakyReLU", "config": {...}, "registered_name": null}</c>)
/// and Keras 2 (<c>{"class_name": "LeakyReLU", "config": {...}}</c>) write a layer passed as an activation:
/// ReLU (max_value, negative_slope, threshold), LeakyReLU (negative_slope, or Keras 2's alpha; default 0.3),
/// ELU (alpha, default 1), Softmax (axis −1 only) and Activation (its activation, any of these forms).</item>
/// </list>
/// A layer object equal to a built-in (ReLU with no arguments, ReLU(max_value=6), LeakyReLU(0.2), ELU(1),
/// Softmax) is that built-in and is written back by name; any other is written back in Keras 3's layer
/// object form.
/// </summary>
public sealed partial class Activation
{
    /// <summary>How deep Activation layer objects may nest inside each other.</summary>
    private const int MaxNesting = 4;

    /// <summary>Keras 3's layer object this activation is written as, for one with arguments no name stands for; null: written by <see cref="Name"/>.</summary>
    internal JsonObject? KerasObject { get; }

    /// <summary>The activation as a config holds it: the name, or the Keras layer object for one with arguments.</summary>
    internal JsonNode ToConfig() => KerasObject is null ? JsonValue.Create(Name) : KerasObject.DeepClone();

    /// <summary>
    /// An activation from a config value: a name, a Keras function object or an activation layer object
    /// (see the type's remarks).
    /// </summary>
    /// <exception cref="DeepSharpException">The value is none of these, names an unknown activation or class, or holds a bad argument; the message says which.</exception>
    internal static Activation FromConfig(JsonNode node) => Read(node, 0);

    private static Activation Read(JsonNode node, int depth)
    {
        if (node is JsonValue value && value.TryGetValue(out string? name)) return FromKerasName(name);
        if (node is not JsonObject obj)
            throw new DeepSharpException($"must be an activation name or a Keras activation object, got {ShortJson(node)}");
        if (depth >= MaxNesting) throw new DeepSharpException($"nests Activation objects more than {MaxNesting} deep");
        var c = new LayerConfig(obj, "activation object", "Activation object");
        string className = c.OptionalString("class_name") ?? throw new DeepSharpException($"is an object without 'class_name': {ShortJson(node)}");
        if (className == "function")
        {
            var inner = obj["config"];
            if (inner is JsonValue v && v.TryGetValue(out string? fn)) return FromKerasName(fn);
            throw new DeepSharpException($"is a Keras function object whose 'config' is not the function's name: {ShortJson(node)}");
        }
        var config = c.Object("config") ?? [];
        var args = new LayerConfig(config, className, $"Activation object {className}");
        return className switch
        {
            "Activation" => args.Has("activation") ? Read(config["activation"]!, depth + 1) : throw args.Error("activation", "is missing"),
            "ReLU" => ReluObject(args.OptionalFloat("max_value", 0f), args.Float("negative_slope", 0f, 0f), args.Float("threshold", 0f)),
            "LeakyReLU" => LeakyReluObject(args.Has("negative_slope") ? args.Float("negative_slope", 0.3f, 0f) : args.Float("alpha", 0.3f, 0f)),
            "ELU" => EluObject(args.Float("alpha", 1f)),
            "Softmax" => args.Int("axis", -1, int.MinValue, int.MaxValue) == -1 ? Softmax
                : throw args.Error("axis", "must be -1 (DeepSharp's softmax activation runs over the last axis); use a Softmax layer for another axis"),
            "PReLU" => throw new DeepSharpException("is a PReLU layer, whose slopes are weights; DeepSharp takes activations without weights: add a PReLU layer after this one instead"),
            _ => throw new DeepSharpException(
                $"is a Keras object of class '{TerminalText.Escape(className)}', which is no activation DeepSharp reads; " +
                "it reads a name, a Keras function object, or a ReLU, LeakyReLU, ELU, Softmax or Activation layer object"),
        };
    }

    /// <summary>A name as Keras writes it (as <see cref="FromName"/>); a registered function of your own may be "package&gt;name".</summary>
    internal static Activation FromKerasName(string? name)
    {
        if (name is not null && name.Contains('>', StringComparison.Ordinal))
        {
            try
            {
                return FromName(name);
            }
            catch (DeepSharpException)
            {
                return FromName(name[(name.LastIndexOf('>') + 1)..]);
            }
        }
        return FromName(name);
    }

    private static Activation ReluObject(float? maxValue, float negativeSlope, float threshold)
    {
        if (negativeSlope == 0f && threshold == 0f && maxValue is null) return Relu;
        if (negativeSlope == 0f && threshold == 0f && maxValue == 6f) return Relu6;
        var config = new JsonObject { ["max_value"] = maxValue, ["negative_slope"] = negativeSlope, ["threshold"] = threshold };
        string name = $"ReLU(max_value={(maxValue is { } m ? Text(m) : "None")}, negative_slope={Text(negativeSlope)}, threshold={Text(threshold)})";
        Func<OnnxBuilder, string, string>? onnx = negativeSlope == 0f && threshold == 0f && maxValue is { } max
            ? (b, x) => b.AddNode("Min", [b.AddNode("Relu", [x]), b.AddConstant("max_value", Tensors.Tensor.FromArray(new[] { max }, 1))])
            : null;
        return new Activation(name, x => Ops.Relu(x, negativeSlope, maxValue, threshold), onnx, LayerObject("ReLU", config));
    }

    private static Activation LeakyReluObject(float negativeSlope)
    {
        if (negativeSlope == 0.2f) return LeakyRelu;
        return new Activation($"LeakyReLU(negative_slope={Text(negativeSlope)})", x => Ops.LeakyRelu(x, negativeSlope),
            (b, x) => b.AddNode("LeakyRelu", [x], OnnxAttribute.Float("alpha", negativeSlope)),
            LayerObject("LeakyReLU", new JsonObject { ["negative_slope"] = negativeSlope }));
    }

    private static Activation EluObject(float alpha)
    {
        if (alpha == 1f) return Elu;
        return new Activation($"ELU(alpha={Text(alpha)})", x => Ops.Elu(x, alpha),
            (b, x) => b.AddNode("Elu", [x], OnnxAttribute.Float("alpha", alpha)),
            LayerObject("ELU", new JsonObject { ["alpha"] = alpha }));
    }

    private static JsonObject LayerObject(string className, JsonObject config) => new()
    {
        ["module"] = "keras.layers",
        ["class_name"] = className,
        ["config"] = config,
        ["registered_name"] = null,
    };

    private static string Text(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string ShortJson(JsonNode? node)
    {
        string json = node?.ToJsonString() ?? "null";
        return TerminalText.Escape(json.Length <= 80 ? json : json[..77] + "...");
    }
}
