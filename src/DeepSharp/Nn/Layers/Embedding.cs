using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Maps integer indices in [0, inputDim) to rows of a trainable (inputDim, outputDim) table
/// ("embeddings", Keras's uniform(−0.05, 0.05) init). Inputs are int32 tensors or floats holding
/// whole numbers; an index out of range throws with its value and position. With <see cref="MaskZero"/>,
/// index 0 is padding: the layer's output mask (batch, time) is 1 where the index is not 0, and
/// recurrent layers downstream skip those steps (so inputDim must count the padding index too).
/// </summary>
public sealed class Embedding : Layer
{
    private Parameter? _embeddings;

    /// <param name="inputDim">Size of the vocabulary: indices run over [0, inputDim), padding index 0 included.</param>
    /// <param name="outputDim">Length of each embedding vector, the output's last axis.</param>
    /// <param name="embeddingsInitializer">Fills the (inputDim, outputDim) table; null for Keras's "uniform" in [−0.05, 0.05].</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample shape of the indices (e.g. [80] for sequences of 80 tokens), for a Sequential model's first layer; null to build on the first call.</param>
    /// <param name="maskZero">Treat index 0 as padding: the layer then outputs a mask that recurrent and attention layers downstream use to skip it.</param>
    /// <param name="embeddingsRegularizer">A penalty on the table added to the training loss (Keras's <c>embeddings_regularizer</c>); null for none.</param>
    /// <param name="activityRegularizer">A penalty on the layer's output, divided by the batch size; null for none.</param>
    /// <param name="embeddingsConstraint">A projection of the table after each optimizer step (Keras's <c>embeddings_constraint</c>); null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inputDim"/> or <paramref name="outputDim"/> is not positive.</exception>
    public Embedding(int inputDim, int outputDim, Initializer? embeddingsInitializer = null, string? name = null, int[]? inputShape = null,
        bool maskZero = false, Regularizer? embeddingsRegularizer = null, Regularizer? activityRegularizer = null,
        Constraint? embeddingsConstraint = null)
        : base(name, inputShape)
    {
        if (inputDim <= 0) throw new ArgumentOutOfRangeException(nameof(inputDim), inputDim, "Embedding input_dim must be positive.");
        if (outputDim <= 0) throw new ArgumentOutOfRangeException(nameof(outputDim), outputDim, "Embedding output_dim must be positive.");
        InputDim = inputDim;
        OutputDim = outputDim;
        EmbeddingsInitializer = embeddingsInitializer ?? Initializer.Uniform;
        MaskZero = maskZero;
        (EmbeddingsRegularizer, ActivityRegularizer, EmbeddingsConstraint) = (embeddingsRegularizer, activityRegularizer, embeddingsConstraint);
    }

    /// <inheritdoc/>
    public override string TypeName => "Embedding";
    /// <summary>Size of the vocabulary: valid indices are [0, InputDim).</summary>
    public int InputDim { get; }
    /// <summary>Length of each embedding vector, the output's last axis.</summary>
    public int OutputDim { get; }
    /// <summary>What fills the table when the layer is built (Keras's "uniform" by default).</summary>
    public Initializer EmbeddingsInitializer { get; }
    /// <summary>The penalty on the table added to the training loss; null for none.</summary>
    public Regularizer? EmbeddingsRegularizer { get; }
    /// <summary>The projection applied to the table after each optimizer step; null for none.</summary>
    public Constraint? EmbeddingsConstraint { get; }

    /// <summary>Treat index 0 as padding and output a mask of the other indices (Keras's mask_zero).</summary>
    public bool MaskZero { get; }

    /// <summary>True with <see cref="MaskZero"/>, when the layer makes a mask of the non-padding indices.</summary>
    public override bool SupportsMasking => MaskZero;

    internal override bool AcceptsInt32(int index) => true;

    /// <summary>With <see cref="MaskZero"/>: 1 where the index is not 0, 0 where it is, in the indices' shape.</summary>
    public override Tensor? ComputeMask(Tensor input, Tensor? mask)
    {
        if (!MaskZero) return null;
        var result = Tensor.Temp(input.Shape);
        var m = result.Span;
        if (input.DType == DType.Int32)
        {
            var ids = input.IntSpan;
            for (int i = 0; i < m.Length; i++) m[i] = ids[i] != 0 ? 1f : 0f;
        }
        else
        {
            var ids = input.Span;
            for (int i = 0; i < m.Length; i++) m[i] = ids[i] != 0f ? 1f : 0f;
        }
        return result;
    }

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape) =>
        _embeddings = AddWeight("embeddings", new Shape(InputDim, OutputDim), EmbeddingsInitializer, true, EmbeddingsRegularizer, EmbeddingsConstraint);

    /// <summary>The indices' shape with an axis of <see cref="OutputDim"/> appended: (..., outputDim).</summary>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        var dims = new int[inputShape.Rank + 1];
        inputShape.Dims.CopyTo(dims);
        dims[^1] = OutputDim;
        return new Shape(dims);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        try
        {
            return WithActivityPenalty(Ops.Embedding(_embeddings!.Value, x));
        }
        catch (ArgumentException e)
        {
            throw new DeepSharpException($"Layer '{Name}' (Embedding): {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["input_dim"] = InputDim;
        config["output_dim"] = OutputDim;
        config["embeddings_initializer"] = EmbeddingsInitializer.ToConfig();
        config["mask_zero"] = MaskZero;
        ConfigObjects.Put(config, "embeddings_regularizer", EmbeddingsRegularizer);
        ConfigObjects.Put(config, "embeddings_constraint", EmbeddingsConstraint);
        return config;
    }

    internal static Embedding FromConfig(LayerConfig c) => new(
        c.RequiredSize("input_dim"), c.RequiredSize("output_dim"),
        c.Initializer("embeddings_initializer", "uniform"), c.Name, c.Shape("input_shape"),
        c.Bool("mask_zero", false),
        c.Regularizer("embeddings_regularizer"), c.Regularizer("activity_regularizer"), c.Constraint("embeddings_constraint"));
}
