namespace DeepSharp.Distributed;

/// <summary>
/// Which values of the flat trainable vector each rank updates when the update is split between the
/// ranks (the sharded optimizer, ZeRO stage 1, and the shared-memory split of the deterministic
/// mode's root additions): the P values are cut into W blocks of ⌈P/W⌉ rounded up to 16 floats
/// (one 64-byte cache line), and rank r owns block r (the last ones may be short or empty).
/// </summary>
internal static class UpdateBlocks
{
    /// <summary>Floats per block for <paramref name="total"/> values over <paramref name="ranks"/> ranks.</summary>
    public static int Block(int total, int ranks) => checked((int)(((long)total + ranks - 1) / ranks + 15) / 16 * 16);

    /// <summary>Rank <paramref name="rank"/>'s block: flat values [Lo, Hi).</summary>
    public static (int Lo, int Hi) Range(int total, int ranks, int rank)
    {
        long block = Block(total, ranks), lo = Math.Min(total, rank * block);
        return ((int)lo, (int)Math.Min(total, lo + block));
    }
}
