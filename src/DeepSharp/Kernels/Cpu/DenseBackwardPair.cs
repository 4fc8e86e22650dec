namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// A dense layer's backward is two products of the same size: dX (+)= dY·Wᵀ (rows×in×out) and
// dW += Xᵀ·dY (in×out×rows), plus the bias gradient db += Σ_rows dY. On two threads each product
// split over both threads ran at ~70 % of a core on the char-GPT's shapes (2,048 × 128 … 512; its
// tiles, the k-split partials and the hand-offs per product), while one product on one thread runs
// at 80–90 %. So with exactly two threads and both products large, they run as the two items of one
// parallel loop, each inline on its thread (a nested call runs on its caller): item 0 the dW product,
// the slower of the two on these shapes (Aᵀ read in place), which the calling thread starts without
// waiting for a worker to wake; item 1 the dX product and db. A product's bits never depend on how it is split (Gemm's
// contract), and SumRows' neither, so the result is the sequential one for every thread count.

/// <summary>The dX, dW and db of a dense layer's backward; dX and dW on a thread each where that pays.</summary>
internal sealed unsafe class DenseBackwardPair : IParallelBody
{
    /// <summary>Multiply-adds each product needs at least before the two run side by side (~40 µs of one core).</summary>
    public const long MinProductWork = 1L << 22;

    [ThreadStatic] private static DenseBackwardPair? t_instance;

    private float* _x, _w, _dy, _dx, _dw, _db;
    private int _rows, _in, _out;
    private bool _accumulateDx;

    /// <summary>
    /// For x (rows, in), W (in, out) and dY (rows, out): dX (+)= dY·Wᵀ (overwritten unless
    /// <paramref name="accumulateDx"/>), dW += Xᵀ·dY, db += Σ_rows dY. Any of dX, dW, db may be empty (not needed).
    /// </summary>
    public static void Run(int rows, int inF, int outF, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dy,
        Span<float> dx, bool accumulateDx, Span<float> dw, Span<float> db)
    {
        if (rows < 0 || inF < 0 || outF < 0)
            throw new ArgumentException($"Dense backward of {rows}×{inF}×{outF}: sizes must be non-negative.");
        long work = (long)rows * inF * outF;
        if (dx.IsEmpty || dw.IsEmpty || work < MinProductWork || WorkerPool.Shared.ThreadCount != 2 || Shares(x, w, dy, dx, dw, db))
        {
            Sequential(rows, inF, outF, x, w, dy, dx, accumulateDx, dw, db);
            return;
        }
        Check("x", x.Length, (long)rows * inF);
        Check("W", w.Length, (long)inF * outF);
        Check("dY", dy.Length, (long)rows * outF);
        Check("dX", dx.Length, (long)rows * inF);
        Check("dW", dw.Length, (long)inF * outF);
        if (!db.IsEmpty) Check("db", db.Length, outF);
        var body = t_instance ??= new DenseBackwardPair();
        fixed (float* px = x, pw = w, pdy = dy, pdx = dx, pdw = dw, pdb = db)
        {
            body._x = px;
            body._w = pw;
            body._dy = pdy;
            body._dx = pdx;
            body._dw = pdw;
            body._db = db.IsEmpty ? null : pdb;
            (body._rows, body._in, body._out, body._accumulateDx) = (rows, inF, outF, accumulateDx);
            try { WorkerPool.Shared.For(2, body); }
            finally { body._x = body._w = body._dy = body._dx = body._dw = body._db = null; }
        }
    }

    public void Execute(int index)
    {
        int rows = _rows, inF = _in, outF = _out;
        var dy = new ReadOnlySpan<float>(_dy, rows * outF);
        if (index == 1)
        {
            Gemm.Multiply(false, true, rows, inF, outF, dy, outF, new ReadOnlySpan<float>(_w, inF * outF), outF,
                new Span<float>(_dx, rows * inF), inF, _accumulateDx);
            if (_db is not null) Reductions.SumRows(dy, new Span<float>(_db, outF), rows, outF);
        }
        else
        {
            Gemm.Multiply(true, false, inF, outF, rows, new ReadOnlySpan<float>(_x, rows * inF), inF, dy, outF,
                new Span<float>(_dw, inF * outF), outF, accumulate: true);
        }
    }

    private static void Sequential(int rows, int inF, int outF, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dy,
        Span<float> dx, bool accumulateDx, Span<float> dw, Span<float> db)
    {
        if (!dx.IsEmpty) Gemm.Multiply(false, true, rows, inF, outF, dy, outF, w, outF, dx, inF, accumulateDx);
        if (!dw.IsEmpty) Gemm.Multiply(true, false, inF, outF, rows, x, inF, dy, outF, dw, outF, accumulate: true);
        if (!db.IsEmpty) Reductions.SumRows(dy, db, rows, outF);
    }

    /// <summary>Whether what one item writes meets what the other reads or writes (then they run in turn).</summary>
    private static bool Shares(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dw, Span<float> db)
    {
        ReadOnlySpan<float> rdx = dx, rdw = dw, rdb = db;
        return rdw.Overlaps(dy) || rdw.Overlaps(w) || rdw.Overlaps(rdx) || rdw.Overlaps(rdb) || rdx.Overlaps(x) || rdb.Overlaps(x);
    }

    private static void Check(string name, int length, long needed)
    {
        if (length < needed)
            throw new ArgumentException($"Dense backward got {name} of {length} elements; it needs {needed}.");
    }
}
