namespace DeepSharp.Tensors;

/// <summary>Element type of a tensor. float32 is the compute type; int32 holds labels and indices.</summary>
public enum DType
{
    /// <summary>32-bit IEEE float: weights, activations and gradients.</summary>
    Float32,
    /// <summary>32-bit signed integer: class labels, token ids and indices; no gradients.</summary>
    Int32,
}
