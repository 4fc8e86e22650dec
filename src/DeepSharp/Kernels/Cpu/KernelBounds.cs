using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Bounds assertions for the kernels' pointer arithmetic, compiled into Debug builds only: the
/// methods are <c>[Conditional("DEBUG")]</c>, so in Release the calls and the evaluation of their
/// arguments vanish. Kernel entry points validate their geometry in every build (see
/// <see cref="Conv2DGeometry.Validate"/>); these assertions check, inside the unsafe code, that each
/// pointer range a kernel is about to read or write lies within its buffer, so that a validation
/// gap shows up as a <see cref="KernelBoundsException"/> in the Debug test run instead of as
/// silent memory corruption.
/// </summary>
internal static class KernelBounds
{
    /// <summary>Asserts that elements [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) lie within a buffer of <paramref name="length"/>.</summary>
    [Conditional("DEBUG")]
    public static void Range(long start, long count, long length, [CallerArgumentExpression(nameof(start))] string? what = null)
    {
        if (count == 0) return; // an empty range touches nothing, wherever it starts
        if (start < 0 || count < 0 || start > length - count)
            throw new KernelBoundsException($"Kernel bounds: elements [{start}, {start + count}) of '{what}' are outside a buffer of {length}.");
    }

    /// <summary>Asserts a condition about indices.</summary>
    [Conditional("DEBUG")]
    public static void Check(bool condition, [CallerArgumentExpression(nameof(condition))] string? what = null)
    {
        if (!condition) throw new KernelBoundsException($"Kernel bounds: '{what}' does not hold.");
    }
}

/// <summary>
/// A kernel was about to touch memory outside its buffers (Debug builds only, see <see cref="KernelBounds"/>).
/// A bug in DeepSharp, never bad input: deliberately not a <see cref="DeepSharpException"/> or an
/// <see cref="ArgumentException"/>, so no caller mistakes it for a refused file or argument.
/// </summary>
internal sealed class KernelBoundsException(string message) : Exception(message);
