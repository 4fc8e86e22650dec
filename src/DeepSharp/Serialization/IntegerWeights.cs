using DeepSharp.Nn;

namespace DeepSharp.Serialization;

/// <summary>
/// Quantized layers' integer weights in files: a weight whose <see cref="Parameter.Storage"/> is
/// Int8 or UInt8 is written as an I8 or U8 tensor (one byte per value) and read back into its
/// float32 tensor exactly.
/// </summary>
internal static class IntegerWeights
{
    /// <summary>The dtype a file holds for the weight.</summary>
    public static SafetensorsDType FileDType(Parameter p) => p.Storage switch
    {
        WeightStorage.Int8 => SafetensorsDType.I8,
        WeightStorage.UInt8 => SafetensorsDType.U8,
        _ => SafetensorsDType.F32,
    };

    /// <summary>The weight as an I8/U8 entry.</summary>
    /// <exception cref="DeepSharpException">A value is not a whole number in the type's range.</exception>
    public static SafetensorsEntry ToEntry(Parameter p)
    {
        var (low, high) = Range(p.Storage);
        var values = p.Value.Span;
        var bytes = new byte[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (!(v >= low && v <= high) || v != MathF.Round(v))
                throw new DeepSharpException($"Weight '{p.Path}' is stored as {FileDType(p).Name()} but holds {v} at {i}; it must hold whole numbers in [{low}, {high}].");
            bytes[i] = unchecked((byte)(int)v);
        }
        var shape = new long[p.Shape.Rank];
        for (int i = 0; i < shape.Length; i++) shape[i] = p.Shape[i];
        return new SafetensorsEntry(p.Path, FileDType(p), shape, bytes);
    }

    /// <summary>The entry's values as floats (F32, I8 or U8).</summary>
    public static float[] ToFloats(SafetensorsEntry entry, string source)
    {
        var span = entry.Data.Span;
        switch (entry.DType)
        {
            case SafetensorsDType.I8:
                {
                    var values = new float[span.Length];
                    for (int i = 0; i < values.Length; i++) values[i] = unchecked((sbyte)span[i]);
                    return values;
                }
            case SafetensorsDType.U8:
                {
                    var values = new float[span.Length];
                    for (int i = 0; i < values.Length; i++) values[i] = span[i];
                    return values;
                }
            default:
                return entry.ToTensor(source).Span.ToArray();
        }
    }

    /// <summary>Why <paramref name="values"/> cannot be the weight's (a value that is not a whole number in its type's range), or null.</summary>
    public static string? Refusal(Parameter p, float[] values)
    {
        var (low, high) = Range(p.Storage);
        for (int i = 0; i < values.Length; i++)
            if (!(values[i] >= low && values[i] <= high) || values[i] != MathF.Round(values[i]))
                return $"holds {values[i]} at {i}; it is stored as {FileDType(p).Name()} and must hold whole numbers in [{low}, {high}].";
        return null;
    }

    private static (float Low, float High) Range(WeightStorage storage) =>
        storage == WeightStorage.Int8 ? (-128f, 127f) : (0f, 255f);

    /// <summary>The elements a float32 tensor of the entry's shape holds, for the loader's weight budget.</summary>
    public static long Elements(SafetensorsEntry entry) => entry.DType switch
    {
        SafetensorsDType.F32 => entry.Data.Length / 4,
        SafetensorsDType.I8 or SafetensorsDType.U8 => entry.Data.Length,
        _ => 0,
    };

}
