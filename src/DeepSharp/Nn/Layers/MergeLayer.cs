using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Base of the layers that combine several inputs (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot). Call them with a
/// list: <c>new Add().Call([a, b])</c>, or on symbolic tensors <c>new Add().Call(a, b)</c>.
/// </summary>
public abstract class MergeLayer(string? name) : Layer(name, null)
{
    /// <summary>Combines the inputs (at least two, validated by <see cref="ComputeOutputShape(IReadOnlyList{Shape})"/>).</summary>
    protected abstract Tensor Merge(IReadOnlyList<Tensor> inputs);

    /// <summary>The merged per-sample shape, or a shape error naming the layer.</summary>
    protected abstract Shape MergedShape(IReadOnlyList<Shape> inputShapes);

    /// <summary>Merges batches of the inputs, building the layer on the first call.</summary>
    /// <exception cref="ArgumentException">There are fewer than two inputs.</exception>
    /// <exception cref="ShapeMismatchException">The per-sample shapes do not merge, or the batch sizes differ.</exception>
    public override Tensor Call(IReadOnlyList<Tensor> inputs, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var shapes = new Shape[inputs.Count];
        for (int i = 0; i < shapes.Length; i++)
        {
            if (inputs[i].Rank == 0) throw new ShapeMismatchException($"Layer '{Name}' needs batches of inputs, got a scalar.");
            shapes[i] = inputs[i].Shape.WithoutBatch();
        }
        Build(shapes);
        for (int i = 1; i < inputs.Count; i++)
            if (inputs[i].Shape[0] != inputs[0].Shape[0])
                throw new ShapeMismatchException($"Layer '{Name}' ({TypeName}) got batches of {inputs[0].Shape[0]} and {inputs[i].Shape[0]} samples.");
        return Merge(inputs);
    }

    /// <summary>
    /// The output's mask for the inputs' masks, Keras's rule for elementwise merges: a step is kept
    /// where every input that has a mask keeps it (logical AND); null when none has one.
    /// </summary>
    public override Tensor? ComputeMask(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks)
    {
        ArgumentNullException.ThrowIfNull(masks);
        return MergeMasks.And(this, masks);
    }

    /// <inheritdoc/>
    public override void Build(IReadOnlyList<Shape> inputShapes)
    {
        ComputeOutputShape(inputShapes);
        if (!IsBuilt) Build(inputShapes[0]);
    }

    /// <summary>The merged per-sample shape.</summary>
    /// <exception cref="ArgumentException">There are fewer than two inputs.</exception>
    /// <exception cref="ShapeMismatchException">The shapes do not merge.</exception>
    public override Shape ComputeOutputShape(IReadOnlyList<Shape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        if (inputShapes.Count < 2)
            throw new ArgumentException($"Layer '{Name}' ({TypeName}) merges a list of at least 2 inputs; got {inputShapes.Count}.", nameof(inputShapes));
        return MergedShape(inputShapes);
    }

    /// <summary>Not available: a merge layer needs a list of shapes. Always throws.</summary>
    /// <exception cref="ArgumentException">Always.</exception>
    public override Shape ComputeOutputShape(Shape inputShape) =>
        throw new ArgumentException($"Layer '{Name}' ({TypeName}) merges a list of inputs; call it with several.");

    /// <summary>Not available: a merge layer needs a list of inputs. Always throws.</summary>
    /// <exception cref="ArgumentException">Always.</exception>
    protected override Tensor Forward(Tensor x, bool training) =>
        throw new ArgumentException($"Layer '{Name}' ({TypeName}) merges a list of inputs; call it with several.");

    /// <summary>Shape rule of the elementwise merges: all shapes equal.</summary>
    protected Shape SameShapes(IReadOnlyList<Shape> shapes)
    {
        foreach (var s in shapes)
            if (s != shapes[0])
                throw new ShapeMismatchException($"Layer '{Name}' ({TypeName}) needs inputs of one shape; got {string.Join(" and ", shapes.Select(x => x.ToBatchString()))}.");
        return shapes[0];
    }
    /// <summary>
    /// Shape rule of Keras's broadcasting merges (Add, Subtract, Multiply, Average, Maximum, Minimum): per-sample shapes
    /// aligned from their last axis, a size-1 axis stretching to the other's size, a shorter shape
    /// filled with 1s after the batch axis.
    /// </summary>
    protected Shape BroadcastShapes(IReadOnlyList<Shape> shapes)
    {
        var merged = shapes[0];
        foreach (var s in shapes)
        {
            int rank = Math.Max(merged.Rank, s.Rank);
            var dims = new int[rank];
            for (int i = 0; i < rank; i++)
            {
                int a = i < rank - merged.Rank ? 1 : merged[i - (rank - merged.Rank)];
                int b = i < rank - s.Rank ? 1 : s[i - (rank - s.Rank)];
                if (a != b && a != 1 && b != 1)
                    throw new ShapeMismatchException($"Layer '{Name}' ({TypeName}) needs inputs whose shapes broadcast (each axis, counted from the last, equal or 1); got {string.Join(" and ", shapes.Select(x => x.ToBatchString()))}.");
                dims[i] = a == 1 ? b : a;
            }
            merged = new Shape(dims);
        }
        return merged;
    }

    /// <summary>
    /// The inputs with equal ranks, as Keras aligns them: a lower-rank input gets size-1 axes after the
    /// batch axis (a free view), so that NumPy broadcasting of the batched tensors follows
    /// <see cref="BroadcastShapes"/>.
    /// </summary>
    protected static IReadOnlyList<Tensor> AlignRanks(IReadOnlyList<Tensor> inputs)
    {
        int rank = inputs.Max(x => x.Rank);
        if (inputs.All(x => x.Rank == rank)) return inputs;
        var aligned = new Tensor[inputs.Count];
        for (int i = 0; i < aligned.Length; i++)
        {
            var x = inputs[i];
            if (x.Rank == rank) { aligned[i] = x; continue; }
            var dims = new int[rank];
            dims.AsSpan().Fill(1);
            dims[0] = x.Shape[0];
            for (int a = 1; a < x.Rank; a++) dims[rank - x.Rank + a] = x.Shape[a];
            aligned[i] = Ops.Reshape(x, new Shape(dims));
        }
        return aligned;
    }
}
