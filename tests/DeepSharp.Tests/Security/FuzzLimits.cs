namespace DeepSharp.Tests.Security;

/// <summary>The limits every hostile input is held to (docs/security.md, "Limits").</summary>
public static class FuzzLimits
{
    /// <summary>One case: reading, building and running a model from one hostile file.</summary>
    public static readonly TimeSpan CaseTime = TimeSpan.FromSeconds(2);

    /// <summary>A whole run of cases (about 10 s on an idle 2-core machine; the slack is for a shared one).</summary>
    public static readonly TimeSpan RunTime = TimeSpan.FromSeconds(60);

    /// <summary>Managed bytes one case may allocate: a small multiple of the input plus a fixed 64 MB for the model's own tensors.</summary>
    public static long MemoryFor(long inputBytes) => 64L * 1024 * 1024 + 16 * inputBytes;
}
