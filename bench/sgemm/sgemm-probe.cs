// SGEMM probe: where the 512-bit GEMM loses against the FMA peak, piece by piece, on one process.
// Run from this folder (a .NET 10 file-based app), in Release:
//   dotnet run -c Release sgemm-probe.cs -- micro            micro-kernel alone on packed panels (L1 / L2)
//   dotnet run -c Release sgemm-probe.cs -- tiles            8x32 library kernel against a 12x32 candidate (packed A, B from L2)
//   dotnet run -c Release sgemm-probe.cs -- pack             packing one 256x512 B panel from a large B
//   dotnet run -c Release sgemm-probe.cs -- gemm 1 512,1024,2048    Gemm.Multiply on 1 thread (or 2, ...)
//   dotnet run -c Release sgemm-probe.cs -- shared 2 512,256,128x128x784,128x784x128b,784x128x128a
//        B packed once per call (GemmSharedB) against each region packing its own B, alternated
//        call block by call block in one process; shapes MxNxK, suffix a = A transposed, b = B
//        transposed; per call: wall and process-CPU microseconds, medians over the rounds
//   dotnet run -c Release sgemm-probe.cs -- transa 1 784x128x128a,5408x128x128a
//        a transposed A packed against read in place (GemmBlocking.TransposedAInPlace, which applies
//        up to 128 columns of C), alternated the same way; +P pads A's rows by P floats (lda = m + P)
//   dotnet run -c Release sgemm-probe.cs -- transa-shared 2 784x128x128a   packed/in place × regions/B once
//   dotnet run -c Release sgemm-probe.cs -- wall 2 256,512,25088x128x128b [base|prefetch|shared|splitk|rows]
//        wall-clock GFLOP/s on the pool against its own FMA peak, variants alternated round by round
//        after a 1.5 s warm-up; for a quiet machine or a run under `chrt -r 1`; the variants may
//        also be given as settings, "cfg:rows=0/rows=1,shared=0/" (see Setting; empty = as built)
//   dotnet run -c Release sgemm-probe.cs -- alt 2 512,1024,128x128x5408 "/rows=1/mc=384,panel=1024"
//        settings (see Setting) alternated call block by call block as in `shared`: per call CPU
//        and wall medians, for a loaded machine
//   dotnet run -c Release sgemm-probe.cs -- regions 1024,2048
//        where two threads lose: the pool call, two regions (by columns, by rows) run directly on
//        the two pool threads, each timed by wall and thread CPU clock, and one thread alone
//   dotnet run -c Release sgemm-probe.cs -- handoff 128x784x128b,128x128x784
//   dotnet run -c Release sgemm-probe.cs -- dropout 204800
//        the Philox dropout mask (DropoutMaskKernel, mask and x·mask) on 1 and 2 threads against the old
//        serial xoshiro128** loop (RandomGenerator.NextFloat per element, then x·mask): wall and CPU medians
//   dotnet run -c Release sgemm-probe.cs -- handoff-spin 128x784x128b 0,50,200 20:0,100:0,20:20
//        2-thread pool calls separated by GAP us of serial work on the caller, worker-spin:caller-spin
//        settings in us (WorkerPool.SpinTicks, CallerSpinTicks) alternated block by block: per call
//        wall median, and process CPU per call + gap (the spinning's cost)
//        a small product's two column halves through the worker pool, timestamped: the worker's
//        start, each half's time, the caller's wait after its half, the call; and one thread alone
// Every other figure is GFLOP/s per second of process CPU time (least disturbed on a shared machine),
// best of 5 rounds, against the FMA loop's peak on one thread measured the same way; `gemm`
// also prints wall-clock GFLOP/s (meaningful on a quiet machine only). The assembly is named
// DeepSharp.Bench to see the kernels, which are internal (InternalsVisibleTo).
#:project ../../src/DeepSharp/DeepSharp.csproj
#:property AssemblyName=DeepSharp.Bench
#:property AllowUnsafeBlocks=true
#:property PublishAot=false
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using DeepSharp.Kernels.Cpu;

string mode = args.Length > 0 ? args[0] : "micro";
double peak = Peak();
Console.WriteLine($"one-thread FMA peak: {peak:F1} GFLOP/s per CPU second; load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
switch (mode)
{
    case "micro": Micro(peak); break;
    case "pack": Pack(peak); break;
    case "tiles": Tiles(peak); break;
    case "gemm": Multiply(peak, args.Length > 1 ? int.Parse(args[1]) : 1, args.Length > 2 ? args[2] : "512,1024,2048"); break;
    case "shared":
        Alternate(args.Length > 1 ? int.Parse(args[1]) : 2, args.Length > 2 ? args[2] : "256,384,512,128x128x784,128x784x128b,784x128x128a",
            ("regions pack B", () => GemmBlocking.SharedBEnabled = false), ("B packed once", () => GemmBlocking.SharedBEnabled = true));
        break;
    case "transa":
        Alternate(args.Length > 1 ? int.Parse(args[1]) : 1, args.Length > 2 ? args[2] : "784x128x128a,5408x128x128a,128x64x512a,64x64x128a,384x128x2048a",
            ("A packed", () => GemmBlocking.TransposedAInPlace = false), ("A in place", () => GemmBlocking.TransposedAInPlace = true));
        break;
    case "transa-shared":
        Alternate(args.Length > 1 ? int.Parse(args[1]) : 2, args.Length > 2 ? args[2] : "784x128x128a,5408x128x128a",
            ("packed, regions", () => { GemmBlocking.TransposedAInPlace = false; GemmBlocking.SharedBEnabled = false; }),
            ("packed, B once", () => { GemmBlocking.TransposedAInPlace = false; GemmBlocking.SharedBEnabled = true; }),
            ("in place, regions", () => { GemmBlocking.TransposedAInPlace = true; GemmBlocking.SharedBEnabled = false; }),
            ("in place, B once", () => { GemmBlocking.TransposedAInPlace = true; GemmBlocking.SharedBEnabled = true; }));
        break;
    case "wall":
        Wall(args.Length > 1 ? int.Parse(args[1]) : 2, args.Length > 2 ? args[2] : "256,384,512,1024,2048", args.Length > 3 ? args[3] : "base");
        break;
    case "alt":
        Alternate(args.Length > 1 ? int.Parse(args[1]) : 2, args.Length > 2 ? args[2] : "512,1024,2048",
            (args.Length > 3 ? args[3] : "/rows=1").Split('/').Select(Setting).ToArray());
        break;
    case "handoff":
        Handoff(args.Length > 1 ? args[1] : "128x784x128b,128x128x784");
        break;
    case "handoff-spin":
        HandoffSpin(args.Length > 1 ? args[1] : "128x784x128b,128x128x784", args.Length > 2 ? args[2] : "0,50,200",
            args.Length > 3 ? args[3] : "20:0,100:0,20:20,100:50");
        break;
    case "dropout":
        DropoutProbe(args.Length > 1 ? int.Parse(args[1]) : 128 * 1600);
        break;
    case "regions":
        Regions(args.Length > 1 ? args[1] : "512,1024,2048");
        break;
    default: Console.WriteLine("modes: micro | pack | gemm THREADS SIZES | shared THREADS SHAPES | transa THREADS SHAPES"); return 2;
}
return 0;

static double CpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

// GFLOP/s per CPU second, best of five rounds of `calls` calls of `flops` each.
static double Best(long calls, double flops, Action<long> call)
{
    double best = 0;
    for (int round = 0; round < 5; round++)
    {
        double start = CpuSeconds();
        for (long i = 0; i < calls; i++) call(i);
        best = Math.Max(best, calls * flops / (CpuSeconds() - start) / 1e9);
    }
    return best;
}

static double Peak() => Best(5, 20_000_000.0 * 12 * 32, _ => Loop512(20_000_000));

static unsafe void Micro(double peak)
{
    foreach (int kc in new[] { 128, 256, 512 })
    {
        const int panels = 16; // B micro-panels a macro-kernel row walks (NC = 512): 512 KB at kc = 256
        float* a = Alloc(8 * kc), b = Alloc(32 * kc * panels), c = Alloc(8 * 64);
        for (int i = 0; i < 8 * kc; i++) a[i] = 0.001f * (i % 7);
        for (int i = 0; i < 32 * kc * panels; i++) b[i] = 0.001f * (i % 5);
        foreach (var (label, count) in new[] { ("B in L1", 1), ("B from L2", panels) })
        {
            long calls = 100_000_000L / kc;
            double flops = 2.0 * 8 * 32 * kc;
            double packed = Best(calls, flops, i => GemmMicroKernel512.Run(kc, a, b + i % count * 32 * kc, c, 64, true));
            double inPlace = Best(calls, flops, i => GemmMicroKernel512.RunInPlaceA(kc, a, kc, b + i % count * 32 * kc, c, 64, true));
            Console.WriteLine($"micro-kernel 8x32 kc={kc} {label}: packed A {packed:F1} ({100 * packed / peak:F0} %), A in place {inPlace:F1} ({100 * inPlace / peak:F0} %)");
        }
    }
}

static unsafe void Tiles(double peak)
{
    foreach (int kc in new[] { 128, 256 })
    {
        const int panels = 32; // 1 MB of B at kc = 256: from L2
        float* a = Alloc(12 * kc), b = Alloc(32 * kc * panels), c = Alloc(12 * 64);
        for (int i = 0; i < 12 * kc; i++) a[i] = 0.001f * (i % 7);
        for (int i = 0; i < 32 * kc * panels; i++) b[i] = 0.001f * (i % 5);
        for (int round = 0; round < 2; round++)
        {
            long calls = 100_000_000L / kc;
            double k8 = Best(calls, 2.0 * 8 * 32 * kc, i => GemmMicroKernel512.Run(kc, a, b + i % panels * 32 * kc, c, 64, true));
            double k12 = Best(calls, 2.0 * 12 * 32 * kc, i => Kernel12x32.Run(kc, a, b + i % panels * 32 * kc, c, 64, true));
            Console.WriteLine($"kc={kc} B from L2: 8x32 {k8:F1} ({100 * k8 / peak:F0} %), 12x32 {k12:F1} ({100 * k12 / peak:F0} %)");
        }
    }
}

static unsafe void Pack(double peak)
{
    const int kc = 256, nc = 512, rows = 2048;
    foreach (int ldb in new[] { 512, 1024, 2048 })
    {
        float* src = Alloc(ldb * rows), dst = Alloc(kc * nc);
        for (long i = 0; i < (long)ldb * rows; i++) src[i] = i % 13;
        int blocks = rows / kc * (ldb / nc); // walk the whole source, so it comes from L3 / memory
        double start = CpuSeconds();
        const int calls = 4000;
        for (int i = 0; i < calls; i++)
        {
            int block = i % blocks;
            GemmPacking.PackB(false, src + block % (rows / kc) * kc * (long)ldb + block / (rows / kc) * nc, ldb, kc, nc, 32, dst);
        }
        double seconds = (CpuSeconds() - start) / calls;
        double pass = 2.0 * kc * nc * 512 / (peak * 1e9); // 512 rows of A through that panel at peak
        Console.WriteLine($"PackB 256x512 from ldb={ldb}: {seconds * 1e6:F1} us = {100 * seconds / pass:F1} % of 512 rows' multiply at peak");
    }
}

static void Multiply(double peak, int threads, string sizes)
{
    DeepSharp.Threads.Count = threads;
    foreach (int n in sizes.Split(',').Select(int.Parse))
    {
        var rng = new Random(1);
        float[] x = new float[n * n], y = new float[n * n], z = new float[n * n];
        for (int i = 0; i < x.Length; i++) (x[i], y[i]) = (rng.NextSingle() - 0.5f, rng.NextSingle() - 0.5f);
        double flops = 2.0 * n * n * n;
        long calls = Math.Max(1, (long)(3e10 / flops));
        for (int i = 0; i < 3; i++) Gemm.Multiply(false, false, n, n, n, x, n, y, n, z, n, false);
        double wall = 0;
        double cpu = Best(1, calls * flops, _ =>
        {
            var clock = Stopwatch.StartNew();
            for (long i = 0; i < calls; i++) Gemm.Multiply(false, false, n, n, n, x, n, y, n, z, n, false);
            wall = Math.Max(wall, calls * flops / clock.Elapsed.TotalSeconds / 1e9);
        });
        Console.WriteLine($"gemm {n}^3 on {threads} thread(s): {cpu:F1} GFLOP/s per CPU second ({100 * cpu / peak:F0} % of one thread's peak), " +
                          $"wall {wall:F1} GFLOP/s ({100 * wall / (threads * peak):F0} % of {threads}x that peak)");
    }
}

// Variants of the same call alternated call block by call block in one process; they must give
// the same bits (checked on the first round). The last variant is left set.
static void Alternate(int threads, string shapes, params (string Name, Action Set)[] variants)
{
    DeepSharp.Threads.Count = threads;
    foreach (string spec in shapes.Split(','))
    {
        string shape = spec.Split('+')[0];
        int pad = spec.Contains('+') ? int.Parse(spec.Split('+')[1]) : 0;
        bool ta = shape.EndsWith('a'), tb = shape.EndsWith('b');
        int[] d = shape.TrimEnd('a', 'b').Split('x').Select(int.Parse).ToArray();
        int m = d[0], n = d.Length > 1 ? d[1] : d[0], k = d.Length > 2 ? d[2] : d[0];
        int lda = (ta ? m : k) + pad, ldb = tb ? k : n;
        var rng = new Random(1);
        float[] x = new float[(ta ? k : m) * lda], y = new float[k * n], z = new float[m * n];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextSingle() - 0.5f;
        for (int i = 0; i < y.Length; i++) y[i] = rng.NextSingle() - 0.5f;
        double flops = 2.0 * m * n * k;
        long calls = Math.Max(1, (long)(3e9 / flops));
        int count = variants.Length;
        var wall = Enumerable.Range(0, count).Select(_ => new List<double>()).ToArray();
        var cpu = Enumerable.Range(0, count).Select(_ => new List<double>()).ToArray();
        float[] first = [];
        for (int round = 0; round < 23; round++)
        {
            for (int variant = 0; variant < count; variant++)
            {
                variants[variant].Set();
                Gemm.Multiply(ta, tb, m, n, k, x, lda, y, ldb, z, n, false);
                if (round == 0 && variant > 0 && !z.AsSpan().SequenceEqual(first))
                    throw new InvalidOperationException($"{spec}: the variants give different bits");
                if (round == 0 && variant == 0) first = (float[])z.Clone();
                double c0 = CpuSeconds();
                var clock = Stopwatch.StartNew();
                for (long i = 0; i < calls; i++) Gemm.Multiply(ta, tb, m, n, k, x, lda, y, ldb, z, n, false);
                wall[variant].Add(clock.Elapsed.TotalSeconds * 1e6 / calls);
                cpu[variant].Add((CpuSeconds() - c0) * 1e6 / calls);
            }
        }
        static double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
        var line = new System.Text.StringBuilder($"{spec,-18} {threads} thr");
        for (int v = 0; v < count; v++)
            line.Append($" | {variants[v].Name}: wall {Median(wall[v]),8:F1} us cpu {Median(cpu[v]),8:F1} us ({flops / Median(cpu[v]) / 1e3:F0} GFLOP/s per CPU s)" +
                        (v == 0 ? "" : $" cpu ×{Median(cpu[v]) / Median(cpu[0]):F3} wall ×{Median(wall[v]) / Median(wall[0]):F3}"));
        Console.WriteLine(line);
    }
}

// Wall-clock GFLOP/s on THREADS threads against the FMA loop's peak on as many threads (one loop
// per pool thread, the slowest sets the rate), for a quiet machine or a run under `chrt -r 1`:
// each shape is warmed up for ~1.5 s (tiered JIT), then the variants of SET alternate round by
// round (rounds of >= 0.1 s); medians of the rounds, wall and process CPU.
static void Wall(int threads, string shapes, string set)
{
    DeepSharp.Threads.Count = threads;
    (string Name, Action Set)[] variants = set switch
    {
        "base" => [("as built", () => { })],
        "prefetch" => [("A not prefetched", () => GemmBlocking.PrefetchNextA = false), ("next A panel prefetched", () => GemmBlocking.PrefetchNextA = true)],
        "shared" => [("regions pack B", () => GemmBlocking.SharedBEnabled = false), ("B packed once", () => GemmBlocking.SharedBEnabled = true)],
        "splitk" => [("k not split", () => GemmBlocking.SplitKEnabled = false), ("k split", () => GemmBlocking.SplitKEnabled = true)],
        "rows" => [("grid", () => GemmRowBands.Enabled = false), ("row bands", () => GemmRowBands.Enabled = true)],
        _ when set.StartsWith("cfg:") => set[4..].Split('/').Select(Setting).ToArray(),
        _ => throw new ArgumentException($"unknown variant set {set}"),
    };
    double peak = PoolPeak(threads);
    Console.WriteLine($"{threads}-thread FMA peak (pool, wall): {peak:F1} GFLOP/s; load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
    foreach (string spec in shapes.Split(','))
    {
        bool ta = spec.EndsWith('a'), tb = spec.EndsWith('b');
        int[] d = spec.TrimEnd('a', 'b').Split('x').Select(int.Parse).ToArray();
        int m = d[0], n = d.Length > 1 ? d[1] : d[0], k = d.Length > 2 ? d[2] : d[0];
        int lda = ta ? m : k, ldb = tb ? k : n;
        var rng = new Random(1);
        float[] x = new float[m * k], y = new float[k * n], z = new float[m * n];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextSingle() - 0.5f;
        for (int i = 0; i < y.Length; i++) y[i] = rng.NextSingle() - 0.5f;
        double flops = 2.0 * m * n * k;
        long calls = Math.Max(1, (long)(0.1 * peak * 1e9 / flops));
        var warm = Stopwatch.StartNew();
        float[] first = [];
        for (int v = 0; v < variants.Length; v++)
        {
            variants[v].Set();
            Gemm.Multiply(ta, tb, m, n, k, x, lda, y, ldb, z, n, false);
            if (v == 0) first = (float[])z.Clone();
            else if (!z.AsSpan().SequenceEqual(first)) throw new InvalidOperationException($"{spec}: variant {variants[v].Name} gives different bits");
        }
        while (warm.Elapsed.TotalSeconds < 1.5)
            foreach (var v in variants) { v.Set(); Gemm.Multiply(ta, tb, m, n, k, x, lda, y, ldb, z, n, false); }
        var wall = variants.Select(_ => new List<double>()).ToArray();
        var cpu = variants.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < 15; round++)
            for (int v = 0; v < variants.Length; v++)
            {
                variants[v].Set();
                double c0 = CpuSeconds();
                var clock = Stopwatch.StartNew();
                for (long i = 0; i < calls; i++) Gemm.Multiply(ta, tb, m, n, k, x, lda, y, ldb, z, n, false);
                wall[v].Add(clock.Elapsed.TotalSeconds / calls);
                cpu[v].Add((CpuSeconds() - c0) / calls);
            }
        static double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
        var line = new System.Text.StringBuilder($"{spec,-14}");
        for (int v = 0; v < variants.Length; v++)
        {
            double w = Median(wall[v]), c = Median(cpu[v]);
            line.Append($" | {variants[v].Name}: {flops / w / 1e9,6:F1} GFLOP/s {100 * flops / w / 1e9 / peak,3:F0} % (best {100 * flops / wall[v].Min() / 1e9 / peak:F0} %), cpu/wall {c / w:F2}");
            if (v > 0) line.Append($", wall ×{w / Median(wall[0]):F3}");
        }
        Console.WriteLine(line);
    }
}

// Where a 2-thread call loses against one thread: each size's call on the pool (as built), the
// same product as two regions run directly by the two pool threads (C by columns, then by rows),
// each thread timed by its own wall clock and CPU clock (CLOCK_THREAD_CPUTIME_ID), and the whole
// product as one region on the calling thread alone; alternated round by round, medians of 15.
// Per-thread rates are GFLOP/s per second of that thread's CPU against half the pool's peak.
static unsafe void Regions(string sizes)
{
    DeepSharp.Threads.Count = 2;
    double peak = PoolPeak(2);
    Console.WriteLine($"2-thread FMA peak (pool, wall): {peak:F1} GFLOP/s; load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
    foreach (int n in sizes.Split(',').Select(int.Parse))
    {
        var rng = new Random(1);
        float* x = Alloc((long)n * n), y = Alloc((long)n * n), z = Alloc((long)n * n);
        for (long i = 0; i < (long)n * n; i++) (x[i], y[i]) = (rng.NextSingle() - 0.5f, rng.NextSingle() - 0.5f);
        var gemm = new GemmArgs { A = x, B = y, C = z, LengthA = (long)n * n, LengthB = (long)n * n, LengthC = (long)n * n, Lda = n, Ldb = n, Ldc = n, M = n, N = n, K = n };
        double flops = 2.0 * n * n * n;
        long calls = Math.Max(1, (long)(0.1 * peak * 1e9 / flops));
        var cols = new RegionBody(gemm, byColumns: true);
        var rows = new RegionBody(gemm, byColumns: false);
        var names = new[] { "pool call", "columns", "rows", "one thread" };
        var wall = names.Select(_ => new List<double>()).ToArray();
        var busy = names.Select(_ => new List<double>()).ToArray();    // slowest thread's busy wall per call
        var thrCpu = names.Select(_ => new List<double>()).ToArray();  // mean thread CPU per call (2-thread: per thread)
        Action<int> run = v =>
        {
            if (v == 0) GemmDriver<GemmMicroKernel512>.Multiply(gemm, null);
            else if (v == 1) WorkerPool.Shared.For(2, cols);
            else if (v == 2) WorkerPool.Shared.For(2, rows);
            else GemmDriver<GemmMicroKernel512>.RunRegion(gemm, 0, n, 0, n);
        };
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < 1.5)
            for (int v = 0; v < names.Length; v++) run(v);
        for (int round = 0; round < 15; round++)
            for (int v = 0; v < names.Length; v++)
            {
                long reps = v == 3 ? Math.Max(1, calls / 2) : calls;
                var body = v == 1 ? cols : v == 2 ? rows : null;
                body?.Reset();
                double t0 = ThreadCpu();
                var clock = Stopwatch.StartNew();
                for (long i = 0; i < reps; i++) run(v);
                double w = clock.Elapsed.TotalSeconds / reps;
                wall[v].Add(w);
                if (body is not null)
                {
                    busy[v].Add(body.Wall.Max() / reps);
                    thrCpu[v].Add(body.Cpu.Average() / reps);
                }
                else
                {
                    busy[v].Add(w);
                    thrCpu[v].Add(v == 3 ? (ThreadCpu() - t0) / reps : double.NaN);
                }
            }
        static double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
        for (int v = 0; v < names.Length; v++)
        {
            double w = Median(wall[v]);
            string line = $"{n}^3 {names[v],-11}: wall {w * 1e3,8:F3} ms = {100 * flops / w / 1e9 / peak,3:F0} % of the 2-thread peak";
            if (v == 1 || v == 2)
                line += $"; slowest thread busy {Median(busy[v]) * 1e3:F3} ms, per thread {100 * flops / 2 / Median(thrCpu[v]) / 1e9 / (peak / 2),3:F0} % of a core per CPU s, fork/join+imbalance {100 * (w - Median(busy[v])) / w:F1} %";
            if (v == 3)
                line += $"; {100 * flops / Median(thrCpu[v]) / 1e9 / (peak / 2),3:F0} % of a core per CPU s";
            Console.WriteLine(line);
        }
        NativeMemory.AlignedFree(x);
        NativeMemory.AlignedFree(y);
        NativeMemory.AlignedFree(z);
    }
}

// Where a 2-thread call of a small product waits: the product cut as the driver cuts it for two
// threads by columns (tile columns split in halves), each half run through WorkerPool.Shared.For
// with timestamps: the worker's start after the call's start, each half's own time, the caller's
// wait after its half, and the call against the longer half; medians over ~2 s of calls, next to
// the whole product on one thread. Under `chrt -r 1` on a loaded machine.
static unsafe void Handoff(string shapes)
{
    DeepSharp.Threads.Count = 2;
    foreach (string spec in shapes.Split(','))
    {
        bool ta = spec.EndsWith('a'), tb = spec.EndsWith('b');
        int[] d = spec.TrimEnd('a', 'b').Split('x').Select(int.Parse).ToArray();
        int m = d[0], n = d[1], k = d[2];
        int lda = ta ? m : k, ldb = tb ? k : n;
        float* x = Alloc((long)m * k), y = Alloc((long)k * n), z = Alloc((long)m * n);
        var rng = new Random(1);
        for (long i = 0; i < (long)m * k; i++) x[i] = rng.NextSingle() - 0.5f;
        for (long i = 0; i < (long)k * n; i++) y[i] = rng.NextSingle() - 0.5f;
        var gemm = new GemmArgs { A = x, B = y, C = z, LengthA = (long)m * k, LengthB = (long)k * n, LengthC = (long)m * n, Lda = lda, Ldb = ldb, Ldc = n, M = m, N = n, K = k, TransA = ta, TransB = tb };
        var body = new StampedHalves(gemm);
        var names = new[] { "worker start", "caller half", "worker half", "caller waits", "call", "longer half", "one thread" };
        var v = names.Select(_ => new List<double>()).ToArray();
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < 1.0) { WorkerPool.Shared.For(2, body); GemmDriver<GemmMicroKernel512>.RunRegion(gemm, 0, m, 0, n); }
        var total = Stopwatch.StartNew();
        double tick = 1e6 / Stopwatch.Frequency;
        while (total.Elapsed.TotalSeconds < 2.0)
        {
            for (int r = 0; r < 20; r++)
            {
                long t0 = Stopwatch.GetTimestamp();
                body.CallerThread = Environment.CurrentManagedThreadId;
                WorkerPool.Shared.For(2, body);
                long t1 = Stopwatch.GetTimestamp();
                int c = body.Thread[0] == body.CallerThread ? 0 : 1, w = 1 - c;
                if (body.Thread[w] == body.CallerThread) continue; // both halves on the caller
                v[0].Add((body.Start[w] - t0) * tick);
                v[1].Add((body.End[c] - body.Start[c]) * tick);
                v[2].Add((body.End[w] - body.Start[w]) * tick);
                v[3].Add((t1 - body.End[c]) * tick);
                v[4].Add((t1 - t0) * tick);
                v[5].Add(Math.Max(body.End[0] - body.Start[0], body.End[1] - body.Start[1]) * tick);
            }
            long s0 = Stopwatch.GetTimestamp();
            GemmDriver<GemmMicroKernel512>.RunRegion(gemm, 0, m, 0, n);
            v[6].Add((Stopwatch.GetTimestamp() - s0) * tick);
        }
        static double Median(List<double> l) => l.Count == 0 ? double.NaN : l.Order().ElementAt(l.Count / 2);
        Console.WriteLine($"{spec}: " + string.Join(", ", names.Select((name, i) => $"{name} {Median(v[i]):F1} us")) + $" ({v[4].Count} calls)");
        NativeMemory.AlignedFree(x);
        NativeMemory.AlignedFree(y);
        NativeMemory.AlignedFree(z);
    }
}

static unsafe void HandoffSpin(string shapes, string gaps, string spins)
{
    DeepSharp.Threads.Count = 2;
    var settings = spins.Split(',').Select(p => p.Split(':').Select(double.Parse).ToArray()).ToArray();
    double tick = 1e6 / Stopwatch.Frequency;
    foreach (string spec in shapes.Split(','))
    {
        bool ta = spec.EndsWith('a'), tb = spec.EndsWith('b');
        int[] d = spec.TrimEnd('a', 'b').Split('x').Select(int.Parse).ToArray();
        int m = d[0], n = d[1], k = d[2];
        float* x = Alloc((long)m * k), y = Alloc((long)k * n), z = Alloc((long)m * n);
        var rng = new Random(1);
        for (long i = 0; i < (long)m * k; i++) x[i] = rng.NextSingle() - 0.5f;
        for (long i = 0; i < (long)k * n; i++) y[i] = rng.NextSingle() - 0.5f;
        var gemm = new GemmArgs { A = x, B = y, C = z, LengthA = (long)m * k, LengthB = (long)k * n, LengthC = (long)m * n, Lda = ta ? m : k, Ldb = tb ? k : n, Ldc = n, M = m, N = n, K = k, TransA = ta, TransB = tb };
        var body = new StampedHalves(gemm);
        foreach (double gap in gaps.Split(',').Select(double.Parse))
        {
            long gapTicks = (long)(gap / tick);
            var wall = settings.Select(_ => new List<double>()).ToArray();
            var cpu = settings.Select(_ => new List<double>()).ToArray();
            var warm = Stopwatch.StartNew();
            while (warm.Elapsed.TotalSeconds < 0.5) WorkerPool.Shared.For(2, body);
            var total = Stopwatch.StartNew();
            while (total.Elapsed.TotalSeconds < 3.0)
                for (int s = 0; s < settings.Length; s++)
                {
                    WorkerPool.SpinTicks = (long)(settings[s][0] / tick);
                    WorkerPool.CallerSpinTicks = (long)(settings[s][1] / tick);
                    const int Calls = 40;
                    double c0 = CpuSeconds();
                    for (int r = 0; r < Calls; r++)
                    {
                        long t0 = Stopwatch.GetTimestamp();
                        WorkerPool.Shared.For(2, body);
                        long t1 = Stopwatch.GetTimestamp();
                        wall[s].Add((t1 - t0) * tick);
                        while (Stopwatch.GetTimestamp() - t1 < gapTicks) { }
                    }
                    cpu[s].Add(CpuSeconds() - c0);
                }
            static double Median(List<double> l) => l.Count == 0 ? double.NaN : l.Order().ElementAt(l.Count / 2);
            static double Quantile(List<double> l, double q) => l.Count == 0 ? double.NaN : l.Order().ElementAt((int)(q * (l.Count - 1)));
            Console.WriteLine($"{spec} gap {gap} us: " + string.Join("; ", settings.Select((st, i) =>
                $"spin {st[0]}:{st[1]} call {Median(wall[i]):F1} us (p90 {Quantile(wall[i], 0.9):F1}), CPU per call+gap {cpu[i].Sum() * 1e6 / wall[i].Count:F1} us")) + $" ({wall[0].Count} calls each)");
        }
        WorkerPool.SpinTicks = Stopwatch.Frequency / 50_000;
        WorkerPool.CallerSpinTicks = 0;
        NativeMemory.AlignedFree(x);
        NativeMemory.AlignedFree(y);
        NativeMemory.AlignedFree(z);
    }
}

static void DropoutProbe(int n)
{
    var x = new float[n];
    float[] mask = new float[n], y = new float[n];
    var rng = new Random(1);
    for (int i = 0; i < n; i++) x[i] = rng.NextSingle() - 0.5f;
    var generator = new DeepSharp.Tensors.RandomGenerator(3);
    uint threshold = DropoutMaskKernel.Threshold(0.5f);
    var variants = new (string Name, Action Run)[]
    {
        ("xoshiro loop (main), 1 thread", () =>
        {
            for (int i = 0; i < n; i++) mask[i] = generator.NextFloat() >= 0.5f ? 2f : 0f;
            System.Numerics.Tensors.TensorPrimitives.Multiply(x, mask, y);
        }),
        ("Philox, 1 thread", () => { DeepSharp.Threads.Count = 1; DropoutMaskKernel.Apply(x, mask, y, 1, 2, threshold, 2f); }),
        ("Philox, 2 threads", () => { DeepSharp.Threads.Count = 2; DropoutMaskKernel.Apply(x, mask, y, 1, 2, threshold, 2f); }),
    };
    var wall = variants.Select(_ => new List<double>()).ToArray();
    var cpu = variants.Select(_ => new List<double>()).ToArray();
    var total = Stopwatch.StartNew();
    while (total.Elapsed.TotalSeconds < 4)
        for (int v = 0; v < variants.Length; v++)
        {
            double c0 = CpuSeconds();
            long t0 = Stopwatch.GetTimestamp();
            for (int r = 0; r < 20; r++) variants[v].Run();
            wall[v].Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds / 20);
            cpu[v].Add((CpuSeconds() - c0) * 1e3 / 20);
        }
    foreach (var (name, i) in variants.Select((v, i) => (v.Name, i)))
        Console.WriteLine($"dropout {n}: {name}: wall {wall[i].Order().ElementAt(wall[i].Count / 2):F3} ms, CPU {cpu[i].Sum() / cpu[i].Count:F3} ms ({wall[i].Count} blocks of 20)");
}

static unsafe double ThreadCpu()
{
    Timespec t;
    ClockGettime(3, &t); // CLOCK_THREAD_CPUTIME_ID
    return t.Seconds + t.Nanoseconds * 1e-9;
}

[DllImport("libc", EntryPoint = "clock_gettime")]
static extern unsafe int ClockGettime(int clock, Timespec* t);

// A variant given as settings, e.g. "rows=0,shared=0" (GemmRowBands, shared B, split k, prefetch
// of the next A panel, pfta = prefetch of a transposed A read in place,
// tarule = GemmBlocking.TransposedAStrideRule, half = GemmBlocking.HalfEdgeTiles; 0 off, 1 on; small=MEGA sets
// GemmBlocking.OneRegionPerThreadBelow to MEGA million multiply-adds): settings not named are as built (rows and shared: as detected
// for this CPU, the others on);
// mc=ROWS and panel=KB set GemmBlocking.McRows and PanelFloats (not named: as built).
static (string Name, Action Set) Setting(string spec) => (spec.Length == 0 ? "as built" : spec, () =>
{
    GemmBlocking.SharedBEnabled = RowBandsAsBuilt.Shared;
    GemmBlocking.SplitKEnabled = true;
    GemmBlocking.PrefetchNextA = true;
    GemmBlocking.PrefetchTransposedA = RowBandsAsBuilt.PrefetchTransposed;
    GemmBlocking.TransposedAStrideRule = RowBandsAsBuilt.StrideRule;
    GemmBlocking.OneRegionPerThreadBelow = RowBandsAsBuilt.OneRegionBelow;
    GemmBlocking.RowMajorAInPlace = true;
    GemmBlocking.HalfEdgeTiles = true;
    GemmBlocking.PrefetchBDistance = RowBandsAsBuilt.PrefetchB;
    GemmRowBands.Enabled = RowBandsAsBuilt.Value;
    GemmBlocking.McRows = RowBandsAsBuilt.Mc;
    GemmBlocking.PanelFloats = RowBandsAsBuilt.Panel;
    foreach (string kv in spec.Split(',', StringSplitOptions.RemoveEmptyEntries))
    {
        string[] p = kv.Split('=');
        int value = int.Parse(p[1]);
        switch (p[0])
        {
            case "shared": GemmBlocking.SharedBEnabled = value != 0; break;
            case "splitk": GemmBlocking.SplitKEnabled = value != 0; break;
            case "prefetch": GemmBlocking.PrefetchNextA = value != 0; break;
            case "pfta": GemmBlocking.PrefetchTransposedA = value != 0; break;
            case "tarule": GemmBlocking.TransposedAStrideRule = value != 0; break;
            case "small": GemmBlocking.OneRegionPerThreadBelow = value * 1_000_000L; break;
            case "half": GemmBlocking.HalfEdgeTiles = value != 0; break;
            case "pfb": GemmBlocking.PrefetchBDistance = value; break;
            case "rows": GemmRowBands.Enabled = value != 0; break;
            case "mc": GemmBlocking.McRows = value; break;
            case "ainplace": GemmBlocking.RowMajorAInPlace = value != 0; break;
            case "panel": GemmBlocking.PanelFloats = value * 256; break;
            default: throw new ArgumentException($"unknown setting {p[0]}");
        }
    }
});

static double PoolPeak(int threads)
{
    var body = new PeakBody(threads);
    double best = 0;
    for (int round = 0; round < 7; round++)
    {
        WorkerPool.Shared.For(threads, body);
        best = Math.Max(best, threads * 5_000_000.0 * 12 * 32 / body.Seconds.Max() / 1e9);
    }
    return best;
}

static unsafe float* Alloc(long floats) => (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);

[MethodImpl(MethodImplOptions.NoInlining)]
static float Loop512(long iterations)
{
    var m = Vector512.Create(0.9999f);
    var c = Vector512.Create(1e-4f);
    Vector512<float> a0 = Vector512.Create(0.1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
    for (long i = 0; i < iterations; i++)
    {
        a0 = Vector512.FusedMultiplyAdd(a0, m, c); a1 = Vector512.FusedMultiplyAdd(a1, m, c); a2 = Vector512.FusedMultiplyAdd(a2, m, c);
        a3 = Vector512.FusedMultiplyAdd(a3, m, c); a4 = Vector512.FusedMultiplyAdd(a4, m, c); a5 = Vector512.FusedMultiplyAdd(a5, m, c);
        a6 = Vector512.FusedMultiplyAdd(a6, m, c); a7 = Vector512.FusedMultiplyAdd(a7, m, c); a8 = Vector512.FusedMultiplyAdd(a8, m, c);
        a9 = Vector512.FusedMultiplyAdd(a9, m, c); a10 = Vector512.FusedMultiplyAdd(a10, m, c); a11 = Vector512.FusedMultiplyAdd(a11, m, c);
    }
    return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
}

sealed class PeakBody(int threads) : IParallelBody
{
    public readonly double[] Seconds = new double[threads];
    public float Sink;

    public void Execute(int index)
    {
        var clock = Stopwatch.StartNew();
        Sink += Loop512(5_000_000);
        Seconds[index] = clock.Elapsed.TotalSeconds;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float Loop512(long iterations)
    {
        var m = Vector512.Create(0.9999f);
        var c = Vector512.Create(1e-4f);
        Vector512<float> a0 = Vector512.Create(0.1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c); a1 = Vector512.FusedMultiplyAdd(a1, m, c); a2 = Vector512.FusedMultiplyAdd(a2, m, c);
            a3 = Vector512.FusedMultiplyAdd(a3, m, c); a4 = Vector512.FusedMultiplyAdd(a4, m, c); a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c); a7 = Vector512.FusedMultiplyAdd(a7, m, c); a8 = Vector512.FusedMultiplyAdd(a8, m, c);
            a9 = Vector512.FusedMultiplyAdd(a9, m, c); a10 = Vector512.FusedMultiplyAdd(a10, m, c); a11 = Vector512.FusedMultiplyAdd(a11, m, c);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}

static class RowBandsAsBuilt
{
    public static readonly bool Value = GemmRowBands.Enabled;
    public static readonly int Mc = GemmBlocking.McRows, Panel = GemmBlocking.PanelFloats;
    public static readonly bool Shared = GemmBlocking.SharedBEnabled;
    public static readonly bool PrefetchTransposed = GemmBlocking.PrefetchTransposedA;
    public static readonly bool StrideRule = GemmBlocking.TransposedAStrideRule;
    public static readonly long OneRegionBelow = GemmBlocking.OneRegionPerThreadBelow;
    public static readonly int PrefetchB = GemmBlocking.PrefetchBDistance;
}

struct Timespec
{
    public long Seconds;
    public long Nanoseconds;
}

// Region i of a 2-region split of C (by columns or by rows), run directly on pool thread i.
// The two column halves of a product (tile columns split as the driver's 1×2 grid does), each
// stamped with its thread and start and end timestamps.
sealed class StampedHalves(GemmArgs args) : IParallelBody
{
    public readonly long[] Start = new long[2], End = new long[2];
    public readonly int[] Thread = new int[2];
    public int CallerThread;

    public void Execute(int index)
    {
        Start[index] = Stopwatch.GetTimestamp();
        Thread[index] = Environment.CurrentManagedThreadId;
        int units = (args.N + 31) / 32;
        int c0 = Math.Min(args.N, index * units / 2 * 32), c1 = Math.Min(args.N, (index + 1) * units / 2 * 32);
        GemmDriver<GemmMicroKernel512>.RunRegion(args, 0, args.M, c0, c1);
        End[index] = Stopwatch.GetTimestamp();
    }
}

sealed class RegionBody(GemmArgs args, bool byColumns) : IParallelBody
{
    public readonly double[] Wall = new double[2], Cpu = new double[2];

    public void Reset()
    {
        Array.Clear(Wall);
        Array.Clear(Cpu);
    }

    public unsafe void Execute(int index)
    {
        double c0 = ThreadCpuNow();
        var clock = Stopwatch.StartNew();
        int mUnits = args.M / 8, nUnits = args.N / 32;
        if (byColumns)
            GemmDriver<GemmMicroKernel512>.RunRegion(args, 0, args.M, index * nUnits / 2 * 32, (index + 1) * nUnits / 2 * 32);
        else
            GemmDriver<GemmMicroKernel512>.RunRegion(args, index * mUnits / 2 * 8, (index + 1) * mUnits / 2 * 8, 0, args.N);
        Wall[index] += clock.Elapsed.TotalSeconds;
        Cpu[index] += ThreadCpuNow() - c0;
    }

    private static unsafe double ThreadCpuNow()
    {
        Timespec t;
        ClockGettime(3, &t);
        return t.Seconds + t.Nanoseconds * 1e-9;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern unsafe int ClockGettime(int clock, Timespec* t);
}

// A 12x32 candidate tile (24 zmm accumulators) on a packed A panel (12 values per k step).
static unsafe class Kernel12x32
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Run(int kc, float* a, float* b, float* c, nint ldc, bool accumulate)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default;
        Vector512<float> c90 = default, c91 = default, ca0 = default, ca1 = default, cb0 = default, cb1 = default;
        for (int p = 0; p < kc; p++, a += 12, b += 32)
        {
            Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 16);
            Vector512<float> ar = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(ar, b0, c00); c01 = Vector512.FusedMultiplyAdd(ar, b1, c01);
            ar = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(ar, b0, c10); c11 = Vector512.FusedMultiplyAdd(ar, b1, c11);
            ar = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(ar, b0, c20); c21 = Vector512.FusedMultiplyAdd(ar, b1, c21);
            ar = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(ar, b0, c30); c31 = Vector512.FusedMultiplyAdd(ar, b1, c31);
            ar = Vector512.Create(a[4]); c40 = Vector512.FusedMultiplyAdd(ar, b0, c40); c41 = Vector512.FusedMultiplyAdd(ar, b1, c41);
            ar = Vector512.Create(a[5]); c50 = Vector512.FusedMultiplyAdd(ar, b0, c50); c51 = Vector512.FusedMultiplyAdd(ar, b1, c51);
            ar = Vector512.Create(a[6]); c60 = Vector512.FusedMultiplyAdd(ar, b0, c60); c61 = Vector512.FusedMultiplyAdd(ar, b1, c61);
            ar = Vector512.Create(a[7]); c70 = Vector512.FusedMultiplyAdd(ar, b0, c70); c71 = Vector512.FusedMultiplyAdd(ar, b1, c71);
            ar = Vector512.Create(a[8]); c80 = Vector512.FusedMultiplyAdd(ar, b0, c80); c81 = Vector512.FusedMultiplyAdd(ar, b1, c81);
            ar = Vector512.Create(a[9]); c90 = Vector512.FusedMultiplyAdd(ar, b0, c90); c91 = Vector512.FusedMultiplyAdd(ar, b1, c91);
            ar = Vector512.Create(a[10]); ca0 = Vector512.FusedMultiplyAdd(ar, b0, ca0); ca1 = Vector512.FusedMultiplyAdd(ar, b1, ca1);
            ar = Vector512.Create(a[11]); cb0 = Vector512.FusedMultiplyAdd(ar, b0, cb0); cb1 = Vector512.FusedMultiplyAdd(ar, b1, cb1);
        }
        Store(c, c00, c01, accumulate); Store(c + ldc, c10, c11, accumulate); Store(c + 2 * ldc, c20, c21, accumulate);
        Store(c + 3 * ldc, c30, c31, accumulate); Store(c + 4 * ldc, c40, c41, accumulate); Store(c + 5 * ldc, c50, c51, accumulate);
        Store(c + 6 * ldc, c60, c61, accumulate); Store(c + 7 * ldc, c70, c71, accumulate); Store(c + 8 * ldc, c80, c81, accumulate);
        Store(c + 9 * ldc, c90, c91, accumulate); Store(c + 10 * ldc, ca0, ca1, accumulate); Store(c + 11 * ldc, cb0, cb1, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector512<float> v0, Vector512<float> v1, bool accumulate)
    {
        if (accumulate)
        {
            v0 += Vector512.Load(c);
            v1 += Vector512.Load(c + 16);
        }
        v0.Store(c);
        v1.Store(c + 16);
    }
}
