using System.Diagnostics;
using System.Runtime.InteropServices;
using DeepSharp.Bench.Native;
using DeepSharp.Bench.Workloads;

namespace DeepSharp.Bench.Harness;

/// <summary>
/// Starts one worker per framework (DeepSharp; libtorch with glibc's allocator tuned; libtorch with
/// glibc's defaults), runs every workload on them in alternation and prints the table.
/// </summary>
internal static class Orchestrator
{
    // The allocator tuning the issue names: glibc must read it at process start, hence separate processes.
    internal static readonly Dictionary<string, string?> Tuned = new()
    {
        ["GLIBC_TUNABLES"] = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=17179869184",
        ["THP_MEM_ALLOC_ENABLE"] = "1",
    };

    internal static readonly Dictionary<string, string?> Untuned = new()
    {
        ["GLIBC_TUNABLES"] = null,
        ["THP_MEM_ALLOC_ENABLE"] = null,
    };

    public static int Run(BenchOptions o, string[] args)
    {
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"DeepSharp.Bench {(o.Quick ? "--quick (partial epochs, few repetitions)" : "full")}: {string.Join(' ', args)}");
        Console.WriteLine($"  {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z, {SystemInfo.CpuModel()}, {Environment.ProcessorCount} logical CPUs, " +
                          $"{RuntimeInformation.FrameworkDescription}, load {SystemInfo.LoadAverage()}");
        Console.WriteLine($"  threads {o.Threads} for both frameworks, seed {o.Seed}");
        Console.WriteLine(LibTorchSharpFix.EnsureLoadable());

        var workers = new List<WorkerProcess>();
        try
        {
            if (o.Solo is null or "deepsharp") workers.Add(WorkerProcess.Start("DeepSharp", "deepsharp", Untuned));
            if (o.Solo is null or "torch") workers.Add(WorkerProcess.Start("libtorch tuned", "torch", Tuned));
            if (o.WithDefaultReference && o.Solo is null) workers.Add(WorkerProcess.Start("libtorch default", "torch", Untuned));
            if (o.WithPassiveReference && o.Solo is null or "torch") workers.Add(WorkerProcess.Start("libtorch passive", "torch", new Dictionary<string, string?>(Tuned) { ["OMP_WAIT_POLICY"] = "PASSIVE" }));
            Console.WriteLine("libtorch tuned: " + string.Join(' ', Tuned.Select(kv => $"{kv.Key}={kv.Value}")) + "; libtorch default: neither set.");
            string init = $"init seed={o.Seed} threads={o.Threads}";
            foreach (var w in workers) w.Send(init);   // loading MNIST and libtorch overlap; nothing is timed yet
            foreach (var w in workers)
            {
                var r = w.Receive(init);
                Console.WriteLine($"  {w.Label}: MNIST and the seed model ready in {r.Get("seconds"):F1} s{(r.Note is null ? "" : "; " + r.Note)}");
            }

            var (peak, how) = FmaPeak.Measure(o.Threads);
            Console.WriteLine($"FMA peak: {peak:F0} GFLOP/s ({how})");

            var table = new ResultTable(workers.Select(w => w.Label).ToList());
            var bench = new BenchContext(o, new AbRunner(workers), table, peak);
            if (o.Only.Contains('a') || o.Only.Contains('f')) TrainingWorkload.Run(bench);
            if (o.Only.Contains('d')) InferenceWorkload.Run(bench);
            if (o.Only.Contains('e')) AllocationWorkload.Run(bench);
            if (o.Only.Contains('b')) SgemmWorkload.Run(bench);
            if (o.Only.Contains('c')) ConvWorkload.Run(bench);
            if (o.Only.Contains('v')) Conv3DWorkload.Run(bench);
            if (o.Only.Contains('g')) CharGptWorkload.Run(bench);
            if (o.Only.Contains('h')) LstmWorkload.Run(bench);
            if (o.Only.Contains('i')) ConvnetAccuracyWorkload.Run(bench);
            if (o.Only.Contains('q')) Int8Workload.Run(bench);
            if (o.Only.Contains('j')) ConvnetAugWorkload.Run(bench);
            if (o.Only.Contains('p')) StepProfileWorkload.Run(bench);

            Console.WriteLine();
            Console.WriteLine($"== Results: median [min-max] n=timed rounds; ratio = DeepSharp / reference; load {SystemInfo.LoadAverage()}; " +
                              $"{clock.Elapsed.TotalSeconds:F0} s in all");
            if (o.Quick) Console.WriteLine($"   --quick: training rounds are PARTIAL epochs of {o.QuickSteps} steps; run without --quick for full epochs.");
            Console.Write(table.Render());
            if (bench.Roofline.Count > 0) Console.Write(Environment.NewLine + bench.Roofline.Render(bench.PeakGflops));
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            Console.Error.WriteLine($"Bench failed: {e.Message}");
            return 1;
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
        }
    }
}
