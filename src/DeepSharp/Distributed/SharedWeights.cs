using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DeepSharp.Distributed;

/// <summary>
/// The trainable weights of the ranks of one machine kept once, in the common area of their
/// <see cref="SharedNodeSums"/> file, and seen by each rank as an ordinary (pinned) float array: the
/// page-aligned middle of <see cref="Array"/> (from <see cref="Start"/>, <see cref="Length"/> floats)
/// is remapped onto the common area (Linux <c>mremap</c> of the file's mapping: the same pages twice),
/// so the weights' tensors can be views of the array while every write to them lands in the file.
/// After a split update each rank has written its block in place, and the others need no copy of it.
/// <see cref="Dispose"/> maps private memory back under the array with the values the file held, so the
/// array stays an ordinary one (the garbage collector may reuse its memory once it is unreachable, and
/// that memory must not be the file's). Linux only; <see cref="TryCreate"/> returns null elsewhere or
/// when the kernel refuses.
/// </summary>
internal sealed unsafe partial class SharedWeights : IDisposable
{
    private readonly float* _window;
    private readonly nuint _bytes;
    private bool _disposed;

    private SharedWeights(float[] array, int start, int length, float* window, nuint bytes)
    {
        (Array, Start, Length) = (array, start, length);
        _window = window;
        _bytes = bytes;
    }

    /// <summary>The pinned array whose elements [<see cref="Start"/>, <see cref="Start"/> + <see cref="Length"/>) are the shared weights.</summary>
    public float[] Array { get; }

    /// <summary>Where the shared weights start in <see cref="Array"/> (a page boundary).</summary>
    public int Start { get; }

    /// <summary>Floats of shared weights.</summary>
    public int Length { get; }

    /// <summary>The shared weights.</summary>
    public Span<float> Values => new(_window, Length);

    /// <summary>
    /// Maps the first <paramref name="length"/> floats of <paramref name="file"/>'s common area into a new
    /// pinned array; null when the area is smaller or the mapping cannot be made here. The array's shared
    /// part then holds what the file holds.
    /// </summary>
    public static SharedWeights? TryCreate(SharedNodeSums file, int length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0 || file.CommonFloats < length || Calls() is not { } calls) return null;
        var (remap, _, unmap) = calls;
        float* common = file.Common;
        long page = Environment.SystemPageSize;
        if (((nint)common & (nint)(page - 1)) != 0) return null;
        long bytes = ((long)length * sizeof(float) + page - 1) / page * page;
        long floats = (bytes + 2 * page) / sizeof(float);
        if (floats > System.Array.MaxLength) return null;
        var array = GC.AllocateArray<float>((int)floats, pinned: true); // the pinned heap: never moved
        float* first = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        float* window = (float*)(((nint)first + (nint)(page - 1)) & ~(nint)(page - 1));
        // old size 0 on a shared mapping: a second mapping of the same pages, here, in place of the array's.
        nint mapped = Syscall(remap, (nint)common, 0, (nint)bytes, MremapMayMove | MremapFixed, (nint)window, 0);
        if (mapped != (nint)window)
        {
            if (mapped != -1) Syscall(unmap, mapped, (nint)bytes, 0, 0, 0, 0); // mapped elsewhere: not ours to keep
            GC.KeepAlive(array);
            return null;
        }
        return new SharedWeights(array, (int)(window - first), length, window, (nuint)bytes);
    }

    /// <summary>Gives the array private memory again, holding the values the shared weights have now.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        var values = Values.ToArray();
        var (_, map, _) = Calls()!.Value;
        nint mapped = Syscall(map, (nint)_window, (nint)_bytes, ProtRead | ProtWrite, MapPrivate | MapAnonymous | MapFixed, -1, 0);
        if (mapped != (nint)_window)
            throw new InvalidOperationException($"Could not give the weights' array private memory back (mmap failed, errno {Marshal.GetLastPInvokeError()}).");
        values.CopyTo(Values);
        GC.KeepAlive(Array);
    }

    // Linux's values (the same on x86-64 and arm64).
    private const int ProtRead = 1, ProtWrite = 2, MapPrivate = 2, MapFixed = 0x10, MapAnonymous = 0x20, MremapMayMove = 1, MremapFixed = 2;

    /// <summary>The system call numbers of mremap, mmap and munmap here; null on other architectures.</summary>
    private static (nint Remap, nint Map, nint Unmap)? Calls() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => (25, 9, 11),
        Architecture.Arm64 => (216, 222, 215),
        _ => null,
    };

    // The system calls themselves, not libc's mremap and mmap: UCX (under Debian's MPICH) hooks those to
    // watch memory, and its mremap drops MREMAP_FIXED's new address (measured: the pages landed at 0).
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial nint Syscall(nint number, nint a1, nint a2, nint a3, nint a4, nint a5, nint a6);
}
