using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

/// <summary>
/// How a reduction over some axes of a shape runs: as (outer, n, inner) when the reduced axes form
/// one contiguous block, else after a permutation that moves them to the end (inner = 1).
/// </summary>
internal sealed class ReductionPlan
{
    private ReductionPlan(Shape source, Shape output, int outer, int n, int inner, int[]? permutation)
    {
        (Source, Output, Outer, N, Inner, Permutation) = (source, output, outer, n, inner, permutation);
    }

    /// <summary>The shape reduced.</summary>
    public Shape Source { get; }
    /// <summary>The result's shape (with size-1 axes where keepDims asked for them).</summary>
    public Shape Output { get; }
    /// <summary>Elements of the kept axes before the reduced block.</summary>
    public int Outer { get; }
    /// <summary>Elements of the reduced block.</summary>
    public int N { get; }
    /// <summary>Elements of the kept axes after the reduced block.</summary>
    public int Inner { get; }
    /// <summary>Whether the reduced axes are one block (no permutation needed).</summary>
    public bool Contiguous => Permutation is null;
    /// <summary>Kept axes then reduced axes, when they are not one block.</summary>
    public int[]? Permutation { get; }

    /// <summary>Normalises <paramref name="axes"/> (null: all; negative from the end) against <paramref name="shape"/>.</summary>
    /// <exception cref="ShapeMismatchException">An axis is outside the shape or named twice.</exception>
    public static ReductionPlan Of(Shape shape, int[]? axes, bool keepDims, string op)
    {
        int rank = shape.Rank;
        var reduced = new bool[rank];
        if (axes is null) Array.Fill(reduced, true);
        else
            foreach (int axis in axes)
            {
                int a = axis < 0 ? axis + rank : axis;
                if ((uint)a >= (uint)rank)
                    throw new ShapeMismatchException($"{op}: axis {axis} is outside a tensor of shape {shape}.");
                if (reduced[a]) throw new ShapeMismatchException($"{op}: axis {axis} of {shape} is named twice.");
                reduced[a] = true;
            }
        int first = Array.IndexOf(reduced, true), last = Array.LastIndexOf(reduced, true);
        bool contiguous = true;
        for (int a = first; first >= 0 && a <= last; a++) contiguous &= reduced[a];
        var output = new List<int>(rank);
        int outer = 1, n = 1, inner = 1;
        for (int a = 0; a < rank; a++)
        {
            if (reduced[a]) { n *= shape[a]; if (keepDims) output.Add(1); continue; }
            output.Add(shape[a]);
            if (contiguous && a > last && first >= 0) inner *= shape[a];
            else outer *= shape[a];
        }
        int[]? permutation = null;
        if (!contiguous)
        {
            permutation = new int[rank];
            int k = 0;
            for (int a = 0; a < rank; a++) if (!reduced[a]) permutation[k++] = a;
            for (int a = 0; a < rank; a++) if (reduced[a]) permutation[k++] = a;
        }
        return new ReductionPlan(shape, new Shape([.. output]), outer, n, inner, permutation);
    }
}
