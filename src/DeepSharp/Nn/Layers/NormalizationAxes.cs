using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// The axes a normalisation layer works on, resolved against its input: Keras counts axes with the
/// batch axis (axis 1 is the first per-sample axis, −1 the last), and the batch axis itself cannot
/// be chosen. Axes other than the trailing ones are moved to the end by a permutation (a copy), so
/// the last-axis kernels do the work; <see cref="Permutation"/> is null when no move is needed.
/// </summary>
internal sealed class NormalizationAxes
{
    private NormalizationAxes(int[] axes, int[]? permutation, int size, Shape parameterShape)
    {
        Axes = axes;
        Permutation = permutation;
        Inverse = permutation is null ? null : Autograd.Ops.InversePermutation(permutation);
        Size = size;
        ParameterShape = parameterShape;
    }

    /// <summary>The axes, counted with the batch axis, in increasing order.</summary>
    public int[] Axes { get; }

    /// <summary>Moves the axes to the end, the other axes keeping their order (null when they are the trailing axes already).</summary>
    public int[]? Permutation { get; }

    /// <summary>Undoes <see cref="Permutation"/>.</summary>
    public int[]? Inverse { get; }

    /// <summary>Elements across the axes (the product of their sizes).</summary>
    public int Size { get; }

    /// <summary>The shape of per-axis weights: the sizes of the axes, in order.</summary>
    public Shape ParameterShape { get; }

    /// <summary>Whether the only axis is the last one (the kernels' own layout, no reshaping).</summary>
    public bool IsLastAxisOnly => Axes.Length == 1 && Permutation is null;

    /// <summary>Resolves <paramref name="axes"/> (Keras's, negative from the end) for a per-sample <paramref name="inputShape"/>.</summary>
    /// <exception cref="ShapeMismatchException">An axis is the batch axis, outside the input, or repeated.</exception>
    public static NormalizationAxes Resolve(IReadOnlyList<int> axes, Shape inputShape, Layer layer)
    {
        int rank = inputShape.Rank + 1; // with the batch axis
        var resolved = new int[axes.Count];
        for (int i = 0; i < axes.Count; i++)
        {
            int a = axes[i] < 0 ? axes[i] + rank : axes[i];
            if (a < 1 || a >= rank)
                throw new ShapeMismatchException($"Layer '{layer.Name}' ({layer.TypeName}): axis {axes[i]} is {(a == 0 ? "the batch axis" : "outside")} " +
                    $"inputs {inputShape.ToBatchString()}; choose one of 1..{rank - 1} or −1..−{rank - 1}.");
            resolved[i] = a;
        }
        Array.Sort(resolved);
        for (int i = 1; i < resolved.Length; i++)
            if (resolved[i] == resolved[i - 1])
                throw new ShapeMismatchException($"Layer '{layer.Name}' ({layer.TypeName}): axis {resolved[i]} is given twice for inputs {inputShape.ToBatchString()}.");

        bool trailing = resolved[^1] == rank - 1 && resolved[^1] - resolved[0] == resolved.Length - 1;
        int[]? permutation = null;
        if (!trailing)
        {
            permutation = new int[rank];
            int k = 0;
            for (int a = 0; a < rank; a++) if (Array.IndexOf(resolved, a) < 0) permutation[k++] = a;
            foreach (int a in resolved) permutation[k++] = a;
        }
        var dims = new int[resolved.Length];
        int size = 1;
        for (int i = 0; i < dims.Length; i++) size *= dims[i] = inputShape[resolved[i] - 1];
        return new NormalizationAxes(resolved, permutation, size, new Shape(dims));
    }
}
