using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using DeepSharp.Bench.Harness;
using DeepSharp.Bench.Native;
using DeepSharp.Kernels.Cpu;
using TorchSharp;

namespace DeepSharp.Bench.Workloads;

/// <summary>
/// <c>--growth</c>: how the cost of one Conv2D layer grows. A 3×3 'same' convolution with bias on a
/// 28×28 image, timed for batch 1, 2, 4, ..., 512 at a fixed width (channels in = out) and for width
/// 8, 16, ..., 256 at a fixed batch, forward and forward + backward (input, kernel and bias
/// gradients), DeepSharp (Conv2DKernel on NHWC) and libtorch tuned (functional.conv2d on NCHW,
/// autograd) in alternation. Writes growth.csv, growth_batch.png (time per sample against batch)
/// and growth_width.png (GFLOP/s against width, with the measured FMA peak) into --out.
/// </summary>
internal static class GrowthWorkload
{
    /// <summary>Options of the growth mode.</summary>
    internal sealed record Options(string Out, bool Quick, int Threads, int Size, int Width, int Batch, int MaxBatch, int MaxWidth, int Reps, double MinSeconds, string Note = "");

    public const string Usage = """
        DeepSharp.Bench --growth --out DIR [options]: cost of one 3x3 'same' Conv2D layer against batch and width.
          --out DIR          folder for growth.csv, growth_batch.png, growth_width.png (created if needed)
          --quick            about a minute: one timed round per point, short measurements
          --threads N        threads for both frameworks (default 2)
          --size N           image side (default 28)
          --width N          channels in = out of the batch sweep (default 32)
          --batch N          batch of the width sweep (default 32)
          --max-batch N      largest batch (default 512)
          --max-width N      largest width (default 256)
          --reps N           timed rounds per point (default 3; quick: 1)
          --note TEXT        added under the charts' titles, e.g. "shared machine"
        """;

    public static Options Parse(string[] args)
    {
        bool quick = args.Contains("--quick");
        var o = new Options("", quick, 2, 28, 32, 32, 512, 256, quick ? 1 : 3, quick ? 0.05 : 0.3);
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--growth" or "--quick" => o,
                "--out" => o with { Out = Next() },
                "--threads" => o with { Threads = NextInt() },
                "--size" => o with { Size = NextInt() },
                "--width" => o with { Width = NextInt() },
                "--batch" => o with { Batch = NextInt() },
                "--max-batch" => o with { MaxBatch = NextInt() },
                "--max-width" => o with { MaxWidth = NextInt() },
                "--reps" => o with { Reps = NextInt() },
                "--note" => o with { Note = Next() },
                _ => throw new ArgumentException($"Unknown --growth option '{args[i]}'."),
            };
        }
        if (o.Out.Length == 0) throw new ArgumentException("--growth needs --out DIR (the folder for the CSV and the PNG charts).");
        if (o.Threads < 1 || o.Size < 3 || o.Width < 1 || o.Batch < 1 || o.MaxBatch < 1 || o.MaxWidth < 8 || o.Reps < 1)
            throw new ArgumentException("--threads, --width, --batch, --max-batch, --reps must be positive, --size at least 3, --max-width at least 8.");
        return o;
    }

    /// <summary>Batches 1, 2, 4, ... up to <paramref name="max"/>; widths 8, 16, ... up to <paramref name="max"/>.</summary>
    public static IReadOnlyList<int> Doublings(int first, int max)
    {
        var values = new List<int>();
        for (long v = first; v <= max; v *= 2) values.Add((int)v);
        return values;
    }

    public static int Run(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h")) { Console.WriteLine(Usage); return 0; }
        Options o;
        try { o = Parse(args); }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"DeepSharp.Bench --growth: {string.Join(' ', args)}");
        Console.WriteLine($"  {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z, {SystemInfo.CpuModel()}, {Environment.ProcessorCount} logical CPUs, " +
                          $"{RuntimeInformation.FrameworkDescription}, load {SystemInfo.LoadAverage()}, threads {o.Threads}");
        Console.WriteLine(LibTorchSharpFix.EnsureLoadable());
        var workers = new List<WorkerProcess>();
        try
        {
            workers.Add(WorkerProcess.Start("DeepSharp", "deepsharp", Orchestrator.Untuned));
            workers.Add(WorkerProcess.Start("libtorch", "torch", Orchestrator.Tuned));
            string init = $"init seed=42 threads={o.Threads}";
            foreach (var w in workers) w.Send(init);
            foreach (var w in workers) w.Receive(init);
            var (peak, how) = FmaPeak.Measure(o.Threads);
            Console.WriteLine($"FMA peak: {peak:F0} GFLOP/s ({how})");
            var runner = new AbRunner(workers);

            var points = new List<GrowthPoint>();
            foreach (int batch in Doublings(1, o.MaxBatch)) points.AddRange(Measure(runner, o, "batch", batch, o.Width, peak));
            foreach (int width in Doublings(8, o.MaxWidth)) points.AddRange(Measure(runner, o, "width", o.Batch, width, peak));

            Directory.CreateDirectory(o.Out);
            string machine = $"{SystemInfo.CpuModel()}, {o.Threads} threads, load {SystemInfo.LoadAverage()}, {DateTime.UtcNow:yyyy-MM-dd}" +
                             (o.Quick ? ", --quick" : "") + (o.Note.Length > 0 ? "\n" + o.Note : "");
            var written = new[]
            {
                GrowthChart.WriteCsv(points, Path.Combine(o.Out, "growth.csv")),
                GrowthChart.DrawBatch(points, o, machine, Path.Combine(o.Out, "growth_batch.png")),
                GrowthChart.DrawWidth(points, o, peak, machine, Path.Combine(o.Out, "growth_width.png")),
            };
            Console.WriteLine($"Wrote {string.Join(", ", written)} in {clock.Elapsed.TotalSeconds:F0} s; load {SystemInfo.LoadAverage()}.");
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"Bench --growth failed: {e.Message}");
            return 1;
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
        }
    }

    private static IEnumerable<GrowthPoint> Measure(AbRunner runner, Options o, string sweep, int batch, int width, double peak)
    {
        int outSide = FlopCount.ConvOutput(o.Size, 3, 1, same: true);
        double forward = FlopCount.ConvForward(batch, outSide, outSide, width, width, 3, 3);
        foreach (var pass in new[] { "fwd", "fwdbwd" })
        {
            double flop = pass == "fwd" ? forward : forward + FlopCount.ConvBackward(forward, inputGradient: true);
            var replies = runner.Alternate(_ => $"growconv n={batch} c={width} size={o.Size} pass={pass} min={o.MinSeconds.ToString(CultureInfo.InvariantCulture)}", o.Reps);
            for (int w = 0; w < runner.Workers.Count; w++)
            {
                var seconds = Stats.Of(replies[w].Select(r => r.Get("seconds")).ToList());
                double best = replies[w].Min(r => r.Get("best"));
                var point = new GrowthPoint(sweep, batch, width, o.Size, pass, runner.Workers[w].Label, seconds.Median, flop / seconds.Median / 1e9, peak)
                { BestSecondsPerCall = best };
                Console.WriteLine($"  {sweep,-5} batch {batch,3} width {width,3} {pass,-6} {point.Framework,-9} {point.SecondsPerCall * 1e3,9:F3} ms  " +
                                  $"{point.MicrosecondsPerSample,9:F2} us/sample  {point.Gflops,6:F0} GFLOP/s ({point.PercentOfPeak:F0} % of peak)");
                yield return point;
            }
        }
    }

    /// <summary>Worker side of "growconv": DeepSharp's kernels on NHWC arrays.</summary>
    public static Reply DeepSharp(Args a)
    {
        var (n, c, size, backward, min) = Read(a);
        var g = Conv2DGeometry.Create(n, size, size, c, c, 3, 3, 1, 1, samePadding: true);
        var rng = new Random(1);
        var x = Filled(g.InputLength, rng);
        var w = Filled(g.KernelLength, rng);
        var b = Filled(c, rng);
        var y = new float[g.OutputLength];
        var dy = Filled(g.OutputLength, rng);
        var dx = new float[g.InputLength];
        var dw = new float[g.KernelLength];
        var db = new float[c];
        return Timed(() =>
        {
            Conv2DKernel.Forward(x, w, b, y, g);
            if (!backward) return;
            Array.Clear(dx); // autograd hands the kernel a zeroed gradient
            Conv2DKernel.BackwardInput(dy, w, dx, g);
            Conv2DKernel.BackwardKernelFused(x, dy, [], dw, db, g);
        }, min);
    }

    /// <summary>Worker side of "growconv": libtorch's conv2d on NCHW, backward through autograd.</summary>
    public static Reply Torch(Args a)
    {
        var (n, c, size, backward, min) = Read(a);
        using var scope = torch.NewDisposeScope();
        var x = torch.rand(n, c, size, size).requires_grad_(backward);
        var w = torch.rand(c, c, 3, 3).requires_grad_(backward);
        var b = torch.rand(c).requires_grad_(backward);
        var dy = torch.rand(n, c, size, size);
        long[] padding = [1, 1];
        return Timed(() =>
        {
            using var inner = torch.NewDisposeScope();
            if (!backward)
            {
                using var noGrad = torch.no_grad();
                torch.nn.functional.conv2d(x, w, b, padding: padding);
                return;
            }
            var y = torch.nn.functional.conv2d(x, w, b, padding: padding);
            y.backward([dy]);
        }, min);
    }

    private static (int N, int C, int Size, bool Backward, double Min) Read(Args a) =>
        (a.Int("n"), a.Int("c"), a.Int("size"), a.Text("pass") == "fwdbwd", a.Double("min", 0.3));

    /// <summary>
    /// One untimed call (JIT, first touch), then the mean seconds per call over at least
    /// <paramref name="minSeconds"/> and the fastest single call (the one a shared machine disturbs least).
    /// </summary>
    private static Reply Timed(Action op, double minSeconds)
    {
        op();
        double best = double.MaxValue;
        double mean = Timing.SecondsPerCall(() =>
        {
            long start = Stopwatch.GetTimestamp();
            op();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }, minSeconds);
        return new Reply { ["seconds"] = mean, ["best"] = best };
    }

    private static float[] Filled(int length, Random rng)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = rng.NextSingle() - 0.5f;
        return values;
    }
}

/// <summary>One measured point of the growth sweeps: median seconds per call of one framework.</summary>
internal sealed record GrowthPoint(string Sweep, int Batch, int Width, int Size, string Pass, string Framework, double SecondsPerCall, double Gflops, double PeakGflops)
{
    /// <summary>The fastest single call of all rounds (NaN when not measured).</summary>
    public double BestSecondsPerCall { get; init; } = double.NaN;

    /// <summary>Microseconds per image of the batch.</summary>
    public double MicrosecondsPerSample => SecondsPerCall * 1e6 / Batch;

    /// <summary>GFLOP/s as a percentage of the measured FMA peak (NaN without a peak).</summary>
    public double PercentOfPeak => PeakGflops > 0 ? 100 * Gflops / PeakGflops : double.NaN;
}
