using System.Globalization;

namespace DeepSharp.Serialization.Events;

/// <summary>
/// One TensorBoard event file in a folder ("events.out.tfevents.&lt;seconds&gt;.&lt;host&gt;.&lt;pid&gt;.&lt;n&gt;.v2", as TensorFlow
/// names them), written by appending whole records: each event is one write followed by a flush to disk, so a crash
/// leaves every earlier record intact and at most the last one cut short (readers stop there). A new file is made
/// for every run, never appended to an old one.
/// </summary>
internal sealed class TfEventFile : IDisposable
{
    private static int s_files;
    private readonly FileStream _stream;

    /// <exception cref="IOException">The folder or file cannot be created.</exception>
    /// <exception cref="UnauthorizedAccessException">Writing there is not allowed.</exception>
    public TfEventFile(string directory)
    {
        Directory.CreateDirectory(directory);
        double now = WallTime();
        string host = new([.. Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')]);
        string name = string.Create(CultureInfo.InvariantCulture,
            $"events.out.tfevents.{(long)now}.{host}.{Environment.ProcessId}.{Interlocked.Increment(ref s_files)}.v2");
        Path = System.IO.Path.Combine(directory, name);
        _stream = new FileStream(Path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        Write(EventProto.FileVersion(now));
    }

    /// <summary>The file written.</summary>
    public string Path { get; }

    /// <summary>Appends one event of scalar summaries at <paramref name="step"/> and flushes it to disk.</summary>
    public void WriteScalars(long step, IEnumerable<(string Tag, float Value)> scalars) =>
        Write(EventProto.Scalars(WallTime(), step, scalars));

    private void Write(byte[] eventBytes)
    {
        _stream.Write(TfRecord.Frame(eventBytes));
        _stream.Flush(flushToDisk: true);
    }

    private static double WallTime() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>Closes the file.</summary>
    public void Dispose() => _stream.Dispose();
}
