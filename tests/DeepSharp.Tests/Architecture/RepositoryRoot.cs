namespace DeepSharp.Tests.Architecture;

/// <summary>The checkout the tests run from, for tests that read the sources and the docs.</summary>
internal static class RepositoryRoot
{
    /// <summary>The folder holding DeepSharp.slnx, found upwards from the test binaries.</summary>
    public static string Path { get; } = Find();

    /// <summary>The C# files below <paramref name="folder"/>, without build outputs (bin/, obj/).</summary>
    public static IEnumerable<string> SourceFiles(string folder)
    {
        char s = System.IO.Path.DirectorySeparatorChar;
        return Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{s}obj{s}") && !f.Contains($"{s}bin{s}"));
    }

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "DeepSharp.slnx"))) return dir.FullName;
        throw new InvalidOperationException("The repository root (DeepSharp.slnx) is not above " + AppContext.BaseDirectory);
    }
}
