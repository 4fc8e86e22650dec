using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// The kernel of an <see cref="EinsumDense"/> as its matrix product reads it, (contracted, kernel-only),
/// kept between inference calls instead of permuted and reshaped again on every one.
/// </summary>
/// <remarks>
/// Implementation notes. Where the equation's kernel letters are already in (contracted…, kernel-only…)
/// order the prepared kernel is a view of the weight's own storage, always current; it is kept so that
/// the product sees the same tensor every call, which lets <see cref="Autograd.PackedWeightCache"/> keep
/// its packed copy (stamped with the same storage's version). Otherwise it is a permuted copy, stamped
/// with the version of the weight's storage (<see cref="CpuStorage{T}.Version"/> counts every hand-out
/// of the elements, which every write — an optimizer step, SetWeights, a load, a user's write through
/// <see cref="Tensor.Span"/> — takes) read before the copy, which reads through
/// <see cref="Tensor.ReadOnlySpan"/> (no hand-out); a moved version or another weight tensor makes the
/// next call copy again into a new tensor. A copy that raced with a write is stamped older than the
/// write and rebuilt on its next use: a wasted copy, never stale values. Entries are immutable and
/// swapped whole, so concurrent Predict calls read a consistent one. Training never uses the cache: a
/// product that records a gradient for the kernel permutes it through the autograd ops.
/// </remarks>
internal sealed class EinsumDenseKernelCache
{
    private Entry? _entry;

    /// <summary>The kernel <paramref name="kernel"/> permuted and flattened per <paramref name="plan"/>, from the cache when still current.</summary>
    public Tensor For(Tensor kernel, EinsumDensePlan plan)
    {
        var storage = (CpuStorage<float>)kernel.Storage;
        int version = storage.Version;
        var entry = Volatile.Read(ref _entry);
        if (entry is not null && ReferenceEquals(entry.Source, kernel) && (entry.IsView || entry.Version == version)) return entry.Prepared;
        var shape = new Shape(plan.Contracted, plan.KernelOnly);
        Tensor prepared;
        if (plan.KernelPermutation is { } permutation)
        {
            prepared = Tensor.Empty(shape);
            PermuteKernel.Permute(kernel.ReadOnlySpan, kernel.Shape.ToArray(), permutation, prepared.Span);
        }
        else
        {
            prepared = kernel.View(shape);
        }
        Volatile.Write(ref _entry, new Entry(kernel, version, prepared, plan.KernelPermutation is null));
        return prepared;
    }

    /// <summary>Forgets the prepared kernel (the layer was rebuilt).</summary>
    public void Clear() => Volatile.Write(ref _entry, null);

    private sealed record Entry(Tensor Source, int Version, Tensor Prepared, bool IsView);
}
