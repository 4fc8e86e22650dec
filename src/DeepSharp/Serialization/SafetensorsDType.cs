using DeepSharp.Tensors;

namespace DeepSharp.Serialization;

/// <summary>
/// Element types of the safetensors format, with the names the header uses ("F32", "I32", ...).
/// The enum order is the reference implementation's (increasing alignment); its writer puts
/// tensors in decreasing order of this, then by name, and so does <see cref="SafetensorsFile"/>.
/// </summary>
public enum SafetensorsDType
{
    /// <summary>Boolean, 1 byte per element.</summary>
    BOOL,
    /// <summary>Unsigned 8-bit integer, 1 byte.</summary>
    U8,
    /// <summary>Signed 8-bit integer, 1 byte.</summary>
    I8,
    /// <summary>8-bit float with 5 exponent and 2 mantissa bits, 1 byte.</summary>
    F8_E5M2,
    /// <summary>8-bit float with 4 exponent and 3 mantissa bits, 1 byte.</summary>
    F8_E4M3,
    /// <summary>Signed 16-bit integer, 2 bytes.</summary>
    I16,
    /// <summary>Unsigned 16-bit integer, 2 bytes.</summary>
    U16,
    /// <summary>IEEE half-precision float, 2 bytes.</summary>
    F16,
    /// <summary>bfloat16 (float32's 8-bit exponent, 7 mantissa bits), 2 bytes.</summary>
    BF16,
    /// <summary>Signed 32-bit integer, 4 bytes; DeepSharp's int32 tensors.</summary>
    I32,
    /// <summary>Unsigned 32-bit integer, 4 bytes.</summary>
    U32,
    /// <summary>IEEE single-precision float, 4 bytes; DeepSharp's float32 tensors.</summary>
    F32,
    /// <summary>IEEE double-precision float, 8 bytes.</summary>
    F64,
    /// <summary>Signed 64-bit integer, 8 bytes.</summary>
    I64,
    /// <summary>Unsigned 64-bit integer, 8 bytes.</summary>
    U64,
}

/// <summary>
/// Helpers for <see cref="SafetensorsDType"/>: element size, the header's name, parsing it, and the
/// type a DeepSharp tensor is written as. Files may hold any of the types; only F32 and I32 load as tensors.
/// </summary>
public static class SafetensorsDTypes
{
    /// <summary>Bytes per element.</summary>
    public static int Size(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.BOOL or SafetensorsDType.U8 or SafetensorsDType.I8
            or SafetensorsDType.F8_E5M2 or SafetensorsDType.F8_E4M3 => 1,
        SafetensorsDType.I16 or SafetensorsDType.U16 or SafetensorsDType.F16 or SafetensorsDType.BF16 => 2,
        SafetensorsDType.I32 or SafetensorsDType.U32 or SafetensorsDType.F32 => 4,
        SafetensorsDType.F64 or SafetensorsDType.I64 or SafetensorsDType.U64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    /// <summary>The header's name for a dtype ("F32").</summary>
    public static string Name(this SafetensorsDType dtype) => (uint)dtype < (uint)s_names.Length ? s_names[(int)dtype] : dtype.ToString();

    /// <summary>Every dtype, in enum order.</summary>
    internal static readonly SafetensorsDType[] All = Enum.GetValues<SafetensorsDType>();

    // Names cached once: an enum's ToString boxes it, which the header reader would pay per tensor.
    private static readonly string[] s_names = Enum.GetNames<SafetensorsDType>();

    /// <summary>The names as UTF-8, for comparing with header bytes.</summary>
    internal static readonly byte[][] Utf8Names = [.. s_names.Select(System.Text.Encoding.UTF8.GetBytes)];

    /// <summary>Parses a header dtype name; exact, case-sensitive, as the format requires.</summary>
    public static bool TryParse(string? name, out SafetensorsDType dtype)
    {
        foreach (var candidate in All)
        {
            if (candidate.Name() == name)
            {
                dtype = candidate;
                return true;
            }
        }
        dtype = default;
        return false;
    }

    /// <summary>The safetensors dtype of a DeepSharp tensor element type.</summary>
    public static SafetensorsDType FromDType(DType dtype) => dtype switch
    {
        DType.Float32 => SafetensorsDType.F32,
        DType.Int32 => SafetensorsDType.I32,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "No safetensors dtype for this tensor type."),
    };
}
