namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Reorders the axes of a row-major array: output axis k is input axis perm[k], so
/// y[i₀, …, iₙ₋₁] = x at index i_k on axis perm[k]. The output is walked in order; an odometer of
/// output indices tracks the input offset, and the innermost output axis is one strided gather.
/// Used for normalisation over axes other than the last; the inverse permutation undoes it.
/// </summary>
internal static class PermuteKernel
{
    /// <summary>The most axes a permutation may have (its index tables live on the stack).</summary>
    public const int MaxRank = 64;

    /// <param name="x">Input, row-major with shape <paramref name="dims"/>.</param>
    /// <param name="dims">Input shape.</param>
    /// <param name="perm">A permutation of 0..rank−1.</param>
    /// <param name="y">Output, row-major with shape dims[perm[k]].</param>
    /// <param name="accumulate">Add into <paramref name="y"/> instead of overwriting it (for gradients).</param>
    public static void Permute(ReadOnlySpan<float> x, ReadOnlySpan<int> dims, ReadOnlySpan<int> perm, Span<float> y, bool accumulate = false)
    {
        int rank = dims.Length;
        if (perm.Length != rank) throw new ArgumentException($"Permutation of {perm.Length} axes for an array of rank {rank}.", nameof(perm));
        if (rank > MaxRank) throw new ArgumentException($"Permute handles at most {MaxRank} axes; got {rank}.", nameof(dims));
        // perm must name every axis once: a repeated or out-of-range axis would stride outside x.
        ulong seen = 0;
        foreach (int p in perm)
        {
            if ((uint)p >= (uint)rank || (seen & (1UL << p)) != 0)
                throw new ArgumentException($"[{string.Join(", ", perm.ToArray())}] is not a permutation of the {rank} axes.", nameof(perm));
            seen |= 1UL << p;
        }
        long size = 1;
        foreach (int d in dims)
        {
            if (d < 0) throw new ArgumentException($"Permute of an array with a negative dimension: [{string.Join(", ", dims.ToArray())}].", nameof(dims));
            size = Math.Min(size * d, (long)int.MaxValue + 1); // saturates: never wraps
        }
        if (x.Length < size || y.Length < size) throw new ArgumentException($"Permute of {size} elements got buffers of {x.Length} and {y.Length}.");
        if (size == 0) return;
        if (rank == 0) { y[0] = accumulate ? y[0] + x[0] : x[0]; return; }

        Span<int> inStride = stackalloc int[rank];
        Span<int> outDims = stackalloc int[rank];
        Span<int> stride = stackalloc int[rank];  // input stride of each output axis
        Span<int> index = stackalloc int[rank];
        inStride[rank - 1] = 1;
        for (int k = rank - 2; k >= 0; k--) inStride[k] = inStride[k + 1] * dims[k + 1];
        for (int k = 0; k < rank; k++) (outDims[k], stride[k]) = (dims[perm[k]], inStride[perm[k]]);
        index.Clear();

        int inner = outDims[rank - 1], innerStride = stride[rank - 1];
        int offset = 0;
        for (long o = 0; o < size; o += inner)
        {
            var row = y.Slice((int)o, inner);
            if (accumulate) for (int j = 0, s = offset; j < inner; j++, s += innerStride) row[j] += x[s];
            else for (int j = 0, s = offset; j < inner; j++, s += innerStride) row[j] = x[s];
            // Advance the odometer over the outer output axes.
            for (int k = rank - 2; k >= 0; k--)
            {
                offset += stride[k];
                if (++index[k] < outDims[k]) break;
                offset -= stride[k] * outDims[k];
                index[k] = 0;
            }
        }
    }
}
