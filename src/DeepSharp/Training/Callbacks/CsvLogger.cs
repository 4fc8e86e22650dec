using System.Globalization;
using System.Text;

namespace DeepSharp.Training.Callbacks;

/// <summary>
/// Writes one CSV row per epoch (Keras's CSVLogger): a header "epoch,&lt;keys sorted&gt;" first, then
/// each row written whole and flushed, so a crash loses at most the epoch in progress. With
/// <c>append</c> an existing file is continued without a second header.
/// </summary>
/// <remarks>
/// The columns are the first epoch's log keys; a later epoch lacking one writes "NA". Epochs are
/// numbered from 0 as Keras does, and values are written round-trip exact in invariant culture.
/// </remarks>
/// <param name="path">The CSV file; created or, without <paramref name="append"/>, overwritten when Fit starts.</param>
/// <param name="separator">Column separator.</param>
/// <param name="append">Continue an existing file (e.g. a resumed run) instead of starting it over.</param>
public sealed class CsvLogger(string path, char separator = ',', bool append = false) : Callback
{
    private StreamWriter? _writer;
    private string[]? _keys;
    private bool _headerWritten;

    /// <summary>The CSV file written to.</summary>
    public string Path { get; } = path;

    /// <summary>Opens the file (UTF-8 without BOM).</summary>
    /// <exception cref="IOException">The file cannot be created or opened for writing.</exception>
    /// <exception cref="UnauthorizedAccessException">Writing the file is not allowed.</exception>
    public override void OnTrainBegin()
    {
        bool continuing = append && File.Exists(Path) && new FileInfo(Path).Length > 0;
        _writer = new StreamWriter(Path, append, new UTF8Encoding(false));
        (_keys, _headerWritten) = (null, continuing);
    }

    /// <summary>Writes the epoch's row (after the header, the first time) and flushes it.</summary>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        var writer = _writer ?? throw new InvalidOperationException("CsvLogger used outside Fit.");
        var text = new StringBuilder();
        _keys ??= logs.Keys.Order(StringComparer.Ordinal).ToArray();
        if (!_headerWritten)
        {
            text.Append("epoch");
            foreach (var k in _keys) text.Append(separator).Append(k);
            text.Append('\n');
            _headerWritten = true;
        }
        text.Append(epoch.ToString(CultureInfo.InvariantCulture));
        foreach (var k in _keys)
            text.Append(separator).Append(logs.TryGetValue(k, out double v) ? v.ToString("R", CultureInfo.InvariantCulture) : "NA");
        text.Append('\n');
        writer.Write(text.ToString());
        writer.Flush();
    }

    /// <summary>Closes the file.</summary>
    public override void OnTrainEnd(IReadOnlyDictionary<string, double> logs)
    {
        _writer?.Dispose();
        _writer = null;
    }
}
