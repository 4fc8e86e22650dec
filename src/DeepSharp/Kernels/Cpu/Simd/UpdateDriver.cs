using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Simd;

/// <summary>
/// The loop of the optimizers' fused updates: for i in [0, w.Length), reads w[i], g[i] and the
/// given state streams, runs the operator and writes w[i] and the states back. An overload per
/// number of state streams (0 to 3); each stream must be at least as long as <c>w</c>.
/// </summary>
/// <remarks>
/// Widths, tails and loop shape as <see cref="ElementwiseDriver"/>. The overloads pass the stream
/// count as a constant into one loop body inlined into each, so the JIT drops the loads and stores
/// of the streams an overload lacks (the operator sees zeros there). The overloads themselves are
/// not inlined: a kernel that calls two of them (RMSprop) would otherwise take four loops and
/// eight operator bodies into one method, past the JIT's inlining budget, and the JIT's
/// disassembly then shows calls to the 256- and 128-bit <c>Invoke</c> inside the loops.
/// </remarks>
internal static class UpdateDriver
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Update<TOp>(TOp op, Span<float> w, ReadOnlySpan<float> g)
        where TOp : struct, IUpdateOperator
        => Run(op, 0, w, g, default, default, default);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Update<TOp>(TOp op, Span<float> w, ReadOnlySpan<float> g, Span<float> s1)
        where TOp : struct, IUpdateOperator
        => Run(op, 1, w, g, s1, default, default);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Update<TOp>(TOp op, Span<float> w, ReadOnlySpan<float> g, Span<float> s1, Span<float> s2)
        where TOp : struct, IUpdateOperator
        => Run(op, 2, w, g, s1, s2, default);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Update<TOp>(TOp op, Span<float> w, ReadOnlySpan<float> g, Span<float> s1, Span<float> s2, Span<float> s3)
        where TOp : struct, IUpdateOperator
        => Run(op, 3, w, g, s1, s2, s3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // so that `states` is a constant in each overload
    private static void Run<TOp>(TOp op, int states, Span<float> w, ReadOnlySpan<float> g, Span<float> s1, Span<float> s2, Span<float> s3)
        where TOp : struct, IUpdateOperator
    {
        ElementwiseDriver.RequireLength(g.Length, w.Length, nameof(g));
        if (states > 0) ElementwiseDriver.RequireLength(s1.Length, w.Length, nameof(s1));
        if (states > 1) ElementwiseDriver.RequireLength(s2.Length, w.Length, nameof(s2));
        if (states > 2) ElementwiseDriver.RequireLength(s3.Length, w.Length, nameof(s3));
        ref float pw = ref MemoryMarshal.GetReference(w);
        ref float pg = ref MemoryMarshal.GetReference(g);
        ref float p1 = ref MemoryMarshal.GetReference(s1);
        ref float p2 = ref MemoryMarshal.GetReference(s2);
        ref float p3 = ref MemoryMarshal.GetReference(s3);
        nuint i = 0, n = (nuint)w.Length;
        if (Vector512.IsHardwareAccelerated && i + (nuint)Vector512<float>.Count <= n)
        {
            do
            {
                var wi = Vector512.LoadUnsafe(ref pw, i);
                var a = states > 0 ? Vector512.LoadUnsafe(ref p1, i) : default;
                var b = states > 1 ? Vector512.LoadUnsafe(ref p2, i) : default;
                var c = states > 2 ? Vector512.LoadUnsafe(ref p3, i) : default;
                op.Invoke(ref wi, Vector512.LoadUnsafe(ref pg, i), ref a, ref b, ref c);
                if (states > 0) a.StoreUnsafe(ref p1, i);
                if (states > 1) b.StoreUnsafe(ref p2, i);
                if (states > 2) c.StoreUnsafe(ref p3, i);
                wi.StoreUnsafe(ref pw, i);
                i += (nuint)Vector512<float>.Count;
            }
            while (i + (nuint)Vector512<float>.Count <= n);
        }
        if (Vector256.IsHardwareAccelerated && i + (nuint)Vector256<float>.Count <= n)
        {
            do
            {
                var wi = Vector256.LoadUnsafe(ref pw, i);
                var a = states > 0 ? Vector256.LoadUnsafe(ref p1, i) : default;
                var b = states > 1 ? Vector256.LoadUnsafe(ref p2, i) : default;
                var c = states > 2 ? Vector256.LoadUnsafe(ref p3, i) : default;
                op.Invoke(ref wi, Vector256.LoadUnsafe(ref pg, i), ref a, ref b, ref c);
                if (states > 0) a.StoreUnsafe(ref p1, i);
                if (states > 1) b.StoreUnsafe(ref p2, i);
                if (states > 2) c.StoreUnsafe(ref p3, i);
                wi.StoreUnsafe(ref pw, i);
                i += (nuint)Vector256<float>.Count;
            }
            while (i + (nuint)Vector256<float>.Count <= n);
        }
        if (Vector128.IsHardwareAccelerated && i + (nuint)Vector128<float>.Count <= n)
        {
            do
            {
                var wi = Vector128.LoadUnsafe(ref pw, i);
                var a = states > 0 ? Vector128.LoadUnsafe(ref p1, i) : default;
                var b = states > 1 ? Vector128.LoadUnsafe(ref p2, i) : default;
                var c = states > 2 ? Vector128.LoadUnsafe(ref p3, i) : default;
                op.Invoke(ref wi, Vector128.LoadUnsafe(ref pg, i), ref a, ref b, ref c);
                if (states > 0) a.StoreUnsafe(ref p1, i);
                if (states > 1) b.StoreUnsafe(ref p2, i);
                if (states > 2) c.StoreUnsafe(ref p3, i);
                wi.StoreUnsafe(ref pw, i);
                i += (nuint)Vector128<float>.Count;
            }
            while (i + (nuint)Vector128<float>.Count <= n);
        }
        for (; i < n; i++)
        {
            float a = states > 0 ? Unsafe.Add(ref p1, i) : 0f;
            float b = states > 1 ? Unsafe.Add(ref p2, i) : 0f;
            float c = states > 2 ? Unsafe.Add(ref p3, i) : 0f;
            op.Invoke(ref Unsafe.Add(ref pw, i), Unsafe.Add(ref pg, i), ref a, ref b, ref c);
            if (states > 0) Unsafe.Add(ref p1, i) = a;
            if (states > 1) Unsafe.Add(ref p2, i) = b;
            if (states > 2) Unsafe.Add(ref p3, i) = c;
        }
    }
}
