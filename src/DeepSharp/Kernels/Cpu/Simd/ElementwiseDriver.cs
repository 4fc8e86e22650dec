using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DeepSharp.Kernels.Cpu.Simd;

/// <summary>
/// The loop every elementwise kernel shares: <c>d[i] = op(x[i], …)</c> for i in [0, x.Length),
/// with the operator's widest accelerated <c>Invoke</c>. Other spans must be at least as long as
/// <c>x</c>; <c>d</c> may be one of the inputs (in-place updates), but must not overlap one partly.
/// </summary>
/// <remarks>
/// Width dispatch and tails: the widest accelerated width runs over the whole vectors, then each
/// narrower accelerated width runs at most once over what is left, and the scalar <c>Invoke</c>
/// finishes (after 512-bit vectors, a remainder of 15 is one 256-bit vector, one 128-bit vector
/// and 3 scalars). <c>IsHardwareAccelerated</c> is a constant to the JIT, so a CPU's missing widths
/// are not compiled. Switching widths off (<c>DOTNET_EnableAVX512=0</c>, <c>EnableAVX2=0</c>,
/// <c>EnableHWIntrinsic=0</c>) leaves 256, 128 or only scalar. Loads and stores are unaligned.
/// The loops are written as do-while (test at the bottom): the JIT hoists the operator's
/// broadcasts (<c>Vector512.Create(scalar)</c>) only out of loop blocks that dominate the exit, and
/// a top-tested loop around a branching operator (RMSprop's momentum) kept them inside.
/// </remarks>
internal static class ElementwiseDriver
{
    /// <summary>d[i] = op(x[i]).</summary>
    public static void Map<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> d)
        where TOp : struct, IUnaryOperator
    {
        RequireLength(d.Length, x.Length, nameof(d));
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float pd = ref MemoryMarshal.GetReference(d);
        nuint i = 0, n = (nuint)x.Length;
        if (Vector512.IsHardwareAccelerated && i + (nuint)Vector512<float>.Count <= n)
        {
            do
            {
                op.Invoke(Vector512.LoadUnsafe(ref px, i)).StoreUnsafe(ref pd, i);
                i += (nuint)Vector512<float>.Count;
            }
            while (i + (nuint)Vector512<float>.Count <= n);
        }
        if (Vector256.IsHardwareAccelerated && i + (nuint)Vector256<float>.Count <= n)
        {
            do
            {
                op.Invoke(Vector256.LoadUnsafe(ref px, i)).StoreUnsafe(ref pd, i);
                i += (nuint)Vector256<float>.Count;
            }
            while (i + (nuint)Vector256<float>.Count <= n);
        }
        if (Vector128.IsHardwareAccelerated && i + (nuint)Vector128<float>.Count <= n)
        {
            do
            {
                op.Invoke(Vector128.LoadUnsafe(ref px, i)).StoreUnsafe(ref pd, i);
                i += (nuint)Vector128<float>.Count;
            }
            while (i + (nuint)Vector128<float>.Count <= n);
        }
        for (; i < n; i++)
            Unsafe.Add(ref pd, i) = op.Invoke(Unsafe.Add(ref px, i));
    }

    /// <summary>d[i] = op(x[i], y[i]).</summary>
    public static void Map<TOp>(TOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d)
        where TOp : struct, IBinaryOperator
    {
        RequireLength(y.Length, x.Length, nameof(y));
        RequireLength(d.Length, x.Length, nameof(d));
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        ref float pd = ref MemoryMarshal.GetReference(d);
        nuint i = 0, n = (nuint)x.Length;
        if (Vector512.IsHardwareAccelerated && i + (nuint)Vector512<float>.Count <= n)
        {
            do
            {
                op.Invoke(Vector512.LoadUnsafe(ref px, i), Vector512.LoadUnsafe(ref py, i)).StoreUnsafe(ref pd, i);
                i += (nuint)Vector512<float>.Count;
            }
            while (i + (nuint)Vector512<float>.Count <= n);
        }
        if (Vector256.IsHardwareAccelerated && i + (nuint)Vector256<float>.Count <= n)
        {
            do
            {
                op.Invoke(Vector256.LoadUnsafe(ref px, i), Vector256.LoadUnsafe(ref py, i)).StoreUnsafe(ref pd, i);
                i += (nuint)Vector256<float>.Count;
            }
            while (i + (nuint)Vector256<float>.Count <= n);
        }
        if (Vector128.IsHardwareAccelerated && i + (nuint)Vector128<float>.Count <= n)
        {
            do
            {
                op.Invoke(Vector128.LoadUnsafe(ref px, i), Vector128.LoadUnsafe(ref py, i)).StoreUnsafe(ref pd, i);
                i += (nuint)Vector128<float>.Count;
            }
            while (i + (nuint)Vector128<float>.Count <= n);
        }
        for (; i < n; i++)
            Unsafe.Add(ref pd, i) = op.Invoke(Unsafe.Add(ref px, i), Unsafe.Add(ref py, i));
    }

    /// <summary>d[i] = op(x[i], y[i], z[i]).</summary>
    public static void Map<TOp>(TOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> z, Span<float> d)
        where TOp : struct, ITernaryOperator
    {
        RequireLength(y.Length, x.Length, nameof(y));
        RequireLength(z.Length, x.Length, nameof(z));
        RequireLength(d.Length, x.Length, nameof(d));
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        ref float pz = ref MemoryMarshal.GetReference(z);
        ref float pd = ref MemoryMarshal.GetReference(d);
        nuint i = 0, n = (nuint)x.Length;
        if (Vector512.IsHardwareAccelerated && i + (nuint)Vector512<float>.Count <= n)
        {
            do
            {
                op.Invoke(Vector512.LoadUnsafe(ref px, i), Vector512.LoadUnsafe(ref py, i), Vector512.LoadUnsafe(ref pz, i)).StoreUnsafe(ref pd, i);
                i += (nuint)Vector512<float>.Count;
            }
            while (i + (nuint)Vector512<float>.Count <= n);
        }
        if (Vector256.IsHardwareAccelerated && i + (nuint)Vector256<float>.Count <= n)
        {
            do
            {
                op.Invoke(Vector256.LoadUnsafe(ref px, i), Vector256.LoadUnsafe(ref py, i), Vector256.LoadUnsafe(ref pz, i)).StoreUnsafe(ref pd, i);
                i += (nuint)Vector256<float>.Count;
            }
            while (i + (nuint)Vector256<float>.Count <= n);
        }
        if (Vector128.IsHardwareAccelerated && i + (nuint)Vector128<float>.Count <= n)
        {
            do
            {
                op.Invoke(Vector128.LoadUnsafe(ref px, i), Vector128.LoadUnsafe(ref py, i), Vector128.LoadUnsafe(ref pz, i)).StoreUnsafe(ref pd, i);
                i += (nuint)Vector128<float>.Count;
            }
            while (i + (nuint)Vector128<float>.Count <= n);
        }
        for (; i < n; i++)
            Unsafe.Add(ref pd, i) = op.Invoke(Unsafe.Add(ref px, i), Unsafe.Add(ref py, i), Unsafe.Add(ref pz, i));
    }

    /// <summary>The drivers' length check; the throw is out of line, so the check inlines and keeps the operator's scalars in registers.</summary>
    internal static void RequireLength(int length, int required, string name)
    {
        if (length < required) ThrowTooShort(length, required, name);
    }

    [DoesNotReturn]
    private static void ThrowTooShort(int length, int required, string name) =>
        throw new ArgumentException($"Elementwise kernel: {name} has {length} elements; the input has {required}.", name);
}
