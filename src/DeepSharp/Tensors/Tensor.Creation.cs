namespace DeepSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>A scope that returns the temporaries created inside it to the buffer pool.</summary>
    public static TensorScope Scope() => ScopeFrame.Open();

    /// <summary>A float32 tensor of zeros (torch.zeros). Like every public factory, it is never returned to the pool by a scope.</summary>
    public static Tensor Zeros(params ReadOnlySpan<int> shape) => Zeros(new Shape(shape));
    /// <summary>A float32 tensor of zeros of <paramref name="shape"/>.</summary>
    public static Tensor Zeros(Shape shape) => new(new CpuStorage<float>(shape.Size, clear: true), shape);
    /// <summary>A float32 tensor of ones (torch.ones).</summary>
    public static Tensor Ones(params ReadOnlySpan<int> shape) => Full(new Shape(shape), 1f);
    /// <summary>A float32 tensor of ones of <paramref name="shape"/>, as <see cref="Zeros(Shape)"/>.</summary>
    public static Tensor Ones(Shape shape) => Full(shape, 1f);
    /// <summary>A float32 tensor with every element set to <paramref name="value"/> (torch.full).</summary>
    public static Tensor Full(Shape shape, float value)
    {
        var t = Empty(shape);
        t.Span.Fill(value);
        return t;
    }

    /// <summary>A float32 tensor of <paramref name="shape"/> filled with <paramref name="value"/>: <c>Tensor.Full([2, 2], 0.5f)</c>, as torch.full((2, 2), 0.5).</summary>
    public static Tensor Full(int[] shape, float value) => Full(new Shape(shape), value);

    /// <summary>A tensor whose elements are not initialised.</summary>
    public static Tensor Empty(Shape shape) => new(new CpuStorage<float>(shape.Size, clear: false), shape);

    /// <summary>A rank-0 float32 tensor holding <paramref name="value"/>; it broadcasts against any shape.</summary>
    public static Tensor Scalar(float value) => Wrap([value], Shape.Scalar);

    /// <summary>A float32 tensor holding a copy of <paramref name="data"/> (row-major); later writes to the array do not show in the tensor.</summary>
    /// <exception cref="ShapeMismatchException">The array's length is not the shape's element count.</exception>
    public static Tensor FromArray(float[] data, params int[] shape) => FromArray(data, new Shape(shape));

    /// <summary>A float32 tensor of <paramref name="shape"/> holding a copy of <paramref name="data"/> (row-major).</summary>
    /// <exception cref="ShapeMismatchException">The array's length is not the shape's element count.</exception>
    public static Tensor FromArray(float[] data, Shape shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Wrap((float[])data.Clone(), shape);
    }

    /// <summary>An int32 tensor (labels, indices) holding a copy of <paramref name="data"/>.</summary>
    /// <exception cref="ShapeMismatchException">The array's length is not the shape's element count.</exception>
    public static Tensor FromArray(int[] data, params int[] shape) => FromArray(data, new Shape(shape));

    /// <summary>An int32 tensor of <paramref name="shape"/> holding a copy of <paramref name="data"/> (row-major).</summary>
    /// <exception cref="ShapeMismatchException">The array's length is not the shape's element count.</exception>
    public static Tensor FromArray(int[] data, Shape shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Wrap((int[])data.Clone(), shape);
    }

    /// <summary>
    /// A float32 tensor that takes ownership of <paramref name="data"/> (no copy): the tensor's
    /// elements are the array's, so later writes to either show in both. For data the caller
    /// made for this tensor and will not touch again; <see cref="FromArray(float[], int[])"/> copies.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The array's length is not the shape's element count.</exception>
    public static Tensor Wrap(float[] data, params int[] shape) => Wrap(data, new Shape(shape));

    /// <summary>A float32 tensor of <paramref name="shape"/> over <paramref name="data"/> (takes ownership, no copy).</summary>
    /// <exception cref="ShapeMismatchException">The array's length is not the shape's element count.</exception>
    public static Tensor Wrap(float[] data, Shape shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length != shape.Size)
            throw new ShapeMismatchException($"{data.Length} values cannot fill shape {shape} ({shape.Size} elements).");
        return new Tensor(new CpuStorage<float>(data), shape);
    }

    /// <summary>An int32 tensor that takes ownership of <paramref name="data"/> (no copy), as <see cref="Wrap(float[], int[])"/>.</summary>
    /// <exception cref="ShapeMismatchException">The array's length is not the shape's element count.</exception>
    public static Tensor Wrap(int[] data, params int[] shape) => Wrap(data, new Shape(shape));

    /// <summary>An int32 tensor of <paramref name="shape"/> over <paramref name="data"/> (takes ownership, no copy).</summary>
    /// <exception cref="ShapeMismatchException">The array's length is not the shape's element count.</exception>
    public static Tensor Wrap(int[] data, Shape shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length != shape.Size)
            throw new ShapeMismatchException($"{data.Length} values cannot fill shape {shape} ({shape.Size} elements).");
        return new Tensor(new CpuStorage<int>(data), shape);
    }

    /// <summary>An int32 tensor of zeros.</summary>
    public static Tensor IntZeros(Shape shape) => new(new CpuStorage<int>(shape.Size, clear: true), shape);

    /// <summary>Normal(mean, std) samples from <paramref name="generator"/> (the global one by default).</summary>
    public static Tensor RandomNormal(Shape shape, float mean = 0f, float std = 1f, RandomGenerator? generator = null)
    {
        var t = Empty(shape);
        (generator ?? RandomGenerator.Global).FillNormal(t.Span, mean, std);
        return t;
    }

    /// <summary>Normal(mean, std) samples of <paramref name="shape"/>: <c>Tensor.RandomNormal([4, 3])</c>, as torch.randn(4, 3).</summary>
    public static Tensor RandomNormal(int[] shape, float mean = 0f, float std = 1f, RandomGenerator? generator = null) =>
        RandomNormal(new Shape(shape), mean, std, generator);

    /// <summary>Uniform [min, max) samples of <paramref name="shape"/>: <c>Tensor.RandomUniform([4, 3])</c>, as torch.rand(4, 3).</summary>
    public static Tensor RandomUniform(int[] shape, float min = 0f, float max = 1f, RandomGenerator? generator = null) =>
        RandomUniform(new Shape(shape), min, max, generator);

    /// <summary>Uniform [min, max) samples from <paramref name="generator"/> (the global one by default).</summary>
    public static Tensor RandomUniform(Shape shape, float min = 0f, float max = 1f, RandomGenerator? generator = null)
    {
        var t = Empty(shape);
        (generator ?? RandomGenerator.Global).FillUniform(t.Span, min, max);
        return t;
    }

    /// <summary>
    /// A float32 temporary for op outputs: from the pool and registered with the current
    /// <see cref="TensorScope"/> when one is active, else an ordinary allocation.
    /// </summary>
    internal static Tensor Temp(Shape shape, bool clear = false)
    {
        var scope = ScopeFrame.Current;
        if (scope is null)
            return new Tensor(new CpuStorage<float>(shape.Size, clear), shape);
        var tensor = TempPool.RentFloat(shape, clear);
        scope.Register(tensor);
        return tensor;
    }

    /// <summary>An int32 temporary, as <see cref="Temp"/>.</summary>
    internal static Tensor IntTemp(Shape shape)
    {
        var scope = ScopeFrame.Current;
        if (scope is null)
            return new Tensor(new CpuStorage<int>(shape.Size, clear: false), shape);
        var tensor = TempPool.RentInt(shape, clear: false);
        scope.Register(tensor);
        return tensor;
    }

    /// <summary>
    /// A view of this tensor's memory in <paramref name="shape"/> for op outputs: a pooled tensor
    /// object registered with the current scope when one is active, else an ordinary view.
    /// </summary>
    internal Tensor TempView(Shape shape)
    {
        if (shape.Size != Size)
            throw new ShapeMismatchException($"Cannot view {Shape} ({Size} elements) as {shape}.");
        var scope = ScopeFrame.Current;
        if (scope is null) return new Tensor(Storage, shape, _offset);
        var view = TempPool.RentView(Storage, shape, _offset);
        scope.Register(view);
        return view;
    }

    /// <summary>A float32 temporary shaped like this tensor.</summary>
    internal Tensor TempLike(bool clear = false) => Temp(Shape, clear);

    /// <summary>A copy with its own storage, detached from any graph.</summary>
    public Tensor Clone()
    {
        if (DType == DType.Int32)
        {
            var ti = IntZeros(Shape);
            IntSpan.CopyTo(ti.IntSpan);
            return ti;
        }
        var t = Empty(Shape);
        Span.CopyTo(t.Span);
        return t;
    }
}
