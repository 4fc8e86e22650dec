using System.Runtime.InteropServices;
using DeepSharp.Tensors;

namespace DeepSharp.Serialization;

/// <summary>
/// One named tensor of a safetensors file: its dtype, shape and raw little-endian bytes
/// (row-major). Entries are checked on creation: the byte count is the shape's element count
/// times the dtype's size.
/// </summary>
public sealed class SafetensorsEntry
{
    /// <param name="name">The tensor's key in the file, e.g. "dense/kernel".</param>
    /// <param name="dtype">The element type of <paramref name="data"/>.</param>
    /// <param name="shape">Dimensions, outermost first (copied); empty for a scalar.</param>
    /// <param name="data">The elements' bytes, little-endian, row-major; kept without a copy.</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="shape"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="data"/> is not elements × element size bytes long.</exception>
    /// <exception cref="OverflowException">The byte count of the shape does not fit in a long.</exception>
    public SafetensorsEntry(string name, SafetensorsDType dtype, long[] shape, ReadOnlyMemory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        long elements = 1;
        foreach (long d in shape)
        {
            if (d < 0) throw new ArgumentOutOfRangeException(nameof(shape), $"Tensor '{name}' has a negative dimension in {FormatShape(shape)}.");
            elements = d == 0 || elements == 0 ? 0 : checked(elements * d);
        }
        if (checked(elements * dtype.Size()) != data.Length)
            throw new ArgumentException($"Tensor '{name}': {dtype.Name()} {FormatShape(shape)} needs {elements * dtype.Size()} bytes, got {data.Length}.");
        Name = name;
        DType = dtype;
        Shape = (long[])shape.Clone();
        Data = data;
    }

    private SafetensorsEntry(string name, SafetensorsDType dtype, long[] shape, ReadOnlyMemory<byte> data, bool _)
    {
        Name = name;
        DType = dtype;
        Shape = shape;
        Data = data;
    }

    /// <summary>An entry the header reader has already checked (byte length = elements × dtype size), taking <paramref name="shape"/> without a copy.</summary>
    internal static SafetensorsEntry Checked(string name, SafetensorsDType dtype, long[] shape, ReadOnlyMemory<byte> data) => new(name, dtype, shape, data, true);

    /// <summary>A snapshot of a float32 or int32 tensor's elements.</summary>
    public static SafetensorsEntry FromTensor(string name, Tensor tensor)
    {
        var dtype = SafetensorsDTypes.FromDType(tensor.DType);
        var bytes = tensor.DType == Tensors.DType.Float32
            ? MemoryMarshal.AsBytes((ReadOnlySpan<float>)tensor.Span).ToArray()
            : MemoryMarshal.AsBytes((ReadOnlySpan<int>)tensor.IntSpan).ToArray();
        if (!BitConverter.IsLittleEndian) ReverseEachElement(bytes, dtype.Size());
        var shape = new long[tensor.Rank];
        for (int i = 0; i < shape.Length; i++) shape[i] = tensor.Shape[i];
        return new SafetensorsEntry(name, dtype, shape, bytes);
    }

    /// <summary>The tensor's key in the file (by DeepSharp's convention a parameter path, "conv2d/kernel").</summary>
    public string Name { get; }
    /// <summary>The element type of <see cref="Data"/>.</summary>
    public SafetensorsDType DType { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The elements' bytes, little-endian, row-major.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The shape as DeepSharp writes shapes: "(3, 3, 1, 32)".</summary>
    public string ShapeText => FormatShape(Shape);

    /// <summary>A new tensor with these elements (F32 → float32, I32 → int32).</summary>
    /// <exception cref="DataFormatException">The dtype has no DeepSharp tensor type, or the tensor is too large.</exception>
    public Tensor ToTensor(string source)
    {
        var dims = new int[Shape.Count];
        long elements = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (Shape[i] > int.MaxValue)
                throw new DataFormatException($"Safetensors file '{source}': tensor '{Name}' {ShapeText} has a dimension above {int.MaxValue}.");
            dims[i] = (int)Shape[i];
            elements *= dims[i];
            if (elements > int.MaxValue)
                throw new DataFormatException($"Safetensors file '{source}': tensor '{Name}' {ShapeText} has more than {int.MaxValue} elements.");
        }
        var bytes = Data.ToArray();
        if (!BitConverter.IsLittleEndian) ReverseEachElement(bytes, DType.Size());
        switch (DType)
        {
            case SafetensorsDType.F32:
                return Tensor.Wrap(MemoryMarshal.Cast<byte, float>(bytes).ToArray(), dims);
            case SafetensorsDType.I32:
                return Tensor.Wrap(MemoryMarshal.Cast<byte, int>(bytes).ToArray(), dims);
            default:
                throw new DataFormatException($"Safetensors file '{source}': tensor '{Name}' is {DType.Name()}; DeepSharp tensors hold F32 or I32.");
        }
    }

    /// <summary>Name, dtype and shape, e.g. "dense/kernel F32 (784, 128)"; never the data.</summary>
    public override string ToString() => $"{Name} {DType.Name()} {ShapeText}";

    internal static string FormatShape(IReadOnlyList<long> shape) =>
        shape.Count == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";

    private static void ReverseEachElement(byte[] bytes, int size)
    {
        for (int i = 0; i + size <= bytes.Length; i += size) Array.Reverse(bytes, i, size);
    }
}
