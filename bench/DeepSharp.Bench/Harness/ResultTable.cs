using System.Globalization;
using System.Text;

namespace DeepSharp.Bench.Harness;

/// <summary>
/// One line of the final table. <see cref="Values"/> holds one entry per worker (DeepSharp first).
/// <see cref="Check"/>, if given, judges the ratio DeepSharp / tuned libtorch against the target;
/// <see cref="Verdict"/> is a judgement the workload made itself (allocation, flatness).
/// </summary>
internal sealed record ResultRow(string Workload, string Metric, string Unit, bool HigherIsBetter, Stats[] Values,
    string Target = "", Func<double, bool>? Check = null, string? Verdict = null, bool NoRatio = false);

/// <summary>Collects the rows and prints them as one Markdown table (aligned, so it reads in a terminal too).</summary>
internal sealed class ResultTable(IReadOnlyList<string> workerLabels)
{
    private readonly List<ResultRow> _rows = [];

    public void Add(ResultRow row) => _rows.Add(row);

    public string Render()
    {
        var header = new List<string> { "workload", "metric", "unit", workerLabels[0] };
        for (int w = 1; w < workerLabels.Count; w++)
        {
            header.Add(workerLabels[w]);
            header.Add($"ratio DS/{Short(workerLabels[w])}");
        }
        header.Add("better");
        header.Add("target (vs tuned)");
        header.Add("met?");

        var lines = new List<string[]> { header.ToArray() };
        foreach (var row in _rows)
        {
            var cells = new List<string> { row.Workload, row.Metric, row.Unit, Cell(row.Values[0]) };
            for (int w = 1; w < workerLabels.Count; w++)
            {
                var v = w < row.Values.Length ? row.Values[w] : default;
                cells.Add(v.Count == 0 ? "-" : Cell(v));
                cells.Add(row.NoRatio || v.Count == 0 ? "-" : Ratio(row.Values[0].Median / v.Median));
            }
            cells.Add(row.HigherIsBetter ? "higher" : "lower");
            cells.Add(row.Target);
            string met = row.Verdict ?? "";
            if (row.Check is { } check && row.Values.Length > 1 && row.Values[1].Count > 0)
                met = check(row.Values[0].Median / row.Values[1].Median) ? "yes" : "NO";
            cells.Add(met);
            lines.Add(cells.ToArray());
        }

        int columns = header.Count;
        var widths = new int[columns];
        foreach (var l in lines)
            for (int c = 0; c < columns; c++) widths[c] = Math.Max(widths[c], l[c].Length);
        var sb = new StringBuilder();
        for (int i = 0; i < lines.Count; i++)
        {
            sb.Append('|');
            for (int c = 0; c < columns; c++) sb.Append(' ').Append(lines[i][c].PadRight(widths[c])).Append(" |");
            sb.AppendLine();
            if (i == 0)
            {
                sb.Append('|');
                for (int c = 0; c < columns; c++) sb.Append(new string('-', widths[c] + 2)).Append('|');
                sb.AppendLine();
            }
        }
        return sb.ToString();
    }

    /// <summary>"median [min-max] (n)", or the value alone for a single measurement.</summary>
    public static string Cell(Stats s) =>
        s.Count <= 1 ? Number(s.Median) : $"{Number(s.Median)} [{Number(s.Min)}-{Number(s.Max)}] n={s.Count}";

    public static string Number(double v)
    {
        double a = Math.Abs(v);
        string format = a >= 1000 ? "F0" : a >= 100 ? "F1" : a >= 10 ? "F2" : a >= 1 ? "F3" : a == 0 ? "F0" : "G3";
        return v.ToString(format, CultureInfo.InvariantCulture);
    }

    private static string Ratio(double r) => double.IsFinite(r) ? r.ToString("F2", CultureInfo.InvariantCulture) + "x" : "-";

    private static string Short(string label) => label.StartsWith("libtorch ", StringComparison.Ordinal) ? label["libtorch ".Length..] : label;
}
