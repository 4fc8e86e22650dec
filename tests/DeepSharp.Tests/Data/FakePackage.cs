using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using DeepSharp.Data;

namespace DeepSharp.Tests.Data;

/// <summary>A toy data set and package tarballs built in the test, so the fetcher runs without a registry.</summary>
internal static class FakePackage
{
    public static readonly byte[] Alpha = Encoding.ASCII.GetBytes("alpha data\n");
    public static readonly byte[] Beta = Encoding.ASCII.GetBytes("beta data, a little longer\n");

    public static DatasetSpec Spec { get; } = new("toy", "toy-data", "1.0.0",
    [
        new("package/data/alpha.txt", "alpha.txt", Alpha.Length, Sha256(Alpha)),
        new("package/data/beta.bin", "beta.bin", Beta.Length, Sha256(Beta)),
    ]);

    /// <summary>The package as published: both files plus others the data set does not keep.</summary>
    public static (string, byte[])[] GoodEntries =>
    [
        ("package/package.json", Encoding.ASCII.GetBytes("{}")),
        ("package/data/alpha.txt", Alpha),
        ("package/data/beta.bin", Beta),
        ("package/readme.md", Encoding.ASCII.GetBytes("# toy")),
    ];

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string Write(string path, params (string Name, byte[] Data)[] entries)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gzip, TarEntryFormat.Pax);
        tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "package/"));
        foreach (var (name, data) in entries)
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
        return path;
    }

    public static string WriteGood(string path) => Write(path, GoodEntries);

    /// <summary>
    /// A stand-in for npm (a shell script): logs each call, then copies <paramref name="tarball"/> into
    /// the working folder, or fails with <paramref name="fail"/> on stderr. Unix only.
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static string Npm(string folder, string? tarball, string? fail = null, int sleepSeconds = 0)
    {
        string log = Path.Combine(folder, "npm.log");
        var script = new StringBuilder("#!/bin/sh\n");
        script.Append($"echo \"$@\" >> '{log}'\n");
        if (sleepSeconds > 0) script.Append($"sleep {sleepSeconds}\n");
        if (fail is not null) script.Append($"echo '{fail}' >&2\nexit 1\n");
        else script.Append($"cp '{tarball}' ./toy-data-1.0.0.tgz\necho toy-data-1.0.0.tgz\n");
        string path = Path.Combine(folder, "fake-npm.sh");
        File.WriteAllText(path, script.ToString());
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    public static int NpmCalls(string folder)
    {
        string log = Path.Combine(folder, "npm.log");
        return File.Exists(log) ? File.ReadAllLines(log).Length : 0;
    }
}
