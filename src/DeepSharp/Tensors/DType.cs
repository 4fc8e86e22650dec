namespace DeepSharp.Tensors;

/// <summary>Element type of a tensor. float32 is the compute type; int32 holds labels and indices.</summary>
public enum DType
{
    Float32,
    Int32,
}
