using System.Globalization;
using System.Text;

namespace DeepSharp.Training.Callbacks;

/// <summary>
/// Writes one CSV row per epoch (Keras's CSVLogger): a header "epoch,&lt;keys sorted&gt;" first, then
/// each row written whole and flushed, so a crash loses at most the epoch in progress. With
/// <c>append</c> an existing file is continued without a second header.
/// </summary>
public sealed class CsvLogger(string path, char separator = ',', bool append = false) : Callback
{
    private StreamWriter? _writer;
    private string[]? _keys;
    private bool _headerWritten;

    public string Path { get; } = path;

    public override void OnTrainBegin()
    {
        bool continuing = append && File.Exists(Path) && new FileInfo(Path).Length > 0;
        _writer = new StreamWriter(Path, append, new UTF8Encoding(false));
        (_keys, _headerWritten) = (null, continuing);
    }

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

    public override void OnTrainEnd(IReadOnlyDictionary<string, double> logs)
    {
        _writer?.Dispose();
        _writer = null;
    }
}
