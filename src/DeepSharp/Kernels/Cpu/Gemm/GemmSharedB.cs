using System.Runtime.InteropServices;

namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// Middle-sized products on several threads (512³, 256³, a Dense layer's 128×784×128 and its
// gradients): each region of C packing its own B panels packs every column of B once per region
// row, about 4–5 % of a 512³ call on two threads, and the regions must stay few and large to keep
// that down, which leaves the threads unbalanced whenever one of them is held up. Here op(B) is
// packed once per call into one buffer that all regions read, so the grid over C can be finer.
// Packing is lazy and shared: B is cut into groups of columns per k block (up to MaxGroupColumns,
// narrower when N is small, so that each thread has about two groups of every block); the first
// region that needs a group claims it (an atomic state: not packed → packing → ready) and packs
// it; a region that finds a group being packed by another thread packs the other groups it needs
// first and only then waits, so threads that reach the same k block together split its packing.
// No barrier and no second fork/join: a region waits only for a group another thread is packing
// at that moment (a few microseconds).
// Layout: that of GemmPackedB (block pc at pc·paddedN, micro-panel of column j at + j·kc), so the
// micro-kernel sees the same panels, and each output element is summed in the same order, as on
// the region-packing path: the results are bit-identical for any grid and thread count.

/// <summary>op(B) of one GEMM call packed once, lazily, into panels that every region of C reads.</summary>
internal sealed unsafe class GemmSharedB
{
    /// <summary>The widest packing claim, in columns (a multiple of every kernel's Nr).</summary>
    public const int MaxGroupColumns = 128;

    private const int NotPacked = 0, Packing = 1, Ready = 2, Failed = 3;

    private float* _data;
    private long _capacity;
    private int[] _states = [];
    private GemmArgs _args;
    private int _nr, _paddedN, _groups, _groupColumns;

    /// <summary>
    /// Readies the buffer and the claims for a call on <paramref name="threads"/> threads; B is
    /// packed later, as regions ask.
    /// </summary>
    public void Prepare(in GemmArgs args, int nr, int threads)
    {
        _args = args;
        _nr = nr;
        _paddedN = (args.N + nr - 1) / nr * nr;
        long floats = (long)args.K * _paddedN;
        if (floats > _capacity)
        {
            Free();
            _data = (float*)NativeMemory.AlignedAlloc((nuint)floats * sizeof(float), 64);
            _capacity = floats;
        }
        // About two groups per thread in each k block: regions narrower than a group would
        // otherwise wait while one thread packs the whole group.
        int perThread = (args.N + 2 * threads - 1) / (2 * threads);
        _groupColumns = Math.Clamp((perThread + nr - 1) / nr * nr, nr, MaxGroupColumns);
        _groups = (args.N + _groupColumns - 1) / _groupColumns;
        int claims = (args.K + GemmBlocking.Kc - 1) / GemmBlocking.Kc * _groups;
        if (_states.Length < claims) _states = new int[claims];
        else Array.Clear(_states, 0, claims);
    }

    /// <summary>Forgets the call's operands (the buffer is kept for the next call).</summary>
    public void Release() => _args = default;

    /// <summary>The packed k block that starts at depth <paramref name="pc"/> (a multiple of Kc).</summary>
    public float* Block(int pc) => _data + (long)pc * _paddedN;

    /// <summary>
    /// Makes the panels of k block <paramref name="pc"/> (depth <paramref name="kc"/>) for columns
    /// c0..c1 ready: packs the groups nobody has claimed, then waits for those other threads pack.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another thread failed while packing a group needed here.</exception>
    public void Ensure(int pc, int kc, int c0, int c1)
    {
        int first = pc / GemmBlocking.Kc * _groups;
        int g0 = c0 / _groupColumns, g1 = (c1 - 1) / _groupColumns;
        for (int g = g0; g <= g1; g++)
        {
            ref int state = ref _states[first + g];
            if (Volatile.Read(ref state) == NotPacked && Interlocked.CompareExchange(ref state, Packing, NotPacked) == NotPacked)
                PackGroup(pc, kc, g, ref state);
        }
        for (int g = g0; g <= g1; g++) WaitReady(ref _states[first + g]);
    }

    private void PackGroup(int pc, int kc, int g, ref int state)
    {
        try
        {
            int j0 = g * _groupColumns, cols = Math.Min(_groupColumns, _args.N - j0);
            float* src = _args.TransB ? _args.B + j0 * _args.Ldb + pc : _args.B + pc * _args.Ldb + j0;
            KernelBounds.Range(src - _args.B, _args.TransB ? (cols - 1) * _args.Ldb + kc : (kc - 1) * _args.Ldb + cols, _args.LengthB);
            KernelBounds.Range((long)pc * _paddedN + (long)j0 * kc, (long)kc * ((cols + _nr - 1) / _nr * _nr), _capacity);
            GemmPacking.PackB(_args.TransB, src, _args.Ldb, kc, cols, _nr, Block(pc) + (nint)j0 * kc);
            Volatile.Write(ref state, Ready);
        }
        catch
        {
            Volatile.Write(ref state, Failed);
            throw;
        }
    }

    /// <summary>Spins (yielding now and then, for a packer that lost its core) until a group is ready.</summary>
    private static void WaitReady(ref int state)
    {
        for (int spins = 0; ; spins++)
        {
            int s = Volatile.Read(ref state);
            if (s == Ready) return;
            if (s == Failed) throw new InvalidOperationException("Gemm: another thread failed while packing B for this call.");
            if ((spins & 63) == 63) Thread.Yield();
            else Thread.SpinWait(8);
        }
    }

    ~GemmSharedB() => Free();

    private void Free()
    {
        if (_data is null) return;
        NativeMemory.AlignedFree(_data);
        _data = null;
        _capacity = 0;
    }
}
