using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>Keras's RepeatVector: (batch, features) → (batch, n, features), each sample's vector repeated n times (an encoder's summary fed to every decoder step).</summary>
public sealed class RepeatVector : Layer
{
    /// <param name="n">How many times to repeat the input, ≥ 1 (Keras's <c>n</c>).</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (features) (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is not positive.</exception>
    public RepeatVector(int n, string? name = null, int[]? inputShape = null) : base(name, inputShape)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "RepeatVector n must be at least 1.");
        N = n;
    }

    /// <inheritdoc/>
    public override string TypeName => "RepeatVector";
    /// <summary>How many times the input is repeated.</summary>
    public int N { get; }

    /// <summary>(n, features).</summary>
    /// <exception cref="ShapeMismatchException">The input is not (features).</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 1) throw ShapeError("(batch, features)", inputShape);
        if ((long)N * inputShape[0] > int.MaxValue)
            throw new ShapeMismatchException($"Layer '{Name}' (RepeatVector) repeats inputs {inputShape.ToBatchString()} {N} times: more than 2^31 − 1 values per sample.");
        return new Shape(N, inputShape[0]);
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) => ComputeOutputShape(inputShape);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Ops.RepeatVector(x, N);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["n"] = N;
        return config;
    }

    internal static RepeatVector FromConfig(LayerConfig c) => new(c.RequiredSize("n"), c.Name, c.Shape("input_shape"));
}
