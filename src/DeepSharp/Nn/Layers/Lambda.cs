using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's Lambda for C#: a layer that applies a function of tensors built from <c>Ops</c> (gradients
/// flow through it), e.g. <c>new Lambda(x =&gt; Ops.Multiply(x, x))</c>. It has no weights; the output
/// shape is <c>outputShape</c> when given, else found by running the function on a batch of one
/// zero sample. It drops masks, as Keras's Lambda without <c>mask</c>.
/// A model file cannot hold C# code: a model with a Lambda saves only when the function has a name
/// (<c>functionName</c>) that the loading program knows — registered once with
/// <see cref="Register"/> (Keras's <c>register_keras_serializable</c>) or, for one load, given in
/// <see cref="CustomObjects.AddFunction"/> (Keras's <c>custom_objects</c>). Otherwise Save refuses,
/// naming the layer. ONNX export refuses a Lambda: write a layer of your own (docs/custom.md).
/// </summary>
public sealed class Lambda : Layer
{
    private static readonly ConcurrentDictionary<string, Func<Tensor, Tensor>> s_functions = new(StringComparer.Ordinal);

    private readonly Func<Tensor, Tensor> _function;
    private readonly int[]? _outputShape;
    private (Shape Input, Shape Output)? _inferred;

    /// <param name="function">The computation, on a batch (batch axis first) to a batch of the same size, built from <c>Ops</c>.</param>
    /// <param name="outputShape">The per-sample output shape; null to infer it by running the function once.</param>
    /// <param name="functionName">The function's name in configs and model files; null for a Lambda that cannot be saved.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (Keras's <c>input_shape</c>), for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">A size of <paramref name="outputShape"/> is below 1, or <paramref name="functionName"/> is empty or not printable.</exception>
    public Lambda(Func<Tensor, Tensor> function, int[]? outputShape = null, string? functionName = null, string? name = null, int[]? inputShape = null)
        : base(name, inputShape)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (outputShape is not null && (outputShape.Length > LayerConfig.MaxRank || outputShape.Any(d => d < 1)))
            throw new ArgumentException($"Lambda output shape must hold at most {LayerConfig.MaxRank} sizes ≥ 1; got {Shape.Format(outputShape)}.", nameof(outputShape));
        if (functionName is not null) CheckFunctionName(functionName);
        _function = function;
        _outputShape = outputShape?.ToArray();
        FunctionName = functionName;
    }

    /// <inheritdoc/>
    public override string TypeName => "Lambda";

    /// <summary>The function's name in configs; null when the Lambda cannot be saved.</summary>
    public string? FunctionName { get; }

    /// <summary>The per-sample output shape given to the constructor, or null when it is inferred.</summary>
    public IReadOnlyList<int>? OutputShape => _outputShape;

    /// <summary>The function the layer applies.</summary>
    public Func<Tensor, Tensor> Function => _function;

    /// <summary>
    /// Registers a function under <paramref name="functionName"/> for every config and model file the
    /// program reads, so that a model holding <c>new Lambda(function, functionName: ...)</c> saves and loads
    /// (Keras's <c>register_keras_serializable</c> on a function). Registering the same function again does nothing.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty or not printable, or registered already with another function.</exception>
    public static void Register(string functionName, Func<Tensor, Tensor> function)
    {
        CheckFunctionName(functionName);
        ArgumentNullException.ThrowIfNull(function);
        var existing = s_functions.GetOrAdd(functionName, function);
        if (!existing.Equals(function))
            throw new ArgumentException($"Lambda function '{functionName}' is registered already, with another function; a name can stand for one function only.", nameof(functionName));
    }

    /// <summary>The function registered under <paramref name="functionName"/> (an open <see cref="CustomObjects.Scope"/> first, then <see cref="Register"/>); null when none is.</summary>
    public static Func<Tensor, Tensor>? FindFunction(string functionName) =>
        CustomObjects.FindFunction(functionName) ?? s_functions.GetValueOrDefault(functionName);

    internal static void CheckFunctionName(string functionName)
    {
        ArgumentNullException.ThrowIfNull(functionName);
        if (functionName.Length == 0 || functionName.Length > LayerConfig.MaxString || Naming.TextProblem(functionName) is not null)
            throw new ArgumentException($"A Lambda function name must be 1 to {LayerConfig.MaxString} printable characters; got \"{TerminalText.Escape(functionName)}\".", nameof(functionName));
    }

    /// <summary>The given output shape, or the shape the function gives a batch of one zero sample of <paramref name="inputShape"/>.</summary>
    /// <exception cref="ShapeMismatchException">The function fails on that input, or does not keep the batch axis.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (_outputShape is not null) return new Shape(_outputShape);
        if (_inferred is { } known && known.Input == inputShape) return known.Output;
        Tensor y;
        using (NoGrad.Scope())
        {
            try
            {
                y = _function(Tensor.Zeros(inputShape.WithBatch(1)));
            }
            catch (Exception e) when (e is DeepSharpException or ArgumentException or InvalidOperationException or IndexOutOfRangeException)
            {
                throw new ShapeMismatchException($"Layer '{Name}' (Lambda) could not infer its output shape: its function failed on inputs {inputShape.ToBatchString()} ({e.Message}). " +
                    "Give the output shape (outputShape) or fix the function.", e);
            }
        }
        CheckBatch(y, 1, inputShape);
        var output = y.Shape.WithoutBatch();
        _inferred = (inputShape, output);
        return output;
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var y = _function(x);
        CheckBatch(y, x.Shape[0], x.Shape.WithoutBatch());
        if (_outputShape is not null && !y.Shape.WithoutBatch().Equals(new Shape(_outputShape)))
            throw new ShapeMismatchException($"Layer '{Name}' (Lambda) was given output shape {new Shape(_outputShape).ToBatchString()}, but its function returned {y.Shape} for inputs {x.Shape}.");
        return y;
    }

    private void CheckBatch(Tensor? y, int batch, Shape inputShape)
    {
        if (y is null || y.Rank == 0 || y.Shape[0] != batch)
            throw new ShapeMismatchException($"Layer '{Name}' (Lambda): its function must return a batch of {batch} (batch axis first) for inputs {inputShape.ToBatchString()}; " +
                $"it returned {(y is null ? "null" : y.Shape.ToString())}.");
    }

    /// <summary>name, input_shape, function (its registered name, or null) and output_shape (when given).</summary>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["function"] = FunctionName;
        if (_outputShape is not null) config["output_shape"] = new JsonArray([.. _outputShape.Select(d => (JsonNode)d)]);
        return config;
    }

    internal static Lambda FromConfig(LayerConfig c)
    {
        string? functionName = c.OptionalString("function");
        if (functionName is null)
            throw new ArgumentException("It wraps an unnamed C# function, which a model file cannot hold. Name the function and register it: " +
                "new Lambda(fn, functionName: \"my_fn\") with Lambda.Register(\"my_fn\", fn) once at start-up (or new CustomObjects().AddFunction(\"my_fn\", fn) for one load); " +
                "or write a layer of your own (docs/custom.md). To keep only the weights, use SaveWeights.");
        var function = FindFunction(functionName) ?? throw new ArgumentException(
            $"Its function '{TerminalText.Escape(functionName)}' is not registered. Register it before saving or loading: Lambda.Register(\"{TerminalText.Escape(functionName)}\", fn) once at start-up, " +
            $"or new CustomObjects().AddFunction(\"{TerminalText.Escape(functionName)}\", fn) for one load (see docs/custom.md).");
        return new Lambda(function, c.Shape("output_shape"), functionName, c.Name, c.Shape("input_shape"));
    }
}
