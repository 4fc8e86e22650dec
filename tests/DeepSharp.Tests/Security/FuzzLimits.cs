namespace DeepSharp.Tests.Security;

/// <summary>The limits every hostile input is held to (docs/security.md, "Limits").</summary>
public static class FuzzLimits
{
    /// <summary>One case: reading, building and running a model from one hostile file.</summary>
    public static readonly TimeSpan CaseTime = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The time one case may take when it allocated <paramref name="allocatedBytes"/> within its memory
    /// budget: <see cref="CaseTime"/> plus 1 s per 100 MB. A gzip bomb that its budget lets inflate to
    /// ~500 MB took 2.9 s in a Debug run beside the other fuzz classes on 2 cores; a hang still fails.
    /// </summary>
    public static TimeSpan CaseTimeFor(long allocatedBytes) => CaseTime + TimeSpan.FromSeconds(Math.Max(0, allocatedBytes) / 100e6);

    /// <summary>A whole run of cases (about 10 s on an idle 2-core machine; the slack is for a shared one).</summary>
    public static readonly TimeSpan RunTime = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Added to every fuzz run's seed: 0 in CI; a longer run by hand sets the environment variable DEEPSHARP_FUZZ_SEED
    /// to 1, 2, 3, … in a loop, each pass new cases of the same kinds within the same limits:
    /// <c>for s in $(seq 1 20); do DEEPSHARP_FUZZ_SEED=$s dotnet test -c Debug --no-build --filter FuzzTests || break; done</c>.
    /// </summary>
    public static int SeedOffset { get; } = int.TryParse(Environment.GetEnvironmentVariable("DEEPSHARP_FUZZ_SEED"), out int offset) ? offset : 0;

    /// <summary>Managed bytes one case may allocate: a small multiple of the input plus a fixed 64 MB for the model's own tensors.</summary>
    public static long MemoryFor(long inputBytes) => 64L * 1024 * 1024 + 16 * inputBytes;
}
