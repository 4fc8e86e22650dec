using System.Runtime.CompilerServices;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Inference;
using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

// Implementation notes
// --------------------
// Gemm.Multiply packs op(B) into its micro-panels on every call. For a Dense layer at inference B is the
// layer's kernel, the same from call to call: the seed CNN's 5408×128 kernel (2.8 MB) was packed again for
// every batch, ~8–9 % of the product's CPU time at 32–1000 rows (Intel Xeon family 6 model 207, probe
// alternating both paths in one process, 2026-12-07: 256 rows 2643 → 2417 CPU µs per call, 1000 rows
// 10.1 → 9.0 ms; docs/benchmarks.md "Dense kernels packed once for inference"). Packed once
// (GemmPackedB) and kept beside the weight, a product packs only its rows of A, and gives the same
// bits as Gemm.Multiply on the unpacked kernel (GemmPackedB's notes).
// Staleness: the packed copy is stamped with the version of the weight's storage right after packing
// (CpuStorage.Version counts every hand-out of the elements, which every write — an optimizer step,
// SetWeights, a load, a user's write through Tensor.Span — takes) and repacked when the version has
// moved, or when the process's GEMM kernel differs from the one it was packed for. Concurrent callers
// may both pack; the last entry stored wins, and an entry stamped before another caller's hand-out is
// rebuilt on its next use: a wasted pack, never stale values. Internal readers of W that must not make it
// repack (DenseRows at ≤ 8 rows) read it through Tensor.ReadOnlySpan, which counts no hand-out. Entries live as long as their weight
// tensor (a weak table); GemmPackedB frees its memory when collected.

/// <summary>Dense kernels packed once for inference products (see the notes above).</summary>
internal static class PackedWeightCache
{
    private static readonly ConditionalWeakTable<Tensor, Entry> s_entries = new();

    /// <summary>
    /// Whether a no-gradient product of <paramref name="rows"/> × <paramref name="inF"/> by a kernel of
    /// <paramref name="inF"/> × <paramref name="outF"/> is one the packed path serves: more rows than
    /// DenseRows reads W in place for, and wider than GemmNarrowN's narrow tiles (which pack 16-wide
    /// panels of their own and would waste half a 32-wide panel's work on a 10-class output).
    /// </summary>
    public static bool Serves(int rows, int inF, int outF) =>
        rows > DenseRows.MaxRows && outF > GemmNarrowN.MaxColumns && inF > 0;

    /// <summary>
    /// The kernel <paramref name="w"/> (in, out, row-major, a whole storage) packed for
    /// <see cref="Gemm.Multiply(bool, int, ReadOnlySpan{float}, int, GemmPackedB, Span{float}, int, bool)"/>,
    /// packed now if it never was or has been written since.
    /// </summary>
    public static GemmPackedB For(Tensor w)
    {
        var storage = (CpuStorage<float>)w.Storage;
        if (s_entries.TryGetValue(w, out var entry) && entry.Version == storage.Version && entry.Packed.Kind == GemmKernels.Current)
            return entry.Packed;
        int inF = w.Shape[0], outF = w.Shape[1];
        var packed = GemmPackedB.Pack(false, inF, outF, w.Span, outF);
        s_entries.AddOrUpdate(w, new Entry(packed, storage.Version));
        return packed;
    }

    private sealed record Entry(GemmPackedB Packed, int Version);
}
