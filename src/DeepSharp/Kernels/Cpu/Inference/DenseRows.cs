using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSharp.Kernels.Cpu.Inference;

// Implementation notes
// --------------------
// A Dense layer's forward for a few rows (batch-1 inference, a serving request): y = x·W + b with W
// (in, out) read in place, as GemmSmallM does, with three things that path lacks:
// - the k blocks (GemmBlocking.Kc rows of W each, 128 KB for 128 columns) are cut into one share per
//   thread when the layer is big enough (WorkerPool.InlineWork): batch-1 inference of a wide Dense
//   is bound by streaming W (the seed CNN's 5408×128: 2.8 MB, from L3), two cores stream it about
//   twice as fast as one, and each share is one contiguous stretch of W. Each block's sums go to a
//   scratch row of their own and are added in block order afterwards, so neither the split nor the
//   order in which a share runs its blocks changes a bit;
// - a thread takes the same share call after call (the one it took last, when free) and runs its
//   blocks in the other direction each time (DenseRowsDirections): the blocks it read last are
//   still in its core's L2 (1 MB on Zen 4/5) and now come first, instead of being evicted by the
//   rest of a share that does not fit. Back-to-back batch-1 Predict calls of the seed CNN (1.4 MB
//   per core at 2 threads) then read ~0.8 MB of each share from L2 instead of L3: process CPU per
//   call 35 → 29 µs on one thread, 41 → 37 µs on two (bench/sgemm/batch1-probe.cs, shared machine,
//   load 40–57). Software prefetch 8–32 rows ahead measured no better than the hardware's;
// - columns that do not fill a vector (a 10-class output layer) run in a vector too: each W row's
//   load takes a few columns past the end, which are computed and thrown away; where such a load
//   would run past the end of W (its last rows), the lanes continue in scalar fused multiply-adds;
// - the bias is added in the pass that adds up the blocks.
// Summation order is GemmSmallM's (and so the packed GEMM's): each k block summed from zero with
// one fused multiply-add per product in k order, the blocks' sums added to the first in order,
// then the bias added once. So the result is bit-identical to Gemm.Multiply followed by
// Reductions.AddBias — the training path's forward — for any thread count.
// Where GemmSmallM does not apply (128-bit and scalar levels, whose multiply-add the packed path does
// not always fuse), this kernel runs exactly that pair of calls instead.

/// <summary>y = x·W + b for a few rows of x, W read in place (see the notes above).</summary>
internal static unsafe class DenseRows
{
    /// <summary>The most rows this kernel takes in its own path (GemmSmallM's limit).</summary>
    public const int MaxRows = GemmSmallM.MaxRows;

    /// <summary>Whether the kernel's own vector path runs on this CPU (else it calls Gemm).</summary>
    public static bool Vectorized => Vector512.IsHardwareAccelerated || (Vector256.IsHardwareAccelerated && Fma.IsSupported);

    [ThreadStatic] private static BlockBody? t_body;
    [ThreadStatic] private static float[]? t_partials;

    /// <summary>
    /// y (rows × outF) = x (rows × inF) · w (inF × outF) + bias (outF, or empty for none), all
    /// row-major and dense. Rows above <see cref="MaxRows"/> are refused.
    /// </summary>
    public static void Forward(int rows, int inF, int outF, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y)
    {
        if (rows < 0 || rows > MaxRows || inF < 0 || outF < 0 || x.Length < (long)rows * inF || w.Length < (long)inF * outF
            || y.Length < (long)rows * outF || (bias.Length != 0 && bias.Length < outF))
            throw new ArgumentException($"DenseRows of {rows}×{inF} · {inF}×{outF} (at most {MaxRows} rows) got x {x.Length}, W {w.Length}, bias {bias.Length}, y {y.Length} values.");
        if (rows == 0 || outF == 0) return;
        if (!Vectorized || inF == 0)
        {
            Gemm.Multiply(false, false, rows, outF, inF, x, inF, w, outF, y, outF, accumulate: false);
            if (bias.Length != 0) Reductions.AddBias(y, bias, rows, outF);
            return;
        }
        int blocks = (inF + GemmBlocking.Kc - 1) / GemmBlocking.Kc;
        long partials = blocks == 1 ? 0 : (long)blocks * rows * outF;
        if (partials > Array.MaxLength)
            throw new ArgumentException($"DenseRows of {rows}×{inF} · {inF}×{outF} needs {partials} partial sums, more than an array holds.");
        if (blocks > 1 && (t_partials is null || t_partials.Length < partials)) t_partials = new float[partials];
        var scratch = blocks == 1 ? [] : t_partials.AsSpan(0, (int)partials);
        fixed (float* xp = x, wp = w, bp = bias, yp = y, sp = scratch)
        {
            var body = t_body ??= new BlockBody();
            // One block writes y directly; several write their own scratch rows, added up below.
            body.Set(rows, inF, outF, xp, wp, w.Length, blocks == 1 ? yp : sp);
            try
            {
                long work = (long)rows * inF * outF;
                int interleaved = Vector512.IsHardwareAccelerated && outF < 16 && blocks > 1 && work < WorkerPool.InlineWork
                    ? body.InterleavedFullBlocks() : 0;
                for (int blk = interleaved; blk < blocks && interleaved > 0; blk++) body.RunBlock(blk);
                if (interleaved == 0)
                {
                    int shares = work < WorkerPool.InlineWork ? 1 : Math.Min(WorkerPool.Shared.ThreadCount, blocks);
                    body.SetShares(shares);
                    if (shares == 1) body.Execute(0);
                    else WorkerPool.Shared.For(shares, body);
                }
            }
            finally
            {
                body.Clear();
            }
            AddUp(rows, outF, blocks, sp, bias.Length != 0 ? bp : null, yp);
        }
    }

    /// <summary>
    /// y = the blocks' partial sums added in block order (when there are several; one block wrote y
    /// itself), then + bias: the same additions element by element as the scalar loop, in vectors.
    /// </summary>
    private static void AddUp(int rows, int outF, int blocks, float* partials, float* bias, float* y)
    {
        long stride = (long)rows * outF;
        for (int i = 0; i < rows; i++)
        {
            float* yr = y + (long)i * outF, pr = partials + (long)i * outF;
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; j + 16 <= outF; j += 16)
                {
                    var sum = blocks > 1 ? Vector512.Load(pr + j) : Vector512.Load(yr + j);
                    for (int blk = 1; blk < blocks; blk++) sum += Vector512.Load(pr + blk * stride + j);
                    if (bias is not null) sum += Vector512.Load(bias + j);
                    sum.Store(yr + j);
                }
            }
            for (; j < outF; j++)
            {
                float sum = blocks > 1 ? pr[j] : yr[j];
                for (int blk = 1; blk < blocks; blk++) sum += pr[blk * stride + j];
                if (bias is not null) sum += bias[j];
                yr[j] = sum;
            }
        }
    }

    /// <summary>
    /// One share of W's k blocks per thread: the pool's work item (see the notes above). A thread
    /// takes the share it took last time when it is free, and runs its blocks in the other direction
    /// than last time when the weights are the same, so that the blocks it read last (still in its
    /// core's L2) come first.
    /// </summary>
    private sealed class BlockBody : IParallelBody
    {
        private int _rows, _inF, _outF;
        private float* _x, _w, _out;
        private long _wLength;
        private int _shares;
        private int[] _taken = new int[2];

        [ThreadStatic] private static int t_share;

        public void SetShares(int shares)
        {
            _shares = shares;
            if (_taken.Length < shares) _taken = new int[shares];
            Array.Clear(_taken, 0, shares);
        }

        /// <summary>Runs one share of the blocks: this thread's last one if it is still free, else the first free one.</summary>
        public void Execute(int index)
        {
            int share = t_share;
            if (share >= _shares || Interlocked.Exchange(ref _taken[share], 1) != 0)
            {
                share = 0;
                while (Interlocked.Exchange(ref _taken[share], 1) != 0) share++;
            }
            int blocks = (_inF + GemmBlocking.Kc - 1) / GemmBlocking.Kc;
            int first = ShareStart(share, blocks), end = ShareStart(share + 1, blocks);
            bool backward = DenseRowsDirections.Flip((nint)_w, share);
            if (_shares > 1) t_share = share;
            if (backward)
                for (int blk = end - 1; blk >= first; blk--) RunBlock(blk);
            else
                for (int blk = first; blk < end; blk++) RunBlock(blk);
        }

        /// <summary>The first block of share <paramref name="share"/>: shares as equal in rows of W as whole blocks allow.</summary>
        private int ShareStart(int share, int blocks) =>
            share >= _shares ? blocks : (int)Math.Min(blocks, ((long)share * _inF / _shares + GemmBlocking.Kc / 2) / GemmBlocking.Kc);

        public void Set(int rows, int inF, int outF, float* x, float* w, long wLength, float* output)
        {
            (_rows, _inF, _outF, _wLength) = (rows, inF, outF, wLength);
            _x = x;
            _w = w;
            _out = output;
        }

        public void Clear()
        {
            _x = _w = _out = null;
        }

        /// <summary>One k block of W, all rows and columns, into its own rows of the output.</summary>
        public void RunBlock(int index)
        {
            int pc = index * GemmBlocking.Kc, kc = Math.Min(GemmBlocking.Kc, _inF - pc);
            float* b = _w + pc * (long)_outF;
            int safeRows = SafeVectorRows(pc, kc, Vector512.IsHardwareAccelerated ? Vector512<float>.Count : Vector256<float>.Count);
            KernelBounds.Range(pc * (long)_outF, kc * (long)_outF, _wLength);
            for (int i = 0; i < _rows; i++)
            {
                float* a = _x + (long)i * _inF + pc, c = _out + ((long)index * _rows + i) * _outF;
                KernelBounds.Range((long)i * _inF + pc, kc, (long)_rows * _inF);
                if (Vector512.IsHardwareAccelerated) Row512(kc, a, b, _outF, c, safeRows);
                else Row256(kc, a, b, _outF, c, safeRows);
            }
        }

        /// <summary>
        /// For fewer than 16 columns on one thread (a 10-class output layer at batch 1): each block's
        /// sums are one chain of dependent multiply-adds, so block after block runs at the adds'
        /// latency. This runs the leading full blocks whose vector loads all stay inside W eight
        /// chains at a time, each chain the same operations in the same order as
        /// <see cref="Execute"/>'s (so the same bits); returns how many blocks it did.
        /// </summary>
        public int InterleavedFullBlocks()
        {
            int kc = GemmBlocking.Kc, n = _outF;
            int full = _inF / kc;
            while (full > 0 && SafeVectorRows((full - 1) * kc, kc, Vector512<float>.Count) < kc) full--;
            long ldb = n;
            for (int g0 = 0; g0 < full; g0 += 8)
            {
                int count = Math.Min(8, full - g0);
                // Missing chains of a short group repeat the group's first block; their sums are dropped.
                int b1 = g0 + Math.Min(1, count - 1), b2 = g0 + Math.Min(2, count - 1), b3 = g0 + Math.Min(3, count - 1);
                int b4 = g0 + Math.Min(4, count - 1), b5 = g0 + Math.Min(5, count - 1), b6 = g0 + Math.Min(6, count - 1), b7 = g0 + Math.Min(7, count - 1);
                for (int i = 0; i < _rows; i++)
                {
                    float* a = _x + (long)i * _inF;
                    Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
                    Vector512<float> s4 = default, s5 = default, s6 = default, s7 = default;
                    float* w0 = _w + (long)g0 * kc * ldb, w1 = _w + (long)b1 * kc * ldb, w2 = _w + (long)b2 * kc * ldb, w3 = _w + (long)b3 * kc * ldb;
                    float* w4 = _w + (long)b4 * kc * ldb, w5 = _w + (long)b5 * kc * ldb, w6 = _w + (long)b6 * kc * ldb, w7 = _w + (long)b7 * kc * ldb;
                    float* a0 = a + g0 * kc, a1 = a + b1 * kc, a2 = a + b2 * kc, a3 = a + b3 * kc;
                    float* a4 = a + b4 * kc, a5 = a + b5 * kc, a6 = a + b6 * kc, a7 = a + b7 * kc;
                    for (int p = 0; p < kc; p++)
                    {
                        long o = p * ldb;
                        s0 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[p]), Vector512.Load(w0 + o), s0);
                        s1 = Vector512.FusedMultiplyAdd(Vector512.Create(a1[p]), Vector512.Load(w1 + o), s1);
                        s2 = Vector512.FusedMultiplyAdd(Vector512.Create(a2[p]), Vector512.Load(w2 + o), s2);
                        s3 = Vector512.FusedMultiplyAdd(Vector512.Create(a3[p]), Vector512.Load(w3 + o), s3);
                        s4 = Vector512.FusedMultiplyAdd(Vector512.Create(a4[p]), Vector512.Load(w4 + o), s4);
                        s5 = Vector512.FusedMultiplyAdd(Vector512.Create(a5[p]), Vector512.Load(w5 + o), s5);
                        s6 = Vector512.FusedMultiplyAdd(Vector512.Create(a6[p]), Vector512.Load(w6 + o), s6);
                        s7 = Vector512.FusedMultiplyAdd(Vector512.Create(a7[p]), Vector512.Load(w7 + o), s7);
                    }
                    Span<Vector512<float>> sums = [s0, s1, s2, s3, s4, s5, s6, s7];
                    for (int q = 0; q < count; q++)
                    {
                        float* c = _out + ((long)(g0 + q) * _rows + i) * n;
                        for (int col = 0; col < n; col++) c[col] = sums[q].GetElement(col);
                    }
                }
            }
            return full;
        }

        /// <summary>
        /// How many of the block's rows (from its first) can load a vector of <paramref name="width"/>
        /// floats at the last partial column group without passing the end of W.
        /// </summary>
        private int SafeVectorRows(int pc, int kc, int width)
        {
            int j = _outF - _outF % width; // where the partial group starts
            if (_outF % width == 0) return kc;
            if (_wLength < j + width) return 0;
            long last = (_wLength - j - width) / _outF; // the last W row whose load stays inside
            return (int)Math.Clamp(last - pc + 1, 0, kc);
        }

        private static void Row512(int kc, float* a, float* b, int n, float* c, int safeRows)
        {
            const int W = 16;
            long ldb = n;
            int j = 0;
            for (; j + 8 * W <= n; j += 8 * W)
            {
                Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
                Vector512<float> s4 = default, s5 = default, s6 = default, s7 = default;
                float* bp = b + j;
                for (int p = 0; p < kc; p++, bp += ldb)
                {
                    var av = Vector512.Create(a[p]);
                    s0 = Vector512.FusedMultiplyAdd(av, Vector512.Load(bp), s0);
                    s1 = Vector512.FusedMultiplyAdd(av, Vector512.Load(bp + W), s1);
                    s2 = Vector512.FusedMultiplyAdd(av, Vector512.Load(bp + 2 * W), s2);
                    s3 = Vector512.FusedMultiplyAdd(av, Vector512.Load(bp + 3 * W), s3);
                    s4 = Vector512.FusedMultiplyAdd(av, Vector512.Load(bp + 4 * W), s4);
                    s5 = Vector512.FusedMultiplyAdd(av, Vector512.Load(bp + 5 * W), s5);
                    s6 = Vector512.FusedMultiplyAdd(av, Vector512.Load(bp + 6 * W), s6);
                    s7 = Vector512.FusedMultiplyAdd(av, Vector512.Load(bp + 7 * W), s7);
                }
                s0.Store(c + j);
                s1.Store(c + j + W);
                s2.Store(c + j + 2 * W);
                s3.Store(c + j + 3 * W);
                s4.Store(c + j + 4 * W);
                s5.Store(c + j + 5 * W);
                s6.Store(c + j + 6 * W);
                s7.Store(c + j + 7 * W);
            }
            for (; j + W <= n; j += W)
            {
                Vector512<float> s0 = default;
                float* bp = b + j;
                for (int p = 0; p < kc; p++, bp += ldb)
                    s0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[p]), Vector512.Load(bp), s0);
                s0.Store(c + j);
            }
            if (j < n)
            {
                // Fewer than W columns left: whole-vector loads while they stay inside W, then scalar.
                Vector512<float> s0 = default;
                float* bp = b + j;
                for (int p = 0; p < safeRows; p++, bp += ldb)
                    s0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[p]), Vector512.Load(bp), s0);
                for (int col = j; col < n; col++)
                    c[col] = FinishColumn(s0.GetElement(col - j), a, b + col, ldb, safeRows, kc);
            }
        }

        private static void Row256(int kc, float* a, float* b, int n, float* c, int safeRows)
        {
            const int W = 8;
            long ldb = n;
            int j = 0;
            for (; j + 8 * W <= n; j += 8 * W)
            {
                Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
                Vector256<float> s4 = default, s5 = default, s6 = default, s7 = default;
                float* bp = b + j;
                for (int p = 0; p < kc; p++, bp += ldb)
                {
                    var av = Vector256.Create(a[p]);
                    s0 = Fma.MultiplyAdd(av, Vector256.Load(bp), s0);
                    s1 = Fma.MultiplyAdd(av, Vector256.Load(bp + W), s1);
                    s2 = Fma.MultiplyAdd(av, Vector256.Load(bp + 2 * W), s2);
                    s3 = Fma.MultiplyAdd(av, Vector256.Load(bp + 3 * W), s3);
                    s4 = Fma.MultiplyAdd(av, Vector256.Load(bp + 4 * W), s4);
                    s5 = Fma.MultiplyAdd(av, Vector256.Load(bp + 5 * W), s5);
                    s6 = Fma.MultiplyAdd(av, Vector256.Load(bp + 6 * W), s6);
                    s7 = Fma.MultiplyAdd(av, Vector256.Load(bp + 7 * W), s7);
                }
                s0.Store(c + j);
                s1.Store(c + j + W);
                s2.Store(c + j + 2 * W);
                s3.Store(c + j + 3 * W);
                s4.Store(c + j + 4 * W);
                s5.Store(c + j + 5 * W);
                s6.Store(c + j + 6 * W);
                s7.Store(c + j + 7 * W);
            }
            for (; j + W <= n; j += W)
            {
                Vector256<float> s0 = default;
                float* bp = b + j;
                for (int p = 0; p < kc; p++, bp += ldb)
                    s0 = Fma.MultiplyAdd(Vector256.Create(a[p]), Vector256.Load(bp), s0);
                s0.Store(c + j);
            }
            if (j < n)
            {
                Vector256<float> s0 = default;
                float* bp = b + j;
                for (int p = 0; p < safeRows; p++, bp += ldb)
                    s0 = Fma.MultiplyAdd(Vector256.Create(a[p]), Vector256.Load(bp), s0);
                for (int col = j; col < n; col++)
                    c[col] = FinishColumn(s0.GetElement(col - j), a, b + col, ldb, safeRows, kc);
            }
        }

        /// <summary>A column's sum continued from row <paramref name="from"/> of the block in scalar fused multiply-adds.</summary>
        private static float FinishColumn(float sum, float* a, float* bColumn, long ldb, int from, int kc)
        {
            for (int p = from; p < kc; p++) sum = MathF.FusedMultiplyAdd(a[p], bColumn[p * ldb], sum);
            return sum;
        }
    }
}
