namespace DeepSharp.Tensors;

/// <summary>Element type of a tensor. float32 is the compute type; int32 holds labels and indices.</summary>
public enum DType
{
    Float32,
    Int32,
}

public static class DTypeExtensions
{
    public static int SizeInBytes(this DType dtype) => dtype switch
    {
        DType.Float32 => 4,
        DType.Int32 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };
}
