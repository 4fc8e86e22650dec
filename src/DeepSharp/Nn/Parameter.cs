using DeepSharp.Tensors;

namespace DeepSharp.Nn;

/// <summary>A layer's weight (Keras's Variable): a named tensor that optimizers update.</summary>
public sealed class Parameter
{
    internal Parameter(Layer owner, string name, Tensor value, bool trainable)
    {
        Owner = owner;
        Name = name;
        Value = value;
        Trainable = trainable;
        value.RequiresGrad = trainable;
    }

    public Layer Owner { get; }

    /// <summary>The weight's name within its layer ("kernel", "bias").</summary>
    public string Name { get; }

    /// <summary>Layer path and weight name, e.g. "dense_1/bias", "transformer_encoder_block/self_attention/query/kernel".</summary>
    public string Path => $"{Owner.Path}/{Name}";

    public Tensor Value { get; }
    public bool Trainable { get; }
    public Shape Shape => Value.Shape;

    public override string ToString() => $"{Path} {Shape}";
}
