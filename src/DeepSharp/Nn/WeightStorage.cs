namespace DeepSharp.Nn;

/// <summary>
/// How a weight is stored in a model file. Weights compute as float32 in memory; a quantized
/// layer's integer weights (whole numbers in the type's range) are written as I8 or U8 tensors.
/// </summary>
internal enum WeightStorage
{
    /// <summary>F32, every weight of a float layer.</summary>
    Float32,
    /// <summary>I8: signed bytes, an int8 kernel.</summary>
    Int8,
    /// <summary>U8: unsigned bytes, an activation's zero point.</summary>
    UInt8,
}
