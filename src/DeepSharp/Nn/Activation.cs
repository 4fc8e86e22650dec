using System.Collections.Concurrent;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn;

/// <summary>
/// An activation function; Keras names (relu, softmax, ...) at the config/CLI boundary. Activations
/// of your own: <see cref="Custom"/> makes one, <see cref="Register"/> makes one that every config
/// may name (see docs/custom.md).
/// </summary>
public sealed partial class Activation
{
    private static readonly ConcurrentDictionary<string, Activation> s_registered = new(StringComparer.Ordinal);
    private readonly Func<Tensor, Tensor> _apply;

    private Activation(string name, Func<Tensor, Tensor> apply, Func<OnnxBuilder, string, string>? onnx = null, System.Text.Json.Nodes.JsonObject? kerasObject = null)
    {
        Name = name;
        _apply = apply;
        OnnxExport = onnx;
        KerasObject = kerasObject;
    }

    /// <summary>How a custom activation writes itself as ONNX nodes (null: it cannot be exported; built-ins have the exporter's rules).</summary>
    internal Func<OnnxBuilder, string, string>? OnnxExport { get; }

    /// <summary>Keras's name ("relu", "softmax", ...), as configs store it and <see cref="FromName"/> reads it.</summary>
    public string Name { get; }

    /// <summary>Applies the function to <paramref name="x"/>, elementwise (softmax: along the last axis); gradients flow through.</summary>
    public Tensor Apply(Tensor x) => _apply(x);

    /// <summary>The identity: no activation, the default of Dense and the convolutions.</summary>
    public static Activation Linear { get; } = new("linear", x => x);
    /// <summary>max(0, x).</summary>
    public static Activation Relu { get; } = new("relu", Ops.Relu);
    /// <summary>1/(1 + e^−x), in (0, 1): gates and binary-classification outputs.</summary>
    public static Activation Sigmoid { get; } = new("sigmoid", Ops.Sigmoid);
    /// <summary>Hyperbolic tangent, in (−1, 1): the recurrent layers' default.</summary>
    public static Activation Tanh { get; } = new("tanh", Ops.Tanh);
    /// <summary>Softmax over the last axis. Cross-entropy losses fuse with it for stability.</summary>
    public static Activation Softmax { get; } = new("softmax", Ops.Softmax);
    /// <summary>Leaky ReLU with Keras 3's default negative slope 0.2.</summary>
    public static Activation LeakyRelu { get; } = new("leaky_relu", x => Ops.LeakyRelu(x));
    /// <summary>ELU with α = 1.</summary>
    public static Activation Elu { get; } = new("elu", x => Ops.Elu(x));
    /// <summary>SELU: λ·x for x &gt; 0, λ·α·(e^x − 1) otherwise, with the self-normalising constants λ ≈ 1.0507, α ≈ 1.6733.</summary>
    public static Activation Selu { get; } = new("selu", Ops.Selu);
    /// <summary>Exact GELU, x·Φ(x) (Keras's default approximate=False).</summary>
    public static Activation Gelu { get; } = new("gelu", Ops.Gelu);
    /// <summary>Swish, also known as SiLU: x·σ(x). "silu" is accepted as its name too.</summary>
    public static Activation Swish { get; } = new("swish", Ops.Swish);

    /// <summary>Softplus, log(1 + eˣ), computed without overflow: a smooth ReLU with positive outputs.</summary>
    public static Activation Softplus { get; } = new("softplus", Ops.Softplus);
    /// <summary>Softsign, x/(1 + |x|), in (−1, 1).</summary>
    public static Activation Softsign { get; } = new("softsign", Ops.Softsign);
    /// <summary>ReLU capped at 6, min(max(x, 0), 6) (MobileNet's).</summary>
    public static Activation Relu6 { get; } = new("relu6", x => Ops.Relu(x, 0f, 6f, 0f));
    /// <summary>Keras 3's hard sigmoid: 0 below −3, 1 above 3, x/6 + ½ between.</summary>
    public static Activation HardSigmoid { get; } = new("hard_sigmoid", Ops.HardSigmoid);
    /// <summary>Hard SiLU, x·hard_sigmoid(x) (MobileNetV3's hard swish). "hard_swish" is accepted as its name too.</summary>
    public static Activation HardSilu { get; } = new("hard_silu", Ops.HardSilu);
    /// <summary>eˣ, e.g. for positive rates (a Poisson regression's output).</summary>
    public static Activation Exponential { get; } = new("exponential", Ops.Exp);
    /// <summary>Mish, x·tanh(softplus(x)).</summary>
    public static Activation Mish { get; } = new("mish", Ops.Mish);
    /// <summary>Log-softmax over the last axis, log(softmax(x)) computed stably.</summary>
    public static Activation LogSoftmax { get; } = new("log_softmax", Ops.LogSoftmax);

    /// <summary>CELU with Keras's default α = 1: x for x ≥ 0, eˣ − 1 otherwise.</summary>
    public static Activation Celu { get; } = new("celu", x => Ops.Celu(x));
    /// <summary>Hard shrink with Keras's default threshold 0.5: x where |x| &gt; 0.5, 0 otherwise.</summary>
    public static Activation HardShrink { get; } = new("hard_shrink", x => Ops.HardShrink(x));
    /// <summary>Soft shrink with Keras's default threshold 0.5: x ∓ 0.5 outside [−0.5, 0.5], 0 inside.</summary>
    public static Activation SoftShrink { get; } = new("soft_shrink", x => Ops.SoftShrink(x));
    /// <summary>Tanh shrink, x − tanh(x).</summary>
    public static Activation TanhShrink { get; } = new("tanh_shrink", Ops.TanhShrink);
    /// <summary>Hard tanh, x clipped to [−1, 1].</summary>
    public static Activation HardTanh { get; } = new("hard_tanh", Ops.HardTanh);
    /// <summary>log σ(x), computed without overflow.</summary>
    public static Activation LogSigmoid { get; } = new("log_sigmoid", Ops.LogSigmoid);
    /// <summary>Sparse plus: 0 for x ≤ −1, (x + 1)²/4 between, x for x ≥ 1.</summary>
    public static Activation SparsePlus { get; } = new("sparse_plus", Ops.SparsePlus);
    /// <summary>Sparse sigmoid: 0 for x ≤ −1, (x + 1)/2 between, 1 for x ≥ 1.</summary>
    public static Activation SparseSigmoid { get; } = new("sparse_sigmoid", Ops.SparseSigmoid);
    /// <summary>Squareplus with Keras's default b = 4: (x + √(x² + 4))/2.</summary>
    public static Activation Squareplus { get; } = new("squareplus", x => Ops.Squareplus(x));
    /// <summary>Sparsemax over the last axis: a probability distribution in which most entries are exactly 0.</summary>
    public static Activation Sparsemax { get; } = new("sparsemax", Ops.Sparsemax);

    private static readonly Activation[] s_known =
        [Linear, Relu, Sigmoid, Tanh, Softmax, LeakyRelu, Elu, Selu, Gelu, Swish, Softplus, Softsign, Relu6, HardSigmoid, HardSilu, Exponential, Mish, LogSoftmax,
         Celu, HardShrink, SoftShrink, TanhShrink, HardTanh, LogSigmoid, SparsePlus, SparseSigmoid, Squareplus, Sparsemax];

    /// <summary>Other names Keras accepts for a built-in: "silu" (swish) and "hard_swish" (hard_silu).</summary>
    private static Activation? Alias(string name) => name switch { "silu" => Swish, "hard_swish" => HardSilu, _ => null };

    /// <summary>Every built-in activation: the names <see cref="FromName"/> accepts (besides the aliases "silu" and "hard_swish").</summary>
    public static IReadOnlyList<Activation> Known => s_known;

    /// <summary>
    /// The activation with this Keras name; null or empty means linear. Besides the built-ins, the
    /// names of an open <see cref="CustomObjects.Scope"/> (innermost first) and of <see cref="Register"/>.
    /// </summary>
    /// <exception cref="DeepSharpException">The name is none of these; the message says how to register one.</exception>
    public static Activation FromName(string? name) =>
        string.IsNullOrEmpty(name) ? Linear
        : Alias(name) ?? s_known.FirstOrDefault(a => a.Name == name)
          ?? CustomObjects.FindActivation(name)
          ?? s_registered.GetValueOrDefault(name)
          ?? throw new DeepSharpException($"Unknown activation '{TerminalText.Escape(name)}'; built-in: {string.Join(", ", s_known.Select(a => a.Name))}" +
              (s_registered.IsEmpty ? "" : $"; registered: {string.Join(", ", s_registered.Keys.Order(StringComparer.Ordinal))}") +
              ". An activation of your own must be registered before a config naming it is read: Activation.Register(name, x => ...) at start-up, " +
              "or new CustomObjects().AddActivation(Activation.Custom(name, x => ...)) for one load (see docs/custom.md).");

    /// <summary>
    /// Keras's <c>activation="relu"</c>: a name converts to <see cref="FromName"/>'s activation, so
    /// <c>new Dense(64, "relu")</c> compiles; an unknown name throws as <see cref="FromName"/> does.
    /// </summary>
    public static implicit operator Activation(string name) => FromName(name);

    /// <summary>
    /// An activation of your own, applied by <paramref name="apply"/> (built from <c>Ops</c>, so that
    /// gradients flow). Layers store it by <paramref name="name"/>: a model using it saves once the
    /// name is registered (<see cref="Register"/>) or in an open <see cref="CustomObjects.Scope"/>.
    /// </summary>
    /// <param name="name">Its name in configs: printable, not a built-in activation's.</param>
    /// <param name="apply">The function, elementwise or along the last axis, differentiable through Ops.</param>
    /// <param name="onnx">
    /// Optional: how ONNX export writes it, given the builder and the input's value name, returning the
    /// output's value name (e.g. <c>(onnx, x) =&gt; onnx.AddNode("Softplus", [x])</c>); without it a model
    /// using the activation does not export.
    /// </param>
    /// <exception cref="ArgumentException">The name is empty, not printable, or a built-in activation's.</exception>
    public static Activation Custom(string name, Func<Tensor, Tensor> apply, Func<OnnxBuilder, string, string>? onnx = null)
    {
        CheckNewName(name);
        ArgumentNullException.ThrowIfNull(apply);
        return new Activation(name, apply, onnx);
    }

    /// <summary>
    /// Makes an activation of your own (see <see cref="Custom"/>) and registers it, so that every
    /// config may name it (Keras's <c>register_keras_serializable</c>); returns it. Register once, at start-up.
    /// </summary>
    /// <exception cref="ArgumentException">The name is not valid for <see cref="Custom"/>, or registered already.</exception>
    public static Activation Register(string name, Func<Tensor, Tensor> apply, Func<OnnxBuilder, string, string>? onnx = null)
    {
        var activation = Custom(name, apply, onnx);
        if (!s_registered.TryAdd(name, activation))
            throw new ArgumentException($"An activation named '{name}' is registered already; a name can stand for one function only.", nameof(name));
        return activation;
    }

    /// <summary>The checks every new activation name passes: printable, at most 256 characters, not a built-in's (nor an alias of one).</summary>
    internal static void CheckNewName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || name.Length > LayerConfig.MaxString || Naming.TextProblem(name) is not null)
            throw new ArgumentException($"An activation name must be 1 to {LayerConfig.MaxString} printable characters; got \"{TerminalText.Escape(name)}\".", nameof(name));
        if (Alias(name) is not null || Array.Exists(s_known, a => a.Name == name))
            throw new ArgumentException($"'{name}' is a built-in activation; give yours another name.", nameof(name));
    }

    /// <summary>The Keras name, as <see cref="Name"/>.</summary>
    public override string ToString() => Name;
}
