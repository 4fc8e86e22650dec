using System.Runtime.InteropServices;

namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// After the backward steps an LSTM sums its weight gradients over all T·B rows in one product:
//   [dW; dU] (F + U, G) = [inputs | states]ᵀ (F + U, T·B) · dz (T·B, G)
// Through Gemm.Multiply that took a side-by-side copy of [inputs | states] (T·B rows of F + U) and
// then a transposed-A GEMM whose every region packs op(A) again: on two threads the grid is 1×4
// (A is 384 rows, C 1024 columns), so the 3 MB of op(A) was packed four times, each time gathering
// Mr floats from each of 2048 rows. Here op(A) is packed once, straight from its two sources, into
// micro-panels laid out by k block as the driver's packed A is (block pc at pc·paddedM, panel i0 at
// + i0·kc, for each k the Mr values of the panel's rows), by all threads in one pass; the product
// then splits C by columns only, so each region packs its own columns of dz (never twice) and reads
// the shared op(A).
// Determinism: the same micro-kernel, k blocks of GemmBlocking.Kc summed from zero in k order and
// then added to C (edge tiles through the scratch tile): every element has the bits of
// Gemm.Multiply(transA: true, ...) on the side-by-side operand, for any split and thread count.

/// <summary>
/// C (F + U, G) = [inputs | states]ᵀ·dz with op(A) packed once from its two sources and shared by the
/// threads: the LSTM's dW and dU in one product, bit-identical to Gemm.Multiply on the side-by-side copy.
/// </summary>
internal static unsafe class RecurrentWeightGradient
{
    /// <summary>Whether the layer takes this path (the probes turn it off to compare both in one process).</summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>Rows of op(A) packed per band of k: each band's rows stay in L1 while they are spread over the panels.</summary>
    private const int Band = 16;

    [ThreadStatic] private static NativeBuffer? t_packedA;

    /// <summary>
    /// <paramref name="c"/> (features + units, width), overwritten = inputsᵀ·dz stacked over statesᵀ·dz:
    /// <paramref name="inputs"/> (rows, features), <paramref name="states"/> (rows, units), <paramref name="dz"/> (rows, width).
    /// </summary>
    public static void Multiply(ReadOnlySpan<float> inputs, int features, ReadOnlySpan<float> states, int units,
        ReadOnlySpan<float> dz, int width, int rows, Span<float> c)
    {
        if (features < 0 || units < 0 || width < 0 || rows < 0)
            throw new ArgumentOutOfRangeException(nameof(rows), $"Recurrent weight gradient sizes must be non-negative: features={features}, units={units}, width={width}, rows={rows}.");
        Require(inputs.Length, (long)rows * features, nameof(inputs));
        Require(states.Length, (long)rows * units, nameof(states));
        Require(dz.Length, (long)rows * width, nameof(dz));
        Require(c.Length, (long)(features + units) * width, nameof(c));
        int m = features + units;
        if (m == 0 || width == 0) return;
        if (rows == 0)
        {
            c[..(m * width)].Clear();
            return;
        }
        fixed (float* px = inputs, ph = states, pz = dz, pc = c)
        {
            var job = new Job(px, features, ph, units, pz, width, rows, pc);
            switch (GemmKernels.Current)
            {
                case GemmKernelKind.Vector512: Run<GemmMicroKernel512>(ref job); break;
                case GemmKernelKind.Vector256: Run<GemmMicroKernel256>(ref job); break;
                case GemmKernelKind.Vector128: Run<GemmMicroKernel128>(ref job); break;
                default: Run<GemmMicroKernelScalar>(ref job); break;
            }
        }
    }

    private static void Run<TKernel>(ref Job job) where TKernel : struct, IGemmMicroKernel
    {
        int mr = TKernel.Mr, nr = TKernel.Nr;
        int m = job.Features + job.Units;
        job.PaddedM = (m + mr - 1) / mr * mr;
        long floats = (long)job.PaddedM * job.Rows;
        var buffer = t_packedA ??= new NativeBuffer();
        job.PackedA = buffer.Ensure(floats);
        int blocks = (job.Rows + GemmBlocking.Kc - 1) / GemmBlocking.Kc;
        int panels = job.PaddedM / mr;
        int threads = WorkerPool.Shared.ThreadCount;
        long work = (long)m * job.Width * job.Rows;
        int columnPanels = (job.Width + nr - 1) / nr;
        int tasks = threads == 1 || work < GemmBlocking.ParallelThreshold ? 1 : Math.Min(columnPanels, threads * GemmBlocking.TasksPerThread);
        var body = Body<TKernel>.ForThisThread;
        (body.Job, body.Blocks, body.Panels, body.Tasks, body.ColumnPanels) = (job, blocks, panels, tasks, columnPanels);
        try
        {
            body.Packing = true;
            if (tasks == 1) for (int i = 0; i < blocks; i++) body.Execute(i);
            else WorkerPool.Shared.For(blocks, body);
            body.Packing = false;
            if (tasks == 1) body.Execute(0);
            else WorkerPool.Shared.For(tasks, body);
        }
        finally { body.Job = default; }
    }

    /// <summary>The operands of one call.</summary>
    private struct Job(float* inputs, int features, float* states, int units, float* dz, int width, int rows, float* c)
    {
        public readonly float* Inputs = inputs, States = states, Dz = dz, C = c;
        public readonly int Features = features, Units = units, Width = width, Rows = rows;
        public float* PackedA;
        public int PaddedM;
    }

    /// <summary>The two passes of one call (packing op(A) by k block, then the column regions); one per calling thread and kernel.</summary>
    private sealed class Body<TKernel> : IParallelBody where TKernel : struct, IGemmMicroKernel
    {
        [ThreadStatic] private static Body<TKernel>? t_instance;

        public Job Job;
        public int Blocks, Panels, Tasks, ColumnPanels;
        public bool Packing;

        public static Body<TKernel> ForThisThread => t_instance ??= new Body<TKernel>();

        public void Execute(int index)
        {
            if (Packing) PackBlock(index);
            else Columns(index);
        }

        /// <summary>op(A)'s k block <paramref name="b"/>: for each of its rows of [inputs | states], Mr values into every panel.</summary>
        private void PackBlock(int b)
        {
            int mr = TKernel.Mr, pc = b * GemmBlocking.Kc, kc = Math.Min(GemmBlocking.Kc, Job.Rows - pc);
            int f = Job.Features, u = Job.Units, m = f + u;
            float* block = Job.PackedA + (nint)pc * Job.PaddedM;
            for (int p0 = 0; p0 < kc; p0 += Band)
            {
                int p1 = Math.Min(kc, p0 + Band);
                for (int panel = 0; panel < Panels; panel++)
                {
                    int i0 = panel * mr;
                    float* dst = block + (nint)i0 * kc;
                    if (i0 + mr <= f)
                        for (int p = p0; p < p1; p++) Copy(Job.Inputs + (nint)(pc + p) * f + i0, dst + (nint)p * mr, mr);
                    else if (i0 >= f && i0 + mr <= m)
                        for (int p = p0; p < p1; p++) Copy(Job.States + (nint)(pc + p) * u + (i0 - f), dst + (nint)p * mr, mr);
                    else
                        for (int p = p0; p < p1; p++)
                        {
                            float* x = Job.Inputs + (nint)(pc + p) * f, h = Job.States + (nint)(pc + p) * u;
                            for (int i = 0; i < mr; i++)
                            {
                                int row = i0 + i;
                                dst[(nint)p * mr + i] = row < f ? x[row] : row < m ? h[row - f] : 0f;
                            }
                        }
                }
            }
        }

        /// <summary>Region <paramref name="task"/>: whole column panels of C over every row, every k block in turn.</summary>
        private void Columns(int task)
        {
            int mr = TKernel.Mr, nr = TKernel.Nr, m = Job.Features + Job.Units;
            int c0 = (int)((long)task * ColumnPanels / Tasks) * nr;
            int c1 = Math.Min(Job.Width, (int)((long)(task + 1) * ColumnPanels / Tasks) * nr);
            var buffers = GemmBlocking.Buffers;
            int nc = GemmBlocking.Nc(Math.Min(Job.Rows, GemmBlocking.Kc), nr);
            for (int jc = c0; jc < c1; jc += nc)
            {
                int ncur = Math.Min(nc, c1 - jc);
                for (int b = 0; b < Blocks; b++)
                {
                    int pc = b * GemmBlocking.Kc, kc = Math.Min(GemmBlocking.Kc, Job.Rows - pc);
                    bool accumulate = pc > 0;
                    GemmPacking.PackB(false, Job.Dz + (nint)pc * Job.Width + jc, Job.Width, kc, ncur, nr, buffers.B);
                    float* blockA = Job.PackedA + (nint)pc * Job.PaddedM;
                    for (int ir = 0; ir < m; ir += mr)
                        for (int jr = 0; jr < ncur; jr += nr)
                            Tile(blockA + (nint)ir * kc, buffers.B + (nint)jr * kc, ir, jc + jr, kc, Math.Min(mr, m - ir), Math.Min(nr, ncur - jr), accumulate, buffers.Tile);
                }
            }
        }

        /// <summary>One Mr×Nr tile of C over k block depth <paramref name="kc"/>; an edge tile through the scratch tile.</summary>
        private void Tile(float* a, float* bp, int ir, int col, int kc, int rowsHere, int cols, bool accumulate, float* tile)
        {
            int nr = TKernel.Nr;
            float* ct = Job.C + (nint)ir * Job.Width + col;
            if (rowsHere == TKernel.Mr && cols == nr)
            {
                TKernel.Run(kc, a, bp, ct, Job.Width, accumulate);
                return;
            }
            TKernel.Run(kc, a, bp, tile, nr, false);
            for (int i = 0; i < rowsHere; i++)
                for (int j = 0; j < cols; j++)
                    ct[(nint)i * Job.Width + j] = accumulate ? ct[(nint)i * Job.Width + j] + tile[i * nr + j] : tile[i * nr + j];
        }

        private static void Copy(float* src, float* dst, int n) => Buffer.MemoryCopy(src, dst, n * sizeof(float), n * sizeof(float));
    }

    private static void Require(int length, long needed, string name)
    {
        if (length < needed)
            throw new ArgumentException($"Recurrent weight gradient: {name} holds {length} floats; the sizes need {needed}.", name);
    }

    /// <summary>A 64-byte aligned native buffer kept between calls (a fresh 3 MB per call costs page faults).</summary>
    private sealed class NativeBuffer
    {
        private float* _data;
        private long _capacity;

        public float* Ensure(long floats)
        {
            if (floats <= _capacity) return _data;
            Free();
            _data = (float*)NativeMemory.AlignedAlloc((nuint)floats * sizeof(float), 64);
            _capacity = floats;
            return _data;
        }

        ~NativeBuffer() => Free();

        private void Free()
        {
            if (_data is null) return;
            NativeMemory.AlignedFree(_data);
            _data = null;
            _capacity = 0;
        }
    }
}
