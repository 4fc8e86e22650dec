using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn;

/// <summary>An activation function; Keras names (relu, softmax, ...) at the config/CLI boundary.</summary>
public sealed class Activation
{
    private readonly Func<Tensor, Tensor> _apply;

    private Activation(string name, Func<Tensor, Tensor> apply)
    {
        Name = name;
        _apply = apply;
    }

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

    private static readonly Activation[] s_known = [Linear, Relu, Sigmoid, Tanh, Softmax, LeakyRelu, Elu, Selu, Gelu, Swish];

    /// <summary>Every built-in activation: the names <see cref="FromName"/> accepts (besides "silu").</summary>
    public static IReadOnlyList<Activation> Known => s_known;

    /// <summary>The activation with this Keras name; null or empty means linear.</summary>
    public static Activation FromName(string? name) =>
        string.IsNullOrEmpty(name) ? Linear
        : name == "silu" ? Swish
        : s_known.FirstOrDefault(a => a.Name == name)
          ?? throw new DeepSharpException($"Unknown activation '{name}'; known: {string.Join(", ", s_known.Select(a => a.Name))}.");

    /// <summary>The Keras name, as <see cref="Name"/>.</summary>
    public override string ToString() => Name;
}
