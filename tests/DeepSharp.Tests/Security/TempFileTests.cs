using System.Diagnostics;
using System.Text;
using DeepSharp.Tests.Data;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Issue 11, finding 7: the temporary files of killed saves are removed by the next save of the same
/// target (never one a live writer holds, nor a fresh one), and a legal long file name can be saved
/// (its temporary name stays within 255 bytes).
/// </summary>
public sealed class TempFileTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A temporary file as a killed writer leaves it: the target's prefix, 32 hex digits, some bytes, last written <paramref name="age"/> ago.</summary>
    private string Leftover(string target, TimeSpan age, int bytes = 1000)
    {
        string path = Path.Combine(_temp.Path, AtomicFile.TempPrefix(target) + Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(path, new byte[bytes]);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
        return path;
    }

    private string[] Names() => Directory.GetFiles(_temp.Path).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void NextSaveRemovesStaleTemporariesOfItsTarget()
    {
        var old = Enumerable.Range(0, 30).Select(_ => Leftover("model.safetensors", TimeSpan.FromMinutes(5))).ToArray(); // 30 kills
        string fresh = Leftover("model.safetensors", TimeSpan.Zero);           // may be a writer between create and lock
        string other = Leftover("other.safetensors", TimeSpan.FromMinutes(5)); // another target's
        string notOurs = _temp.File(".model.safetensors.tmp-notes");             // not a temporary name
        File.WriteAllText(notOurs, "x");
        File.SetLastWriteTimeUtc(notOurs, DateTime.UtcNow - TimeSpan.FromHours(1));

        AtomicFile.WriteAllText(_temp.File("model.safetensors"), "new");

        Assert.All(old, p => Assert.False(File.Exists(p)));
        Assert.True(File.Exists(fresh));
        Assert.True(File.Exists(other));
        Assert.True(File.Exists(notOurs));
        Assert.Equal("new", File.ReadAllText(_temp.File("model.safetensors")));
    }

    /// <summary>A temporary held open by a writer (FileShare.None, as AtomicFile writes) is left alone, however old.</summary>
    [Fact]
    public void ATemporaryHeldByAWriterIsKept()
    {
        string held = Leftover("model.safetensors", TimeSpan.FromMinutes(5));
        using (var writer = new FileStream(held, FileMode.Open, FileAccess.Write, FileShare.None))
        {
            File.SetLastWriteTimeUtc(held, DateTime.UtcNow - TimeSpan.FromMinutes(5));
            AtomicFile.WriteAllText(_temp.File("model.safetensors"), "new");
            Assert.True(File.Exists(held));
        }
        AtomicFile.WriteAllText(_temp.File("model.safetensors"), "newer");
        Assert.False(File.Exists(held));
    }

    /// <summary>Across processes: a writer process holds its temporary locked; once it is killed (SIGKILL) the OS drops the lock and the next save removes the file.</summary>
    [Fact]
    public async Task AKilledWritersTemporaryIsRemovedOnceItsLockIsGone()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/flock"))
        {
            output.WriteLine("no /usr/bin/flock: skipped");
            return;
        }
        string held = Leftover("ckpt-latest.safetensors", TimeSpan.FromMinutes(5));
        using var process = Process.Start(new ProcessStartInfo("/usr/bin/flock", ["--exclusive", held, "sleep", "60"]))!;
        try
        {
            // Wait until flock holds the lock (flock(2) LOCK_EX, as .NET's FileShare.None): opening the file then fails.
            var waited = Stopwatch.StartNew();
            while (!IsLocked(held) && waited.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(20);
            Assert.True(IsLocked(held), "flock did not take the lock");
            File.SetLastWriteTimeUtc(held, DateTime.UtcNow - TimeSpan.FromMinutes(5));
            AtomicFile.WriteAllText(_temp.File("ckpt-latest.safetensors"), "1");
            Assert.True(File.Exists(held), "removed a temporary another process holds");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        // flock's child (sleep) shares the locked file description: wait until the OS has reaped both.
        var dying = Stopwatch.StartNew();
        while (IsLocked(held) && dying.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(20);
        AtomicFile.WriteAllText(_temp.File("ckpt-latest.safetensors"), "2");
        Assert.False(File.Exists(held));
    }

    private static bool IsLocked(string path)
    {
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>The name: 230 characters is legal (255 bytes is the limit), so it must be savable; multi-byte names too.</summary>
    [Theory]
    [InlineData(230, 'm')]
    [InlineData(255, 'm')]
    [InlineData(127, 'é')] // 254 bytes
    public void LongLegalNamesCanBeSaved(int length, char c)
    {
        string name = new string(c, length - 12) + ".safetensors";
        if (c == 'm') Assert.Equal(length, Encoding.UTF8.GetByteCount(name));
        string prefix = AtomicFile.TempPrefix(name);
        Assert.True(Encoding.UTF8.GetByteCount(prefix) + 32 <= 255, prefix);
        Assert.StartsWith("." + name[..100], prefix); // recognisable as the target's

        string old = Leftover(name, TimeSpan.FromMinutes(5));
        AtomicFile.WriteAllText(Path.Combine(_temp.Path, name), "saved");
        Assert.Equal("saved", File.ReadAllText(Path.Combine(_temp.Path, name)));
        Assert.False(File.Exists(old));
        Assert.Equal([name], Names());
    }

    /// <summary>Two long names that share their first 200 bytes get different temporary prefixes (the hash tells them apart).</summary>
    [Fact]
    public void LongNamesWithTheSameStartKeepTheirOwnTemporaries()
    {
        string a = new string('x', 230) + "-a", b = new string('x', 230) + "-b";
        Assert.NotEqual(AtomicFile.TempPrefix(a), AtomicFile.TempPrefix(b));
        string leftoverOfB = Leftover(b, TimeSpan.FromMinutes(5));
        AtomicFile.WriteAllText(Path.Combine(_temp.Path, a), "a");
        Assert.True(File.Exists(leftoverOfB));
    }
}
