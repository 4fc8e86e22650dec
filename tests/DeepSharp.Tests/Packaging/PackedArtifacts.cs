using DeepSharp.Tests.Architecture;

namespace DeepSharp.Tests.Packaging;

/// <summary>
/// The two packages, packed once for <see cref="PackageInstallTests"/> into a temporary folder from the
/// build this test run already made (<c>dotnet pack --no-build</c>): <c>DeepSharp</c> (the library) and
/// <c>DeepSharp.Cli</c> (the <c>deepsharp</c> tool). Each run packs a version of its own, so that NuGet's
/// global packages folder, which never refreshes a version it holds, cannot hand a later run an old
/// package; <see cref="Dispose"/> deletes the temporary folder and that version from the packages folder.
/// </summary>
public sealed class PackedArtifacts : IDisposable
{
    /// <summary>A temporary folder holding everything the tests write.</summary>
    public string Root { get; } = Directory.CreateTempSubdirectory("deepsharp-packages-").FullName;

    /// <summary>The folder the packages are in: the local package source.</summary>
    public string Source => Path.Combine(Root, "artifacts");

    /// <summary>This run's version of both packages.</summary>
    public string Version { get; } = $"0.1.0-test{DateTime.UtcNow:yyyyMMddHHmmssfff}";

    /// <summary>Packs both projects.</summary>
    public PackedArtifacts()
    {
        foreach (var project in new[] { "src/DeepSharp/DeepSharp.csproj", "src/DeepSharp.Cli/DeepSharp.Cli.csproj" })
            DotnetProcess.Run("dotnet", RepositoryRoot.Path, TimeSpan.FromMinutes(3),
                "pack", project, "-c", DotnetProcess.Configuration, "--no-build", "-o", Source, $"-p:Version={Version}");
    }

    /// <summary>The path of a packed file, e.g. <c>DeepSharp.{Version}.nupkg</c>.</summary>
    public string File(string id, string extension) => Path.Combine(Source, $"{id}.{Version}.{extension}");

    /// <inheritdoc/>
    public void Dispose()
    {
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in new[] { "deepsharp", "deepsharp.cli" })
        {
            string restored = Path.Combine(packages, id, Version.ToLowerInvariant());
            if (Directory.Exists(restored)) Directory.Delete(restored, recursive: true);
            string all = Path.GetDirectoryName(restored)!;
            if (Directory.Exists(all) && !Directory.EnumerateFileSystemEntries(all).Any()) Directory.Delete(all);
        }
        Directory.Delete(Root, recursive: true);
    }
}
