using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu;

/// <summary>
/// Inverted dropout's mask and product in one pass, from a counter-based generator: mask[i] = keepScale
/// or 0 and y[i] = x[i]·mask[i], where element i depends only on the call's key and i. See
/// <see cref="Reference.NaiveDropoutMask"/> for the contract (which Philox4x32-10 word feeds which element).
/// </summary>
/// <remarks>
/// Why counter-based: the masks used to come from the layer's xoshiro128** stream, one draw after
/// another on one thread (≈ 1.9 ms of a 16 ms mnist_convnet step for its 128×1600 mask). Philox
/// computes any element's bits alone, so the work splits over vector lanes and threads and the mask
/// stays the same bits at every thread count and instruction set; the layer's generator only supplies
/// the 64-bit key, two draws per call.
/// Lanes: a 32-element group is eight Philox blocks (counters 8g … 8g+7) in eight 64-bit lanes, one
/// vector per state word (512-bit: one vector each; 256-bit: two halves; 128-bit: four quarters). The
/// product M·c of a round is <c>vpmuludq</c>, which reads only each lane's low 32 bits, so the state
/// words are never masked: the high halves carry junk that no later step reads, and the 32 bits kept
/// are the lanes' low halves, narrowed (truncating) word by word, so the group's elements come out in
/// order (word 0 of blocks 0–7, then word 1, …). Round 0 is written out for counters (b, 0, 0, 0):
/// its second product is 0. A partial last group and the no-SIMD path compute the group's eight blocks
/// with the scalar <see cref="Philox4x32.Block"/>, the same words. Keep when word ≫ 8 ≥ threshold
/// (⌈rate·2²⁴⌉): an exact integer test, so the kept fraction is unbiased for any rate, as the old
/// 24-bit <c>NextFloat() ≥ rate</c>. Tasks of <see cref="TaskElements"/> (whole groups) spread over the
/// worker pool; which thread runs a task never changes its bits.
/// Cost (Emerald Rapids, one thread): ≈ 60 vector instructions per 32 elements against ~10 scalar
/// instructions per element for the xoshiro loop.
/// </remarks>
internal static unsafe class DropoutMaskKernel
{
    /// <summary>Elements per group: eight blocks of four words.</summary>
    public const int GroupElements = 32;
    private const int TaskElements = 8192; // a whole number of groups

    /// <summary>⌈rate·2²⁴⌉: an element is kept when its word's top 24 bits are at least this (rate in [0, 1)).</summary>
    public static uint Threshold(float rate)
    {
        if (!(rate >= 0f && rate < 1f)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "Dropout rate must be in [0, 1).");
        return (uint)MathF.Ceiling(rate * 16777216f); // rate·2²⁴ is exact in float
    }

    /// <summary>mask[i] = (word(i) ≫ 8 ≥ threshold) ? keepScale : 0, y[i] = x[i]·mask[i], for i in [0, x.Length).</summary>
    public static void Apply(ReadOnlySpan<float> x, Span<float> mask, Span<float> y, uint k0, uint k1, uint threshold, float keepScale)
    {
        if (mask.Length < x.Length || y.Length < x.Length)
            throw new ArgumentException($"Dropout mask has {mask.Length} and output {y.Length} elements; x has {x.Length}.");
        if (threshold > 1u << 24) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The keep threshold is at most 2^24.");
        fixed (float* px = x, pm = mask, py = y)
            Body.Run(px, pm, py, x.Length, k0, k1, threshold, keepScale);
    }

    /// <summary>Elements [start, start + n) (start a multiple of <see cref="GroupElements"/>), on this thread.</summary>
    private static void Range(float* x, float* mask, float* y, long start, int n, uint k0, uint k1, uint threshold, float keep)
    {
        long group = start / GroupElements;
        int full = n / GroupElements, done = 0;
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported) done = Groups512(x, mask, y, group, full, k0, k1, threshold, keep);
        else if (Vector256.IsHardwareAccelerated && Avx2.IsSupported) done = Groups256(x, mask, y, group, full, k0, k1, threshold, keep);
        else if (Vector128.IsHardwareAccelerated && Sse2.IsSupported) done = Groups128(x, mask, y, group, full, k0, k1, threshold, keep);
        uint* words = stackalloc uint[GroupElements];
        for (int i = done * GroupElements; i < n; i += GroupElements)
        {
            ScalarGroup(group + i / GroupElements, k0, k1, words);
            int m = Math.Min(GroupElements, n - i);
            for (int e = 0; e < m; e++)
            {
                float v = words[e] >> 8 >= threshold ? keep : 0f;
                mask[i + e] = v;
                y[i + e] = x[i + e] * v;
            }
        }
    }

    /// <summary>The 32 words of group <paramref name="group"/>, word-major (element 8w + j is word w of block 8g + j).</summary>
    private static void ScalarGroup(long group, uint k0, uint k1, uint* words)
    {
        for (int j = 0; j < 8; j++)
        {
            long b = 8 * group + j;
            var (x0, x1, x2, x3) = Philox4x32.Block((uint)b, (uint)(b >> 32), 0, 0, k0, k1);
            words[j] = x0; words[8 + j] = x1; words[16 + j] = x2; words[24 + j] = x3;
        }
    }

    private static int Groups512(float* x, float* mask, float* y, long group, int count, uint k0, uint k1, uint threshold, float keep)
    {
        var keys0 = stackalloc Vector512<ulong>[Philox4x32.Rounds];
        var keys1 = stackalloc Vector512<ulong>[Philox4x32.Rounds];
        for (int r = 0; r < Philox4x32.Rounds; r++)
        {
            keys0[r] = Vector512.Create((ulong)(k0 + (uint)r * Philox4x32.W0));
            keys1[r] = Vector512.Create((ulong)(k1 + (uint)r * Philox4x32.W1));
        }
        var m0 = Vector512.Create((ulong)Philox4x32.M0).AsUInt32();
        var m1 = Vector512.Create((ulong)Philox4x32.M1).AsUInt32();
        var lanes = Vector512.Create(0UL, 1, 2, 3, 4, 5, 6, 7);
        var t = Vector512.Create((int)threshold);
        var kv = Vector512.Create(keep);
        for (int g = 0; g < count; g++)
        {
            // Round 0 on counters (b, 0, 0, 0): the product M1·c2 is 0.
            var p0 = Avx512F.Multiply((Vector512.Create((ulong)(8 * (group + g))) + lanes).AsUInt32(), m0);
            Vector512<ulong> c0 = keys0[0], c1 = Vector512<ulong>.Zero;
            Vector512<ulong> c2 = Vector512.ShiftRightLogical(p0, 32) ^ keys1[0], c3 = p0;
            for (int r = 1; r < Philox4x32.Rounds; r++)
            {
                p0 = Avx512F.Multiply(c0.AsUInt32(), m0);
                var p1 = Avx512F.Multiply(c2.AsUInt32(), m1);
                c0 = Vector512.ShiftRightLogical(p1, 32) ^ c1 ^ keys0[r];
                c1 = p1;
                c2 = Vector512.ShiftRightLogical(p0, 32) ^ c3 ^ keys1[r];
                c3 = p0;
            }
            long at = (long)g * GroupElements;
            Emit(Vector512.Narrow(c0, c1), x + at, mask + at, y + at, t, kv);
            Emit(Vector512.Narrow(c2, c3), x + at + 16, mask + at + 16, y + at + 16, t, kv);
        }
        return count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Emit(Vector512<uint> words, float* x, float* mask, float* y, Vector512<int> threshold, Vector512<float> keep)
    {
        var kept = Vector512.GreaterThanOrEqual(Vector512.ShiftRightLogical(words, 8).AsInt32(), threshold).AsSingle();
        var m = kept & keep;
        Vector512.Store(m, mask);
        Vector512.Store(Vector512.Load(x) * m, y);
    }

    private static int Groups256(float* x, float* mask, float* y, long group, int count, uint k0, uint k1, uint threshold, float keep)
    {
        var keys0 = stackalloc Vector256<ulong>[Philox4x32.Rounds];
        var keys1 = stackalloc Vector256<ulong>[Philox4x32.Rounds];
        for (int r = 0; r < Philox4x32.Rounds; r++)
        {
            keys0[r] = Vector256.Create((ulong)(k0 + (uint)r * Philox4x32.W0));
            keys1[r] = Vector256.Create((ulong)(k1 + (uint)r * Philox4x32.W1));
        }
        var m0 = Vector256.Create((ulong)Philox4x32.M0).AsUInt32();
        var m1 = Vector256.Create((ulong)Philox4x32.M1).AsUInt32();
        var lanes = Vector256.Create(0UL, 1, 2, 3);
        var t = Vector256.Create((int)threshold);
        var kv = Vector256.Create(keep);
        for (int g = 0; g < count; g++)
        {
            // Two halves: blocks 8g … 8g+3 (a) and 8g+4 … 8g+7 (b).
            var ca = Vector256.Create((ulong)(8 * (group + g))) + lanes;
            var pa0 = Avx2.Multiply(ca.AsUInt32(), m0);
            var pb0 = Avx2.Multiply((ca + Vector256.Create(4UL)).AsUInt32(), m0);
            Vector256<ulong> a0 = keys0[0], a1 = Vector256<ulong>.Zero, a2 = Vector256.ShiftRightLogical(pa0, 32) ^ keys1[0], a3 = pa0;
            Vector256<ulong> b0 = keys0[0], b1 = Vector256<ulong>.Zero, b2 = Vector256.ShiftRightLogical(pb0, 32) ^ keys1[0], b3 = pb0;
            for (int r = 1; r < Philox4x32.Rounds; r++)
            {
                Round(ref a0, ref a1, ref a2, ref a3, m0, m1, keys0[r], keys1[r]);
                Round(ref b0, ref b1, ref b2, ref b3, m0, m1, keys0[r], keys1[r]);
            }
            long at = (long)g * GroupElements;
            Emit(Vector256.Narrow(a0, b0), x + at, mask + at, y + at, t, kv);
            Emit(Vector256.Narrow(a1, b1), x + at + 8, mask + at + 8, y + at + 8, t, kv);
            Emit(Vector256.Narrow(a2, b2), x + at + 16, mask + at + 16, y + at + 16, t, kv);
            Emit(Vector256.Narrow(a3, b3), x + at + 24, mask + at + 24, y + at + 24, t, kv);
        }
        return count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(ref Vector256<ulong> c0, ref Vector256<ulong> c1, ref Vector256<ulong> c2, ref Vector256<ulong> c3,
        Vector256<uint> m0, Vector256<uint> m1, Vector256<ulong> k0, Vector256<ulong> k1)
    {
        var p0 = Avx2.Multiply(c0.AsUInt32(), m0);
        var p1 = Avx2.Multiply(c2.AsUInt32(), m1);
        c0 = Vector256.ShiftRightLogical(p1, 32) ^ c1 ^ k0;
        c1 = p1;
        c2 = Vector256.ShiftRightLogical(p0, 32) ^ c3 ^ k1;
        c3 = p0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Emit(Vector256<uint> words, float* x, float* mask, float* y, Vector256<int> threshold, Vector256<float> keep)
    {
        var kept = Vector256.GreaterThanOrEqual(Vector256.ShiftRightLogical(words, 8).AsInt32(), threshold).AsSingle();
        var m = kept & keep;
        Vector256.Store(m, mask);
        Vector256.Store(Vector256.Load(x) * m, y);
    }

    private static int Groups128(float* x, float* mask, float* y, long group, int count, uint k0, uint k1, uint threshold, float keep)
    {
        var keys0 = stackalloc Vector128<ulong>[Philox4x32.Rounds];
        var keys1 = stackalloc Vector128<ulong>[Philox4x32.Rounds];
        for (int r = 0; r < Philox4x32.Rounds; r++)
        {
            keys0[r] = Vector128.Create((ulong)(k0 + (uint)r * Philox4x32.W0));
            keys1[r] = Vector128.Create((ulong)(k1 + (uint)r * Philox4x32.W1));
        }
        var m0 = Vector128.Create((ulong)Philox4x32.M0).AsUInt32();
        var m1 = Vector128.Create((ulong)Philox4x32.M1).AsUInt32();
        var t = Vector128.Create((int)threshold);
        var kv = Vector128.Create(keep);
        var state = stackalloc Vector128<ulong>[16]; // quarter q (blocks 8g+2q, 8g+2q+1), word w at [4q + w]
        for (int g = 0; g < count; g++)
        {
            ulong b = (ulong)(8 * (group + g));
            for (int q = 0; q < 4; q++)
            {
                var p0 = Sse2.Multiply(Vector128.Create(b + (ulong)(2 * q), b + (ulong)(2 * q + 1)).AsUInt32(), m0);
                Vector128<ulong> c0 = keys0[0], c1 = Vector128<ulong>.Zero, c2 = Vector128.ShiftRightLogical(p0, 32) ^ keys1[0], c3 = p0;
                for (int r = 1; r < Philox4x32.Rounds; r++)
                {
                    p0 = Sse2.Multiply(c0.AsUInt32(), m0);
                    var p1 = Sse2.Multiply(c2.AsUInt32(), m1);
                    c0 = Vector128.ShiftRightLogical(p1, 32) ^ c1 ^ keys0[r];
                    c1 = p1;
                    c2 = Vector128.ShiftRightLogical(p0, 32) ^ c3 ^ keys1[r];
                    c3 = p0;
                }
                state[4 * q] = c0; state[4 * q + 1] = c1; state[4 * q + 2] = c2; state[4 * q + 3] = c3;
            }
            long at = (long)g * GroupElements;
            for (int w = 0; w < 4; w++)
            {
                long e = at + 8 * w;
                Emit(Vector128.Narrow(state[w], state[4 + w]), x + e, mask + e, y + e, t, kv);
                Emit(Vector128.Narrow(state[8 + w], state[12 + w]), x + e + 4, mask + e + 4, y + e + 4, t, kv);
            }
        }
        return count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Emit(Vector128<uint> words, float* x, float* mask, float* y, Vector128<int> threshold, Vector128<float> keep)
    {
        var kept = Vector128.GreaterThanOrEqual(Vector128.ShiftRightLogical(words, 8).AsInt32(), threshold).AsSingle();
        var m = kept & keep;
        Vector128.Store(m, mask);
        Vector128.Store(Vector128.Load(x) * m, y);
    }

    /// <summary>Tasks of <see cref="TaskElements"/> spread over the worker pool.</summary>
    private sealed class Body : IParallelBody
    {
        [ThreadStatic] private static Body? t_instance;
        private float* _x, _mask, _y;
        private int _n;
        private uint _k0, _k1, _threshold;
        private float _keep;

        public static void Run(float* x, float* mask, float* y, int n, uint k0, uint k1, uint threshold, float keep)
        {
            if (n == 0) return;
            var body = t_instance ??= new Body();
            body._x = x;
            body._mask = mask;
            body._y = y;
            (body._n, body._k0, body._k1, body._threshold, body._keep) = (n, k0, k1, threshold, keep);
            int tasks = (n + TaskElements - 1) / TaskElements;
            try
            {
                if (tasks == 1) body.Execute(0);
                else WorkerPool.Shared.For(tasks, body);
            }
            finally { body._x = body._mask = body._y = null; }
        }

        public void Execute(int task)
        {
            int start = task * TaskElements, n = Math.Min(TaskElements, _n - start);
            KernelBounds.Range(start, n, _n);
            Range(_x + start, _mask + start, _y + start, start, n, _k0, _k1, _threshold, _keep);
        }
    }
}
