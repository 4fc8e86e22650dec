using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// Reorders axes (a copy): output axis k is input axis <paramref name="perm"/>[k], as NumPy's
    /// transpose. The gradient is the inverse permutation of the output's gradient.
    /// </summary>
    /// <exception cref="ShapeMismatchException"><paramref name="perm"/> is not a permutation of the axes of x.</exception>
    public static Tensor Permute(Tensor x, params int[] perm)
    {
        ArgumentNullException.ThrowIfNull(perm);
        int rank = x.Rank;
        var seen = new bool[rank];
        bool valid = perm.Length == rank;
        for (int k = 0; valid && k < rank; k++)
        {
            valid = (uint)perm[k] < (uint)rank && !seen[perm[k]];
            if (valid) seen[perm[k]] = true;
        }
        if (!valid) throw new ShapeMismatchException($"Permute of x {x.Shape} needs a permutation of 0..{rank - 1}; got ({string.Join(", ", perm)}).");
        var dims = new int[rank];
        for (int k = 0; k < rank; k++) dims[k] = x.Shape[perm[k]];
        var y = Tensor.Temp(new Shape(dims));
        PermuteKernel.Permute(x.Span, x.Shape.ToArray(), perm, y.Span);
        return OpNode.Needed(x) ? new PermuteNode(x, perm).Attach(y) : y;
    }

    /// <summary>The permutation that undoes <paramref name="perm"/>.</summary>
    public static int[] InversePermutation(ReadOnlySpan<int> perm)
    {
        var inverse = new int[perm.Length];
        for (int k = 0; k < perm.Length; k++) inverse[perm[k]] = k;
        return inverse;
    }

    private sealed class PermuteNode(Tensor x, int[] perm) : OpNode(x)
    {
        public override string Name => "Permute";

        public override void Backward(Tensor output, Tensor dy)
        {
            if (GradOf(0) is { } dx) PermuteKernel.Permute(dy.Span, output.Shape.ToArray(), InversePermutation(perm), dx.Span, accumulate: true);
        }
    }
}
