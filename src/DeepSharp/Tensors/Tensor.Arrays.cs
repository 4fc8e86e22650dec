using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DeepSharp.Tensors;

/// <summary>Multi-dimensional .NET arrays in and out: each copies, row-major, shape for shape.</summary>
public sealed partial class Tensor
{
    /// <summary>A (rows, cols) float32 tensor holding a copy of <paramref name="data"/>.</summary>
    public static Tensor FromArray(float[,] data) => FromMultiArray(data);

    /// <summary>A (d0, d1, d2) float32 tensor holding a copy of <paramref name="data"/>.</summary>
    public static Tensor FromArray(float[,,] data) => FromMultiArray(data);

    /// <summary>A (d0, d1, d2, d3) float32 tensor holding a copy of <paramref name="data"/>.</summary>
    public static Tensor FromArray(float[,,,] data) => FromMultiArray(data);

    /// <summary>A copy of the elements of a rank-2 float32 tensor as <c>float[rows, cols]</c>.</summary>
    /// <exception cref="ShapeMismatchException">The tensor's rank is not 2.</exception>
    public float[,] ToArray2D() => (float[,])ToMultiArray(2);

    /// <summary>A copy of the elements of a rank-3 float32 tensor as <c>float[d0, d1, d2]</c>.</summary>
    /// <exception cref="ShapeMismatchException">The tensor's rank is not 3.</exception>
    public float[,,] ToArray3D() => (float[,,])ToMultiArray(3);

    /// <summary>A copy of the elements of a rank-4 float32 tensor as <c>float[d0, d1, d2, d3]</c>.</summary>
    /// <exception cref="ShapeMismatchException">The tensor's rank is not 4.</exception>
    public float[,,,] ToArray4D() => (float[,,,])ToMultiArray(4);

    /// <summary>
    /// A copy of the elements in a .NET array of the tensor's rank and shape (<c>float[,,…]</c>, or
    /// <c>int[,,…]</c> for an int32 tensor; a rank-0 tensor gives a one-element vector).
    /// </summary>
    public Array ToShapedArray()
    {
        bool isInt = DType == DType.Int32;
        Array array = Rank == 0
            ? (isInt ? new int[1] : new float[1])
            : Array.CreateInstanceFromArrayType(MultiArrayType(isInt ? typeof(int) : typeof(float)), Shape.ToArray());
        if (Size == 0) return array;
        ref byte start = ref MemoryMarshal.GetArrayDataReference(array);
        if (isInt) IntSpan.CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.As<byte, int>(ref start), Size));
        else Span.CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.As<byte, float>(ref start), Size));
        return array;
    }

    /// <summary>
    /// A float32 copy of an int32 tensor (class indices to arithmetic, e.g. in Where); a float32 tensor
    /// returns itself. Not recorded for autograd: integers carry no gradient.
    /// </summary>
    public Tensor ToFloat()
    {
        if (DType == DType.Float32) return this;
        var result = Temp(Shape);
        var src = IntSpan;
        var dst = result.Span;
        for (int i = 0; i < dst.Length; i++) dst[i] = src[i];
        return result;
    }

    /// <summary>
    /// <c>T[]</c> for rank 1 (a vector, not <c>T[*]</c>), <c>T[,]</c>, <c>T[,,]</c>… above. Without dynamic code
    /// (NativeAOT) only the array types compiled in exist: ranks 1 to <see cref="AotArrayRanks"/>.
    /// </summary>
    private Type MultiArrayType(Type element)
    {
        if (RuntimeFeature.IsDynamicCodeSupported) return Rank == 1 ? element.MakeArrayType() : element.MakeArrayType(Rank);
        return CompiledArrayType(element, Rank)
            ?? throw new NotSupportedException($"ToShapedArray: the {Shape} tensor needs a rank-{Rank} .NET array, which a NativeAOT program can make only up to rank {AotArrayRanks}; use ToArray() and the shape instead.");
    }

    /// <summary>The array type of <paramref name="element"/> (float or int) and <paramref name="rank"/> from the compiled-in list, or null above <see cref="AotArrayRanks"/>.</summary>
    internal static Type? CompiledArrayType(Type element, int rank) =>
        rank is >= 1 and <= AotArrayRanks ? (element == typeof(int) ? IntArrayTypes : FloatArrayTypes)[rank - 1] : null;

    internal const int AotArrayRanks = 8;
    private static readonly Type[] FloatArrayTypes = [typeof(float[]), typeof(float[,]), typeof(float[,,]), typeof(float[,,,]), typeof(float[,,,,]), typeof(float[,,,,,]), typeof(float[,,,,,,]), typeof(float[,,,,,,,])];
    private static readonly Type[] IntArrayTypes = [typeof(int[]), typeof(int[,]), typeof(int[,,]), typeof(int[,,,]), typeof(int[,,,,]), typeof(int[,,,,,]), typeof(int[,,,,,,]), typeof(int[,,,,,,,])];

    private Array ToMultiArray(int rank)
    {
        if (Rank != rank)
            throw new ShapeMismatchException($"ToArray{rank}D needs a rank-{rank} tensor; got {Shape}.");
        if (DType != DType.Float32)
            throw new InvalidOperationException($"ToArray{rank}D needs a Float32 tensor; this one holds {DType} (use ToShapedArray).");
        return ToShapedArray();
    }

    private static Tensor FromMultiArray(Array data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var dims = new int[data.Rank];
        for (int i = 0; i < dims.Length; i++) dims[i] = data.GetLength(i);
        var tensor = Empty(new Shape(dims));
        if (tensor.Size == 0) return tensor;
        ref byte start = ref MemoryMarshal.GetArrayDataReference(data);
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<byte, float>(ref start), tensor.Size).CopyTo(tensor.Span);
        return tensor;
    }
}
