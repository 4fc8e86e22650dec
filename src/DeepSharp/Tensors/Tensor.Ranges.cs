namespace DeepSharp.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// [0, 1, …] up to but excluding <paramref name="stop"/>, float32 (Keras's <c>ops.arange(stop)</c>, torch.arange).
    /// For int32 give the start too: <c>Arange(0, stop, dtype: DType.Int32)</c> (a dtype here would take
    /// <c>Arange(5, 0)</c>'s 0 for one).
    /// </summary>
    public static Tensor Arange(float stop) => Arange(0f, stop, 1f, DType.Float32);

    /// <summary>
    /// start, start + step, … while below <paramref name="stop"/> (above it for a negative step), float32 unless
    /// <paramref name="dtype"/> says Int32 (Keras and PyTorch infer an integer type from integer arguments):
    /// ⌈(stop − start)/step⌉ elements, none when that is not positive. Element i is start + i·step,
    /// computed in double and rounded once.
    /// </summary>
    /// <exception cref="ArgumentException">step is 0, an argument is not finite, or an Int32 range has a fractional argument.</exception>
    public static Tensor Arange(float start, float stop, float step = 1f, DType dtype = DType.Float32)
    {
        if (!float.IsFinite(start) || !float.IsFinite(stop) || !float.IsFinite(step))
            throw new ArgumentException($"Arange({start}, {stop}, {step}): start, stop and step must be finite.");
        if (step == 0f) throw new ArgumentException($"Arange({start}, {stop}, {step}): step must not be 0.", nameof(step));
        double span = Math.Ceiling(((double)stop - start) / step);
        if (span > Array.MaxLength) throw new ArgumentException($"Arange({start}, {stop}, {step}) would hold {span} elements.");
        int count = span > 0 ? (int)span : 0;
        switch (dtype)
        {
            case DType.Float32:
                {
                    var values = new float[count];
                    for (int i = 0; i < values.Length; i++) values[i] = (float)(start + (double)i * step);
                    return Wrap(values, count);
                }
            case DType.Int32:
                {
                    if (start != MathF.Round(start) || step != MathF.Round(step))
                        throw new ArgumentException($"Arange({start}, {stop}, {step}) as Int32 needs whole start and step.");
                    var values = new int[count];
                    for (int i = 0; i < values.Length; i++) values[i] = checked((int)((long)start + (long)i * (long)step));
                    return Wrap(values, count);
                }
            default:
                throw new ArgumentException($"Arange: dtype {dtype} is not supported (Float32 or Int32).", nameof(dtype));
        }
    }

    /// <summary>
    /// <paramref name="num"/> evenly spaced float32 values from <paramref name="start"/> to <paramref name="stop"/>
    /// (Keras's <c>ops.linspace</c>, torch.linspace, NumPy's default of 50 values): with
    /// <paramref name="endpoint"/> the last is stop exactly; without it, stop is left out and the step is (stop − start)/num.
    /// </summary>
    /// <exception cref="ArgumentException">num is negative or an end is not finite.</exception>
    public static Tensor Linspace(float start, float stop, int num = 50, bool endpoint = true)
    {
        if (num < 0) throw new ArgumentException($"Linspace: num must be >= 0, got {num}.", nameof(num));
        if (!float.IsFinite(start) || !float.IsFinite(stop))
            throw new ArgumentException($"Linspace({start}, {stop}): start and stop must be finite.");
        var values = new float[num];
        int divisions = endpoint ? num - 1 : num;
        double step = divisions > 0 ? ((double)stop - start) / divisions : 0;
        for (int i = 0; i < num; i++) values[i] = (float)(start + i * step);
        if (endpoint && num > 1) values[num - 1] = stop;
        return Wrap(values, num);
    }

    /// <summary>
    /// A float32 (<paramref name="rows"/>, <paramref name="columns"/>) matrix with ones on diagonal <paramref name="k"/>
    /// (0 the main one, positive above it, negative below) and zeros elsewhere (Keras's <c>ops.eye(N, M, k)</c>, torch.eye).
    /// </summary>
    /// <exception cref="ArgumentException">A size is negative.</exception>
    public static Tensor Eye(int rows, int? columns = null, int k = 0)
    {
        int cols = columns ?? rows;
        if (rows < 0 || cols < 0) throw new ArgumentException($"Eye: sizes must be >= 0, got ({rows}, {cols}).");
        var t = Zeros(rows, cols);
        var span = t.Span;
        for (int r = 0; r < rows; r++)
        {
            int c = r + k;
            if (c >= 0 && c < cols) span[r * cols + c] = 1f;
        }
        return t;
    }

    /// <summary>Zeros of <paramref name="x"/>'s shape and dtype (Keras's <c>ops.zeros_like</c>, torch.zeros_like).</summary>
    public static Tensor ZerosLike(Tensor x) => FullLike(x, 0f);

    /// <summary>Ones of <paramref name="x"/>'s shape and dtype (Keras's <c>ops.ones_like</c>, torch.ones_like).</summary>
    public static Tensor OnesLike(Tensor x) => FullLike(x, 1f);

    /// <summary>
    /// <paramref name="value"/> in every element, with <paramref name="x"/>'s shape and dtype (Keras's <c>ops.full_like</c>);
    /// for an Int32 tensor the value must be a whole number.
    /// </summary>
    public static Tensor FullLike(Tensor x, float value)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.DType == DType.Float32) return Full(x.Shape, value);
        if (x.DType != DType.Int32 || value != MathF.Round(value) || !float.IsFinite(value))
            throw new ArgumentException($"FullLike: cannot fill a {x.DType} tensor {x.Shape} with {value}.", nameof(value));
        var values = new int[x.Size];
        Array.Fill(values, (int)value);
        return Wrap(values, x.Shape);
    }
}
