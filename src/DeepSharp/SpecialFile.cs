using System.Runtime.InteropServices;

namespace DeepSharp;

/// <summary>
/// Whether a path names something other than a regular file or a folder — a named pipe (FIFO), a device such
/// as /dev/zero, a socket — told from the file's status without opening it. Opening a FIFO blocks until a
/// writer comes (every reader hung on one), and a device reports a length of 0 yet never ends (a reader that
/// reads to the end exhausts memory). The status comes from the .NET runtime's own native shim
/// (SystemNative_Stat, whose first two fields, flags and mode, are fixed); on Windows, or where the shim
/// cannot be called (a NativeAOT build that left it out), nothing is known and the file is opened as before.
/// </summary>
internal static unsafe partial class SpecialFile
{
    private const int TypeMask = 0xF000, Regular = 0x8000, Directory = 0x4000;

    /// <summary>"a named pipe (FIFO)", "a character device", "a block device", "a socket"; null for a regular file, a folder, a missing path or an unknown status.</summary>
    public static string? KindOf(string path)
    {
        if (OperatingSystem.IsWindows() || string.IsNullOrEmpty(path)) return null;
        byte* status = stackalloc byte[512]; // the shim's FileStatus is about 120 bytes
        try
        {
            if (Stat(path, status) != 0) return null; // missing or unreadable: opening it says why
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
        int mode = *(int*)(status + 4);
        return (mode & TypeMask) switch
        {
            Regular or Directory => null,
            0x1000 => "a named pipe (FIFO)",
            0x2000 => "a character device",
            0x6000 => "a block device",
            0xC000 => "a socket",
            _ => null,
        };
    }

    /// <summary>Throws a <see cref="FileAccessException"/> naming <paramref name="path"/> when it is not a regular file or folder (<see cref="KindOf"/>).</summary>
    /// <exception cref="FileAccessException">The path names a pipe, a device or a socket.</exception>
    public static void Refuse(string path, string what = "File")
    {
        if (KindOf(path) is { } kind)
            throw new FileAccessException(path, $"{what} '{TerminalText.Escape(path)}' is {kind}, not a regular file; DeepSharp reads regular files only (a pipe would block, a device never ends).");
    }

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, byte* output);
}
