using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>EinsumDense</c>: a dense layer written as an einsum of the input and a kernel,
/// activation(einsum(equation, x, kernel) + bias). "ab,bc->ac" is <see cref="Dense"/>; "abc,cd->abd"
/// a Dense on each step of a sequence; "abc,cde->abde" splits features into heads (MultiHeadAttention's
/// projections) and "abcd,cde->abe" merges them back. The equation is 'input,kernel->output' in
/// letters, optionally with '...' leading the input and output; every kernel letter is an input or
/// output letter, and no letter is in all three (others are refused, naming the layer).
/// <see cref="OutputShape"/> is the output's per-sample shape after the batch axis (after '...'
/// when the equation has one), null where an input axis gives the size. Weights: "kernel" (its
/// letters' sizes) and, with <see cref="BiasAxes"/>, "bias" with Keras's shape (the output's sizes
/// from the first bias axis on, 1 on the axes it skips).
/// </summary>
public sealed class EinsumDense : Layer
{
    private readonly bool _outputShapeIsInt;
    private Parameter? _kernel, _bias;
    private EinsumDensePlan? _plan;
    private readonly EinsumDenseKernelCache _preparedKernel = new();

    /// <param name="equation">The einsum equation, e.g. "abc,cde->abde".</param>
    /// <param name="outputShape">The output's shape after the batch axis (after '...' when the equation has one); null entries take the input's size.</param>
    /// <param name="activation">Applied after the bias; null for none (linear).</param>
    /// <param name="biasAxes">Output letters the bias spans, e.g. "de"; null for no bias.</param>
    /// <param name="kernelInitializer">Fills the kernel; null for glorot_uniform.</param>
    /// <param name="biasInitializer">Fills the bias; null for zeros.</param>
    /// <param name="kernelRegularizer">A penalty on the kernel added to the training loss; null for none.</param>
    /// <param name="biasRegularizer">A penalty on the bias; null for none.</param>
    /// <param name="activityRegularizer">A penalty on the layer's output, divided by the batch size; null for none.</param>
    /// <param name="kernelConstraint">A projection of the kernel after each optimizer step; null for none.</param>
    /// <param name="biasConstraint">A projection of the bias after each optimizer step; null for none.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">The equation is not one EinsumDense computes, a bias axis is not an output letter, or an output size is not positive.</exception>
    public EinsumDense(string equation, int?[] outputShape, Activation? activation = null, string? biasAxes = null,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null, string? name = null, int[]? inputShape = null)
        : this(equation, outputShape, false, activation, biasAxes, kernelInitializer, biasInitializer,
            kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint, name, inputShape)
    { }

    /// <param name="equation">The einsum equation, e.g. "ab,bc->ac".</param>
    /// <param name="outputShape">The size of the output's one axis after the batch axis (or after '...').</param>
    /// <param name="activation">Applied after the bias; null for none (linear).</param>
    /// <param name="biasAxes">Output letters the bias spans, e.g. "c"; null for no bias.</param>
    /// <param name="kernelInitializer">Fills the kernel; null for glorot_uniform.</param>
    /// <param name="biasInitializer">Fills the bias; null for zeros.</param>
    /// <param name="kernelRegularizer">A penalty on the kernel added to the training loss; null for none.</param>
    /// <param name="biasRegularizer">A penalty on the bias; null for none.</param>
    /// <param name="activityRegularizer">A penalty on the layer's output, divided by the batch size; null for none.</param>
    /// <param name="kernelConstraint">A projection of the kernel after each optimizer step; null for none.</param>
    /// <param name="biasConstraint">A projection of the bias after each optimizer step; null for none.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer; null to build on the first call.</param>
    /// <exception cref="ArgumentException">The equation is not one EinsumDense computes, a bias axis is not an output letter, or the size is not positive.</exception>
    public EinsumDense(string equation, int outputShape, Activation? activation = null, string? biasAxes = null,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? kernelConstraint = null, Constraint? biasConstraint = null, string? name = null, int[]? inputShape = null)
        : this(equation, [outputShape], true, activation, biasAxes, kernelInitializer, biasInitializer,
            kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint, name, inputShape)
    { }

    private EinsumDense(string equation, int?[] outputShape, bool isInt, Activation? activation, string? biasAxes,
        Initializer? kernelInitializer, Initializer? biasInitializer,
        Regularizer? kernelRegularizer, Regularizer? biasRegularizer, Regularizer? activityRegularizer,
        Constraint? kernelConstraint, Constraint? biasConstraint, string? name, int[]? inputShape) : base(name, inputShape)
    {
        ArgumentNullException.ThrowIfNull(equation);
        ArgumentNullException.ThrowIfNull(outputShape);
        var (input, kernel, output, elided) = EinsumDensePlan.Parse(Name, equation);
        foreach (var size in outputShape)
            if (size is <= 0) throw new ArgumentException($"Layer '{Name}' (EinsumDense): output_shape sizes must be positive; got [{string.Join(", ", outputShape.Select(s => s?.ToString() ?? "null"))}].", nameof(outputShape));
        if (biasAxes is not null)
            foreach (char c in biasAxes)
                if (!output.Contains(c))
                    throw new ArgumentException($"Layer '{Name}' (EinsumDense): bias axis '{c}' is not an output axis of '{equation}' (output '{(elided ? "..." : "")}{output}').", nameof(biasAxes));
        _ = (input, kernel);
        Equation = equation;
        OutputShape = [.. outputShape];
        _outputShapeIsInt = isInt;
        Activation = activation ?? Activation.Linear;
        BiasAxes = biasAxes;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
        (KernelRegularizer, BiasRegularizer, ActivityRegularizer) = (kernelRegularizer, biasRegularizer, activityRegularizer);
        (KernelConstraint, BiasConstraint) = (kernelConstraint, biasConstraint);
    }

    /// <inheritdoc/>
    public override string TypeName => "EinsumDense";
    /// <summary>The einsum equation of the input and the kernel.</summary>
    public string Equation { get; }
    /// <summary>Keras's output_shape: the output's sizes after the batch axis (or after '...'); null where the input gives the size.</summary>
    public IReadOnlyList<int?> OutputShape { get; }
    /// <summary>Applied after the bias (linear when none was given).</summary>
    public Activation Activation { get; }
    /// <summary>The output letters the bias spans; null: no bias.</summary>
    public string? BiasAxes { get; }
    /// <summary>What fills the kernel when the layer is built (glorot_uniform by default).</summary>
    public Initializer KernelInitializer { get; }
    /// <summary>What fills the bias when the layer is built (zeros by default).</summary>
    public Initializer BiasInitializer { get; }
    /// <summary>The penalty on the kernel added to the training loss; null for none.</summary>
    public Regularizer? KernelRegularizer { get; }
    /// <summary>The penalty on the bias added to the training loss; null for none.</summary>
    public Regularizer? BiasRegularizer { get; }
    /// <summary>The projection applied to the kernel after each optimizer step; null for none.</summary>
    public Constraint? KernelConstraint { get; }
    /// <summary>The projection applied to the bias after each optimizer step; null for none.</summary>
    public Constraint? BiasConstraint { get; }

    internal EinsumDensePlan Plan => _plan ?? throw new InvalidOperationException($"Layer '{Name}' (EinsumDense) is not built.");

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        _plan = Analyse(inputShape);
        _preparedKernel.Clear();
        _kernel = AddWeight("kernel", _plan.KernelShape, KernelInitializer, true, KernelRegularizer, KernelConstraint);
        if (_plan.BiasShape is { } bias) _bias = AddWeight("bias", bias, BiasInitializer, true, BiasRegularizer, BiasConstraint);
    }

    private EinsumDensePlan Analyse(Shape inputShape)
    {
        try
        {
            return EinsumDensePlan.Create(Name, Equation, OutputShape, BiasAxes, inputShape);
        }
        catch (ArgumentException e)
        {
            throw new ShapeMismatchException(e.Message);
        }
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => Analyse(inputShape).OutputShape;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var plan = _plan!;
        if (x.Shape.WithoutBatch() != BuiltInputShape)
            throw new ShapeMismatchException($"Layer '{Name}' (EinsumDense) was built for inputs {BuiltInputShape!.Value.ToBatchString()}; got {x.Shape}.");
        var moved = plan.InputPermutation is { } p ? Ops.Permute(x, p) : x;
        var rows = Ops.Reshape(moved, x.Size / Math.Max(plan.Contracted, 1), plan.Contracted);
        var kernel = _kernel!.Value;
        var bias = plan.BiasInProduct ? Ops.Reshape(_bias!.Value, plan.KernelOnly) : null;
        Tensor linear;
        if (OpNode.Needed(kernel))
        {
            // Training: the kernel's gradient flows back through the permutation and reshape.
            var w = Ops.Reshape(plan.KernelPermutation is { } k ? Ops.Permute(kernel, k) : kernel, plan.Contracted, plan.KernelOnly);
            linear = Ops.Linear(rows, w, bias);
        }
        else
        {
            // Inference (or a frozen kernel): the kernel prepared once per weight version, and packed once for larger batches.
            linear = Ops.Linear(rows, _preparedKernel.For(kernel, plan), bias, packedKernel: true);
        }
        var product = Ops.Reshape(linear, new Shape([x.Shape[0], .. plan.ProductDims]));
        var y = plan.OutputPermutation is { } o ? Ops.Permute(product, o) : product;
        if (_bias is not null && !plan.BiasInProduct) y = Ops.Add(y, _bias.Value);
        return WithActivityPenalty(Activation.Apply(y));
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["output_shape"] = _outputShapeIsInt ? (JsonNode)OutputShape[0]!.Value : new JsonArray([.. OutputShape.Select(s => s is { } v ? (JsonNode)v : null)]);
        config["equation"] = Equation;
        config["activation"] = Activation.ToConfig();
        config["bias_axes"] = BiasAxes;
        config["kernel_initializer"] = KernelInitializer.ToConfig();
        config["bias_initializer"] = BiasInitializer.ToConfig();
        ConfigObjects.Put(config, "kernel_regularizer", KernelRegularizer);
        ConfigObjects.Put(config, "bias_regularizer", BiasRegularizer);
        ConfigObjects.Put(config, "kernel_constraint", KernelConstraint);
        ConfigObjects.Put(config, "bias_constraint", BiasConstraint);
        return config;
    }

    internal static EinsumDense FromConfig(LayerConfig c)
    {
        if (c.Has("lora_rank")) throw c.Error("lora_rank", "is set; DeepSharp's EinsumDense has no LoRA adapter (merge it into the kernel before saving)");
        string equation = c.Json["equation"] is JsonValue e && e.TryGetValue(out string? text) ? text : throw c.Error("equation", "is missing or not a string");
        string? biasAxes = c.Json["bias_axes"] switch
        {
            null => null,
            JsonValue v when v.TryGetValue(out string? axes) => axes,
            _ => throw c.Error("bias_axes", "is not a string of output letters"),
        };
        var (activation, kernelInitializer, biasInitializer) = (c.Activation("activation"), c.Initializer("kernel_initializer", "glorot_uniform"), c.Initializer("bias_initializer", "zeros"));
        var (kernelRegularizer, biasRegularizer, activityRegularizer) = (c.Regularizer("kernel_regularizer"), c.Regularizer("bias_regularizer"), c.Regularizer("activity_regularizer"));
        var (kernelConstraint, biasConstraint) = (c.Constraint("kernel_constraint"), c.Constraint("bias_constraint"));
        switch (c.Json["output_shape"])
        {
            case JsonValue:
                return new EinsumDense(equation, c.RequiredSize("output_shape"), activation, biasAxes, kernelInitializer, biasInitializer,
                    kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint, c.Name, c.Shape("input_shape"));
            case JsonArray sizes:
                var shape = new int?[sizes.Count];
                for (int i = 0; i < shape.Length; i++)
                    shape[i] = sizes[i] switch
                    {
                        null => null,
                        JsonValue v when v.TryGetValue(out int size) && size > 0 => size,
                        _ => throw c.Error("output_shape", $"holds {sizes[i]!.ToJsonString()} at {i}; sizes are positive integers or null"),
                    };
                return new EinsumDense(equation, shape, activation, biasAxes, kernelInitializer, biasInitializer,
                    kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint, c.Name, c.Shape("input_shape"));
            default:
                throw c.Error("output_shape", "is missing; it is a size or a list of sizes (null for the input's)");
        }
    }
}
