using System.Runtime.CompilerServices;

namespace DeepSharp.Tensors;

/// <summary>
/// Interns the dimension arrays behind <see cref="Shape"/> so that a training step, which builds
/// the same few shapes every time, allocates none. A fixed open-addressed table of immutable
/// arrays: a hit returns the stored array, a miss stores a copy (overwriting an old entry when the
/// probe window is full). Racing writers are harmless: entries are immutable and published whole.
/// </summary>
internal static class ShapeCache
{
    private const int Slots = 4096, Probe = 4, MaxRank = 8;
    private static readonly int[]?[] s_table = new int[Slots][];

    public static int[] Intern(ReadOnlySpan<int> dims)
    {
        if (dims.Length == 0) return [];
        if (dims.Length > MaxRank) return dims.ToArray();
        int start = Hash(dims) & (Slots - 1);
        for (int i = 0; i < Probe; i++)
        {
            var entry = Volatile.Read(ref s_table[(start + i) & (Slots - 1)]);
            if (entry is null) break;
            if (dims.SequenceEqual(entry)) return entry;
        }
        var copy = dims.ToArray();
        for (int i = 0; i < Probe; i++)
        {
            ref var slot = ref s_table[(start + i) & (Slots - 1)];
            if (slot is null)
            {
                Volatile.Write(ref slot, copy);
                return copy;
            }
        }
        Volatile.Write(ref s_table[start], copy);
        return copy;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Hash(ReadOnlySpan<int> dims)
    {
        uint h = 2166136261;
        foreach (int d in dims) h = (h ^ (uint)d) * 16777619;
        return (int)(h ^ (h >> 15));
    }
}
