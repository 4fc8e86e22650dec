using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Docs;

/// <summary>
/// A fresh temporary folder made the process's working folder until disposed, for docs examples that write
/// relative paths as a user's program does ("xor.safetensors", "runs/ckpt"). The working folder belongs to the
/// whole process, so tests that use it are in <see cref="Collection"/>, which runs alone.
/// </summary>
internal sealed class WorkingFolder : IDisposable
{
    /// <summary>The xUnit collection of the tests that change the working folder.</summary>
    public const string Collection = "working folder";

    private readonly string _previous = Environment.CurrentDirectory;
    private readonly TempFolder _temp = new();

    public WorkingFolder() => Environment.CurrentDirectory = _temp.Path;

    public string Path => _temp.Path;

    public void Dispose()
    {
        Environment.CurrentDirectory = _previous;
        _temp.Dispose();
    }
}

/// <summary>Tests that change the process's working folder run after the parallel ones, one at a time.</summary>
[CollectionDefinition(WorkingFolder.Collection, DisableParallelization = true)]
public sealed class WorkingFolderCollection;
