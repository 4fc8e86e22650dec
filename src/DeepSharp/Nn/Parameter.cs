using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn;

/// <summary>A layer's weight (Keras's Variable): a named tensor that optimizers update.</summary>
public sealed class Parameter
{
    internal Parameter(Layer owner, string name, Tensor value, bool trainable, Regularizer? regularizer = null, Constraint? constraint = null)
    {
        Owner = owner;
        Name = name;
        Value = value;
        _trainable = trainable;
        Regularizer = regularizer;
        Constraint = constraint;
        value.RequiresGrad = Trainable;
    }

    /// <summary>The layer that created the weight (a sublayer, for a composite layer's weights).</summary>
    public Layer Owner { get; }

    /// <summary>The weight's name within its layer ("kernel", "bias").</summary>
    public string Name { get; }

    /// <summary>Layer path and weight name, e.g. "dense_1/bias", "transformer_encoder_block/self_attention/query/kernel".</summary>
    public string Path => $"{Owner.Path}/{Name}";

    /// <summary>The weight's tensor, updated in place by optimizers; its <c>Grad</c> holds the gradient of the last backward pass.</summary>
    public Tensor Value { get; }

    private readonly bool _trainable;

    /// <summary>
    /// Whether optimizers update it and gradients are recorded for it: false for statistics such as
    /// BatchNormalization's moving mean, and for every weight of a frozen layer (<see cref="Layer.Trainable"/>).
    /// </summary>
    public bool Trainable => _trainable && Owner.TrainsWeights;

    /// <summary>The penalty on this weight that training adds to the loss while it is trainable (Keras's <c>kernel_regularizer</c> and kin); null for none.</summary>
    public Regularizer? Regularizer { get; }

    /// <summary>The projection the optimizer applies to this weight after each update (Keras's <c>kernel_constraint</c> and kin); null for none.</summary>
    public Constraint? Constraint { get; }

    /// <summary>
    /// A pruning mask of <see cref="Value"/>'s shape (1 keeps a weight, 0 prunes it), set by
    /// <c>DeepSharp.Compression.Pruning</c>; null when the weight is not pruned. The optimizer
    /// multiplies the gradient by it before the update (so pruned weights' moments stay zero) and the
    /// weight after the update and the constraint (so nothing revives a pruned weight).
    /// </summary>
    internal Tensor? PruningMask { get; set; }

    /// <summary>How a model file stores the weight: F32, or I8/U8 for a quantized layer's integers.</summary>
    internal WeightStorage Storage { get; set; }

    /// <summary>
    /// Checks values a file is about to load into the weight (a quantized layer refuses zero or NaN
    /// scales) and drops what the layer derived from the old values; returns a problem, or null.
    /// </summary>
    internal Func<float[], string?>? BeforeLoad { get; set; }

    /// <summary>The shape of <see cref="Value"/>.</summary>
    public Shape Shape => Value.Shape;

    /// <summary>The path and shape, e.g. <c>dense/kernel (784, 10)</c>.</summary>
    public override string ToString() => $"{Path} {Shape}";
}
