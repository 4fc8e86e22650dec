namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="PermuteKernel"/>: for every output position, its multi-index
/// (i₀, …, iₙ₋₁) over the output shape dims[perm[k]] reads the input element whose index on axis
/// perm[k] is i_k. Written out index by index; accumulate adds instead of writing.
/// </summary>
internal static class NaivePermute
{
    public static void Permute(ReadOnlySpan<float> x, ReadOnlySpan<int> dims, ReadOnlySpan<int> perm, Span<float> y, bool accumulate = false)
    {
        int rank = dims.Length;
        long size = 1;
        foreach (int d in dims) size *= d;
        var outDims = new int[rank];
        for (int k = 0; k < rank; k++) outDims[k] = dims[perm[k]];
        var index = new int[rank];
        var source = new int[rank];
        for (long o = 0; o < size; o++)
        {
            // The output multi-index of o, then the input index on each axis.
            long rest = o;
            for (int k = rank - 1; k >= 0; k--) { index[k] = (int)(rest % outDims[k]); rest /= outDims[k]; }
            for (int k = 0; k < rank; k++) source[perm[k]] = index[k];
            long offset = 0;
            for (int a = 0; a < rank; a++) offset = offset * dims[a] + source[a];
            y[(int)o] = accumulate ? y[(int)o] + x[(int)offset] : x[(int)offset];
        }
    }
}
