namespace DeepSharp.Tensors;

/// <summary>
/// An n-dimensional array of float32 (or int32 for labels) in contiguous row-major storage.
/// Reshape and batch slices are free views of the same storage; everything else copies.
/// Gradient fields (<see cref="RequiresGrad"/>, <see cref="Grad"/>, <see cref="GradFn"/>) are
/// filled by DeepSharp.Autograd.
/// </summary>
public sealed partial class Tensor
{
    private int _offset;

    internal Tensor(TensorStorage storage, Shape shape, int offset = 0)
    {
        CheckView(storage, shape, offset);
        Storage = storage;
        Shape = shape;
        _offset = offset;
    }

    /// <summary>Axis sizes, outermost (usually the batch) first.</summary>
    public Shape Shape { get; private set; }
    /// <summary>Element type: <see cref="DType.Float32"/> (use <see cref="Span"/>) or <see cref="DType.Int32"/> (use <see cref="IntSpan"/>).</summary>
    public DType DType => Storage.DType;
    /// <summary>Number of axes (0 for a scalar).</summary>
    public int Rank => Shape.Rank;
    /// <summary>Number of elements (torch's numel).</summary>
    public int Size => Shape.Size;
    /// <summary>
    /// The memory this tensor views. Views (Reshape, batch slices) share their source's storage, which
    /// may be longer than <see cref="Size"/>; read elements through <see cref="Span"/> or <see cref="IntSpan"/>.
    /// </summary>
    public TensorStorage Storage { get; private set; }

    /// <summary>How the memory of this tensor object is managed (see <see cref="TempPool"/>).</summary>
    internal TensorKind Kind { get; private set; }

    /// <summary>The mark of the last Backward that visited this tensor (Backprop's topological sort).</summary>
    internal int VisitMark { get; set; }

    private static void CheckView(TensorStorage storage, Shape shape, int offset)
    {
        if (offset < 0 || (long)offset + shape.Size > storage.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"View {shape} at offset {offset} exceeds storage of {storage.Length} elements.");
    }

    /// <summary>Points this pooled tensor object at new memory (TempPool only).</summary>
    internal void Reuse(TensorStorage storage, Shape shape, int offset, TensorKind kind)
    {
        CheckView(storage, shape, offset);
        (Storage, Shape, _offset, Kind) = (storage, shape, offset, kind);
        (RequiresGrad, Grad, GradFn, VisitMark, GraphReleased) = (false, null, null, 0, false);
    }

    /// <summary>
    /// Points this tensor at other memory that holds its values (data-parallel training's weights kept in
    /// shared memory, and back), keeping its shape and gradient fields.
    /// </summary>
    internal void MoveTo(TensorStorage storage, int offset)
    {
        CheckView(storage, Shape, offset);
        (Storage, _offset) = (storage, offset);
    }

    /// <summary>Drops the graph references of a tensor going back to the pool.</summary>
    internal void Forget() => (RequiresGrad, Grad, GradFn, GraphReleased) = (false, null, null, false);

    /// <summary>Marks a pooled tensor as one the pool no longer owns (kept past every scope).</summary>
    internal void Unpool() => Kind = TensorKind.Ordinary;

    /// <summary>Whether gradients flow into this tensor during Backward.</summary>
    public bool RequiresGrad { get; set; }

    /// <summary>∂L/∂this after Backward (accumulated); null before.</summary>
    public Tensor? Grad { get; set; }

    /// <summary>The backward rule of the op that produced this tensor; null for leaves.</summary>
    public IGradFunction? GradFn { get; set; }

    /// <summary>
    /// Set on an op's result when a Backward went through it without <c>retainGraph</c>: a second
    /// Backward through the same graph is refused (PyTorch's "backward through the graph a second time").
    /// </summary>
    internal bool GraphReleased { get; set; }

    /// <summary>A leaf is a tensor no recorded op produced (inputs and parameters).</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>The float32 elements (row-major).</summary>
    public Span<float> Span => Storage is CpuStorage<float> s
        ? s.Span.Slice(_offset, Size)
        : throw new InvalidOperationException($"Tensor {Shape} holds {DType}, not Float32.");

    /// <summary>The float32 elements to read, without moving the storage's version (see <see cref="CpuStorage{T}.ReadOnlySpan"/>).</summary>
    internal ReadOnlySpan<float> ReadOnlySpan => Storage is CpuStorage<float> s
        ? s.ReadOnlySpan.Slice(_offset, Size)
        : throw new InvalidOperationException($"Tensor {Shape} holds {DType}, not Float32.");

    /// <summary>The int32 elements (row-major).</summary>
    public Span<int> IntSpan => Storage is CpuStorage<int> s
        ? s.Span.Slice(_offset, Size)
        : throw new InvalidOperationException($"Tensor {Shape} holds {DType}, not Int32.");

    /// <summary>A copy of the float32 elements.</summary>
    public float[] ToArray() => Span.ToArray();

    /// <summary>A copy of the int32 elements.</summary>
    public int[] ToIntArray() => IntSpan.ToArray();

    /// <summary>The value of a one-element tensor.</summary>
    public float Item() => Size == 1
        ? DType == DType.Int32 ? IntSpan[0] : Span[0]
        : throw new InvalidOperationException($"Item() needs a one-element tensor, not {Shape}.");

    /// <summary>The element at the given indices, a negative one counting from the end of its axis (slow; for inspection and tests).</summary>
    [System.Runtime.CompilerServices.IndexerName("Element")]
    public float this[params int[] indices]
    {
        get
        {
            if (indices.Length != Rank)
                throw new ArgumentException(indices.Length < Rank
                    ? $"Tensor {Shape} needs {Rank} indices, got {indices.Length}: the indexer reads one element; for a row or a sub-tensor use Select(index), Select(axis, index), Slice(ranges) or Slice(axis, range) (using DeepSharp.Autograd)."
                    : $"Tensor {Shape} needs {Rank} indices, got {indices.Length}.");
            int flat = 0;
            for (int i = 0; i < Rank; i++)
            {
                int index = indices[i] < 0 ? indices[i] + Shape[i] : indices[i];
                if ((uint)index >= (uint)Shape[i])
                    throw new ArgumentOutOfRangeException(nameof(indices), indices[i], $"Index {indices[i]} is out of range for axis {i} of a tensor of shape {Shape}.");
                flat = flat * Shape[i] + index;
            }
            return DType == DType.Int32 ? IntSpan[flat] : Span[flat];
        }
    }

    /// <summary>Shape, element type and whether it requires gradients, e.g. "Tensor(32, 10) Float32 requires_grad"; never the values.</summary>
    public override string ToString() => $"Tensor{Shape} {DType}{(RequiresGrad ? " requires_grad" : "")}";
}
