using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn;

/// <summary>
/// A weight (Keras's Variable): a named tensor that optimizers update. Layers create theirs; a training
/// loop over raw tensors creates its own with <see cref="Parameter(Tensor, string?, bool)"/> (PyTorch's
/// <c>torch.zeros(2, requires_grad=True)</c>, Keras's <c>keras.Variable</c>) and passes them to an
/// optimizer's <c>Apply</c>.
/// </summary>
public sealed class Parameter
{
    private static int s_unnamed;

    /// <summary>
    /// A standalone variable holding a copy of <paramref name="initialValue"/>, for training loops of your own:
    /// use <see cref="Value"/> in ops, call <c>Backward()</c>, read <see cref="Grad"/>, and pass the variable to
    /// an optimizer's <c>Apply</c>, which updates <see cref="Value"/> in place and keeps its state (moments) by
    /// variable. Without a <paramref name="name"/> it is named as Keras names variables: "variable",
    /// "variable_1", …; the name keys the optimizer's state, so give variables distinct names.
    /// </summary>
    /// <exception cref="ArgumentException">The value is not Float32, or the name is empty.</exception>
    public Parameter(Tensor initialValue, string? name = null, bool trainable = true)
    {
        ArgumentNullException.ThrowIfNull(initialValue);
        if (initialValue.DType != DType.Float32)
            throw new ArgumentException($"Parameter '{name ?? "variable"}': a variable holds Float32 values; got a {initialValue.DType} tensor {initialValue.Shape}.", nameof(initialValue));
        if (name is not null && string.IsNullOrWhiteSpace(name))
            throw new ArgumentException("Parameter: a variable's name must not be empty.", nameof(name));
        if (name is null)
        {
            int n = Interlocked.Increment(ref s_unnamed) - 1;
            name = n == 0 ? "variable" : $"variable_{n}";
        }
        Name = name;
        Value = initialValue.Clone();
        _trainable = trainable;
        Value.RequiresGrad = trainable;
    }

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

    /// <summary>The layer that created the weight (a sublayer, for a composite layer's weights); null for a standalone variable.</summary>
    public Layer? Owner { get; }

    /// <summary>The weight's name within its layer ("kernel", "bias").</summary>
    public string Name { get; }

    /// <summary>Layer path and weight name, e.g. "dense_1/bias", "transformer_encoder_block/self_attention/query/kernel"; a standalone variable's name.</summary>
    public string Path => Owner is null ? Name : $"{Owner.Path}/{Name}";

    /// <summary>The weight's tensor, updated in place by optimizers; its <c>Grad</c> holds the gradient of the last backward pass.</summary>
    public Tensor Value { get; }

    private readonly bool _trainable;

    /// <summary>
    /// Whether optimizers update it and gradients are recorded for it: false for statistics such as
    /// BatchNormalization's moving mean, and for every weight of a frozen layer (<see cref="Layer.Trainable"/>).
    /// </summary>
    public bool Trainable => _trainable && (Owner is null || Owner.TrainsWeights);

    /// <summary>∂L/∂<see cref="Value"/> after <c>Backward()</c> (<c>Value.Grad</c>), accumulated across passes until <see cref="ZeroGrad"/>; null before.</summary>
    public Tensor? Grad => Value.Grad;

    /// <summary>
    /// Clears the gradient before the next <c>Backward()</c> (PyTorch's <c>zero_grad</c>): dropped by default
    /// (<c>set_to_none=True</c>; an optimizer then leaves the variable alone until it has a gradient again), or
    /// filled with zeros in place with <paramref name="setToNone"/> false.
    /// </summary>
    public void ZeroGrad(bool setToNone = true)
    {
        if (setToNone) Value.Grad = null;
        else Value.Grad?.Span.Clear();
    }

    /// <summary>
    /// Copies <paramref name="value"/> into <see cref="Value"/> in place (Keras's <c>variable.assign</c>), recording
    /// nothing: for updates by hand, such as <c>w.Assign(w.Value - lr * w.Grad!)</c> inside <c>NoGrad.Scope()</c>.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The shapes differ, or the value is not Float32.</exception>
    public void Assign(Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Shape != Shape || value.DType != DType.Float32)
            throw new ShapeMismatchException($"Parameter '{Path}' {Shape}: cannot assign a {value.DType} tensor {value.Shape}.");
        value.Span.CopyTo(Value.Span);
    }

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
