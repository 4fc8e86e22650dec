using System.Diagnostics;

namespace DeepSharp.Tests.Distributed;

/// <summary>
/// Runs tests/DeepSharp.DistributedHost under MPICH's <c>mpiexec -n N</c> (or alone, N = 0), as a
/// user launches a job. Without mpiexec the tests fail and say what to install: they never pass silently.
/// </summary>
internal static class MpiJob
{
    public sealed record Result(int Code, string Out, string Err, TimeSpan Elapsed)
    {
        public string All => Out + Err;
    }

    public static string Host => Path.Combine(AppContext.BaseDirectory, "DeepSharp.DistributedHost.dll");

    /// <summary>mpiexec's path; fails the test when MPICH is not installed.</summary>
    public static string Mpiexec()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, "mpiexec");
            if (File.Exists(candidate)) return candidate;
        }
        Assert.Fail("mpiexec is not installed, so the distributed tests cannot run: install MPICH (apt-get install -y --no-install-recommends mpich).");
        return "";
    }

    /// <summary>
    /// The host with <paramref name="args"/>, on <paramref name="ranks"/> ranks (0: one process without
    /// mpiexec); killed and failed after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<Result> Run(int ranks, IReadOnlyDictionary<string, string>? env, TimeSpan timeout, params string[] args)
    {
        var psi = ranks == 0
            ? new ProcessStartInfo("dotnet", [Host, .. args])
            : new ProcessStartInfo(Mpiexec(), ["-n", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", Host, .. args]);
        psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(psi)!;
        var output = Drain(process);
        bool ended = await Task.Run(() => process.WaitForExit(timeout));
        if (!ended)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"the job ({ranks} ranks: {string.Join(' ', args)}) did not end within {timeout.TotalSeconds}s:\n{output.Invoke()}");
        }
        process.WaitForExit(); // the output streams are complete
        var (stdout, stderr) = output.Parts();
        return new Result(process.ExitCode, stdout, stderr, clock.Elapsed);
    }

    /// <summary>Reads a process's output and error on two threads of their own (pipe reads block, and blocked pool threads starve timers and continuations).</summary>
    public static Output Drain(Process process) => new(process);

    public sealed class Output
    {
        private readonly Thread _out, _err;
        private string _stdout = "", _stderr = "";

        public Output(Process process)
        {
            _out = new Thread(() => _stdout = process.StandardOutput.ReadToEnd()) { IsBackground = true };
            _err = new Thread(() => _stderr = process.StandardError.ReadToEnd()) { IsBackground = true };
            _out.Start();
            _err.Start();
        }

        /// <summary>Both streams, after the process has closed them.</summary>
        public (string Out, string Err) Parts()
        {
            _out.Join();
            _err.Join();
            return (_stdout, _stderr);
        }

        public string Invoke()
        {
            var (o, e) = Parts();
            return o + e;
        }
    }

    /// <summary>Trains on <paramref name="ranks"/> ranks into a fresh folder under <paramref name="root"/>; the job must succeed.</summary>
    public static async Task<string> Train(string root, string name, int ranks, IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        string dir = Path.Combine(root, name);
        var result = await Run(ranks, env, TimeSpan.FromSeconds(90), ["train", "--out", dir, .. args]);
        Assert.True(result.Code == 0, $"{name}: exit code {result.Code}\n{result.All}");
        return dir;
    }

    /// <summary>The final weights rank <paramref name="rank"/> wrote, as floats.</summary>
    public static float[] Weights(string dir, int rank = 0)
    {
        var bytes = File.ReadAllBytes(Path.Combine(dir, $"weights-rank{rank}.bin"));
        var floats = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, floats, 0, bytes.Length);
        return floats;
    }

    /// <summary>Every rank of the job in <paramref name="dir"/> holds, bit for bit, the weights of <paramref name="reference"/>.</summary>
    public static void AssertBitwiseEqual(string reference, string dir, int ranks)
    {
        var expected = File.ReadAllBytes(Path.Combine(reference, "weights-rank0.bin"));
        for (int r = 0; r < Math.Max(1, ranks); r++)
        {
            var actual = File.ReadAllBytes(Path.Combine(dir, $"weights-rank{r}.bin"));
            Assert.Equal(expected.Length, actual.Length);
            int first = expected.AsSpan().CommonPrefixLength(actual);
            if (first == expected.Length) continue;
            Assert.Fail(
                $"rank {r} of {Path.GetFileName(dir)} differs from {Path.GetFileName(reference)} from float {first / 4} on " +
                $"({BitConverter.ToSingle(expected, first / 4 * 4):R} vs {BitConverter.ToSingle(actual, first / 4 * 4):R})");
        }
    }

    /// <summary>‖a − b‖ / ‖b‖.</summary>
    public static double RelativeDifference(float[] a, float[] b)
    {
        Assert.Equal(b.Length, a.Length);
        double diff = 0, norm = 0;
        for (int i = 0; i < a.Length; i++)
        {
            diff += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
            norm += (double)b[i] * b[i];
        }
        return Math.Sqrt(diff / norm);
    }
}

/// <summary>The MPI jobs run one at a time: each uses every core.</summary>
[CollectionDefinition("mpi", DisableParallelization = true)]
public sealed class MpiCollection;
