using DeepSharp.Distributed;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Security;

/// <summary>
/// The file a data-parallel job's ranks share their sums and weights through (under /dev/shm): its
/// name is random, but a file already there must survive (hostile2).
/// </summary>
public sealed class SharedMemoryFileTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>
    /// Finding: when the name was taken, creating the file failed (FileMode.CreateNew) and the failure
    /// path deleted the file of that name, and the leader deleted it again after the ranks agreed not to
    /// share: another job's (or any) file of that name was destroyed. Now only a file this call created is removed.
    /// </summary>
    [Fact]
    public void AnExistingFileOfTheNameIsLeftAsItWas()
    {
        string path = _folder.File("deepsharp-1-0000000000000001");
        byte[] theirs = [1, 2, 3, 4, 5];
        File.WriteAllBytes(path, theirs);
        Assert.False(SharedNodeSums.CreateZeroed(path, 4096, token: 0x1234_5678_9abc_def1));
        Assert.Equal(theirs, File.ReadAllBytes(path));

        string link = _folder.File("deepsharp-1-0000000000000003");
        File.CreateSymbolicLink(link, path); // a link planted at the name is not followed either
        Assert.False(SharedNodeSums.CreateZeroed(link, 4096, token: 3));
        Assert.Equal(theirs, File.ReadAllBytes(path));
        Assert.True(File.Exists(link));
    }

    [Fact]
    public void ANewFileHoldsTheTokenThenZeros()
    {
        string path = _folder.File("deepsharp-1-0000000000000005");
        Assert.True(SharedNodeSums.CreateZeroed(path, (1 << 20) + 24, token: 0x0102_0304_0506_0709));
        var bytes = File.ReadAllBytes(path);
        Assert.Equal((1 << 20) + 24, bytes.Length);
        Assert.Equal(0x0102_0304_0506_0709, BitConverter.ToInt64(bytes, 0));
        Assert.All(bytes[8..], b => Assert.Equal(0, b));
    }
}
