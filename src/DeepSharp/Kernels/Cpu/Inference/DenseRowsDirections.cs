namespace DeepSharp.Kernels.Cpu.Inference;

/// <summary>
/// Which way the current thread last ran the k blocks of a few recent weight matrices (a model's
/// Dense layers), so that <see cref="DenseRows"/> runs each the other way on its next call and reads
/// first the blocks still in the core's L2 (see DenseRows' notes).
/// </summary>
internal static class DenseRowsDirections
{
    /// <summary>Weight matrices (and shares of them) remembered per thread.</summary>
    private const int Slots = 8;

    [ThreadStatic] private static nint[]? t_weights;
    [ThreadStatic] private static int[]? t_shares;
    [ThreadStatic] private static bool[]? t_backward;
    [ThreadStatic] private static int t_next;

    /// <summary>
    /// Whether to run share <paramref name="share"/> of the weights at <paramref name="weights"/>
    /// backward now: the opposite of this thread's last run of it, or forward when it has none.
    /// </summary>
    public static bool Flip(nint weights, int share)
    {
        var known = t_weights ??= new nint[Slots];
        var shares = t_shares ??= new int[Slots];
        var backward = t_backward ??= new bool[Slots];
        for (int i = 0; i < Slots; i++)
            if (known[i] == weights && shares[i] == share)
                return backward[i] = !backward[i];
        int slot = t_next;
        t_next = (slot + 1) % Slots;
        (known[slot], shares[slot], backward[slot]) = (weights, share, false);
        return false;
    }
}
