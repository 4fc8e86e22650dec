using DeepSharp.Bench.Harness;

namespace DeepSharp.Bench;

internal static class Program
{
    private static int Main(string[] args)
    {
        if (args is ["--worker", var framework]) return WorkerHost.Run(framework);
        if (args is ["--mpi-rank", .. var rankArgs]) return Workloads.MpiWorkload.Rank(rankArgs); // (m): one rank under mpiexec
        if (args is ["--mpi", .. var mpiArgs]) return Workloads.MpiWorkload.Orchestrate(mpiArgs);       // (m): data-parallel training on MPI
        if (args is ["--growth", ..]) return Workloads.GrowthWorkload.Run(args);                         // cost growth: batch and width sweeps, CSV + PNG
        if (args is ["--self-check"]) return Harness.SelfCheck.Run();                                    // FLOP counts, CSV and PNG writing
        if (args is ["serving", .. var servingArgs]) return Workloads.ServingLoadWorkload.Run(servingArgs);
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(BenchOptions.Usage);
            return 0;
        }
        BenchOptions options;
        try { options = BenchOptions.Parse(args); }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(BenchOptions.Usage);
            return 2;
        }
        return Orchestrator.Run(options, args);
    }
}
