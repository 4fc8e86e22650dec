using System.Globalization;

namespace DeepSharp.Bench.Harness;

// The orchestrator talks to each worker process over its standard input and output, one line each way:
//   command:  verb key=value key=value ...           e.g. "gemm m=1024 n=1024 k=1024 ta=0 tb=0 min=0.3"
//   reply:    @result key=value ... [# note]          or  @error message
// Numbers use the invariant culture and round-trip format. Anything else a worker prints goes to stderr.

/// <summary>A command's key=value arguments.</summary>
internal sealed class Args(Dictionary<string, string> values)
{
    public static Args Parse(ReadOnlySpan<string> tokens)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var t in tokens)
        {
            int eq = t.IndexOf('=');
            if (eq <= 0) throw new FormatException($"Argument '{t}' is not key=value.");
            values[t[..eq]] = t[(eq + 1)..];
        }
        return new Args(values);
    }

    public int Int(string key, int fallback) => values.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
    public int Int(string key) => int.Parse(Required(key), CultureInfo.InvariantCulture);
    public double Double(string key, double fallback) => values.TryGetValue(key, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
    public bool Bool(string key) => Required(key) is "1" or "true";
    public string Text(string key) => Required(key);

    private string Required(string key) =>
        values.TryGetValue(key, out var v) ? v : throw new FormatException($"Missing argument '{key}'.");
}

/// <summary>A worker's answer: named numbers and an optional note for the log.</summary>
internal sealed class Reply : Dictionary<string, double>
{
    public Reply() : base(StringComparer.Ordinal) { }

    public string? Note { get; set; }

    public string Format()
    {
        var parts = this.Select(kv => $"{kv.Key}={kv.Value.ToString("R", CultureInfo.InvariantCulture)}");
        string line = "@result " + string.Join(' ', parts);
        return Note is null ? line : line + " # " + Note.ReplaceLineEndings(" ");
    }

    public static Reply Parse(string line)
    {
        var reply = new Reply();
        string body = line["@result".Length..];
        int hash = body.IndexOf(" # ", StringComparison.Ordinal);
        if (hash >= 0)
        {
            reply.Note = body[(hash + 3)..];
            body = body[..hash];
        }
        foreach (var token in body.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = token.IndexOf('=');
            reply[token[..eq]] = double.Parse(token[(eq + 1)..], CultureInfo.InvariantCulture);
        }
        return reply;
    }

    public double Get(string key) =>
        TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"Worker reply has no '{key}': {Format()}");
}
