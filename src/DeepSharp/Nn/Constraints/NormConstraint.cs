using System.Buffers;
using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Constraints;

/// <summary>
/// The norm constraints (<see cref="MaxNorm"/>, <see cref="UnitNorm"/>, <see cref="MinMaxNorm"/>):
/// the weight is cut into slices along <see cref="Axes"/> — for a Dense kernel (in, out) and axis 0,
/// one slice per unit, its incoming weights; for a Conv2D kernel use axes [0, 1, 2] — and each
/// slice's elements w become <see cref="Project"/>(w, ‖slice‖₂). The norm is Keras's: the sum of
/// squares (accumulated in double, rounded to float) and its square root in float32.
/// </summary>
public abstract class NormConstraint : Constraint
{
    /// <summary>Keras's <c>backend.epsilon()</c>, added to norms before dividing.</summary>
    protected const float Epsilon = 1e-7f;

    /// <param name="axes">The axes each norm runs over (negative counts from the end); at least one.</param>
    private protected NormConstraint(int[] axes)
    {
        ArgumentNullException.ThrowIfNull(axes);
        if (axes.Length == 0) throw new ArgumentException("A norm constraint needs at least one axis.", nameof(axes));
        _axes = [.. axes];
    }

    private readonly int[] _axes;

    /// <summary>The axes each norm runs over, as given (negative counts from the end).</summary>
    public IReadOnlyList<int> Axes => _axes;

    /// <summary>The new value of an element of a slice whose norm is <paramref name="norm"/>.</summary>
    protected abstract float Project(float w, float norm);

    /// <inheritdoc/>
    public override void Check(Shape shape, string weightPath)
    {
        foreach (int a in _axes)
            if (a < -shape.Rank || a >= shape.Rank)
                throw new DeepSharpException($"{ClassName} on weight '{weightPath}' {shape}: axis {a} is out of range for rank {shape.Rank}.");
    }

    /// <inheritdoc/>
    public override void Apply(Tensor weight)
    {
        var shape = weight.Shape;
        Check(shape, "the weight");
        int rank = shape.Rank;
        Span<bool> reduced = stackalloc bool[Math.Max(rank, 1)];
        foreach (int a in _axes) reduced[a < 0 ? a + rank : a] = true;
        // Each element's slice is its index along the axes that are not reduced (row-major among them).
        Span<int> keyStride = stackalloc int[Math.Max(rank, 1)];
        int slices = 1;
        for (int a = rank - 1; a >= 0; a--)
        {
            keyStride[a] = reduced[a] ? 0 : slices;
            if (!reduced[a]) slices *= shape[a];
        }
        Span<int> index = stackalloc int[Math.Max(rank, 1)];
        var sums = ArrayPool<double>.Shared.Rent(slices);
        try
        {
            Array.Clear(sums, 0, slices);
            var w = weight.Span;
            int key = 0;
            for (int i = 0; i < w.Length; i++, Advance(shape, keyStride, index, ref key)) sums[key] += (double)w[i] * w[i];
            index.Clear();
            key = 0;
            for (int i = 0; i < w.Length; i++, Advance(shape, keyStride, index, ref key)) w[i] = Project(w[i], MathF.Sqrt((float)sums[key]));
        }
        finally
        {
            ArrayPool<double>.Shared.Return(sums);
        }
    }

    /// <summary>Moves a row-major odometer one element on and keeps <paramref name="key"/>, the element's slice, in step.</summary>
    private static void Advance(Shape shape, ReadOnlySpan<int> keyStride, Span<int> index, ref int key)
    {
        for (int a = shape.Rank - 1; a >= 0; a--)
        {
            key += keyStride[a];
            if (++index[a] < shape[a]) return;
            key -= keyStride[a] * shape[a];
            index[a] = 0;
        }
    }

    /// <summary>Keras writes one axis as an integer, several as a list.</summary>
    private protected JsonNode AxisJson() => _axes.Length == 1 ? JsonValue.Create(_axes[0]) : new JsonArray([.. _axes.Select(a => (JsonNode?)JsonValue.Create(a))]);
}
