using System.Globalization;
using System.Text;

namespace DeepSharp.Training.Callbacks;

/// <summary>
/// Fills a checkpoint path's placeholders the way Python's <c>str.format</c> does for Keras:
/// <c>{epoch}</c>, <c>{epoch:02d}</c>, <c>{val_loss:.4f}</c>, <c>{loss:e}</c>. Names are "epoch" or
/// keys of the epoch's logs; the format specs understood are <c>[0][width]d</c>, <c>.Nf</c>, <c>.Ne</c>
/// and none. <c>{{</c> and <c>}}</c> are literal braces.
/// </summary>
internal static class CheckpointPath
{
    public static string Format(string template, int epoch, IReadOnlyDictionary<string, double> logs)
    {
        var result = new StringBuilder(template.Length);
        for (int i = 0; i < template.Length; i++)
        {
            char c = template[i];
            if ((c == '{' || c == '}') && i + 1 < template.Length && template[i + 1] == c) { result.Append(c); i++; continue; }
            if (c == '}') throw new ArgumentException($"Checkpoint path '{template}': unmatched '}}' at {i}.");
            if (c != '{') { result.Append(c); continue; }
            int end = template.IndexOf('}', i + 1);
            if (end < 0) throw new ArgumentException($"Checkpoint path '{template}': unmatched '{{' at {i}.");
            string field = template[(i + 1)..end];
            int colon = field.IndexOf(':');
            string name = colon < 0 ? field : field[..colon];
            string spec = colon < 0 ? "" : field[(colon + 1)..];
            double value = name == "epoch" ? epoch
                : logs.TryGetValue(name, out double v) ? v
                : throw new ArgumentException($"Checkpoint path '{template}': '{{{name}}}' is neither 'epoch' nor a logged value ({string.Join(", ", logs.Keys)}).");
            result.Append(FormatValue(value, spec, name == "epoch", template));
            i = end;
        }
        return result.ToString();
    }

    private static string FormatValue(double value, string spec, bool isInteger, string template)
    {
        var inv = CultureInfo.InvariantCulture;
        if (spec.Length == 0) return isInteger ? ((long)value).ToString(inv) : value.ToString("R", inv);
        char kind = spec[^1];
        string body = spec[..^1];
        switch (kind)
        {
            case 'd':
                bool zeros = body.StartsWith('0');
                int width = body.Length == 0 ? 0 : int.Parse(body, NumberStyles.None, inv);
                string digits = ((long)Math.Round(value)).ToString(inv);
                return zeros ? digits.PadLeft(width, '0') : digits.PadLeft(width);
            case 'f' or 'e' when body.StartsWith('.') && int.TryParse(body[1..], NumberStyles.None, inv, out int precision):
                return kind == 'f' ? value.ToString("F" + precision, inv) : value.ToString("0." + new string('0', precision) + "e+00", inv);
            default:
                throw new ArgumentException($"Checkpoint path '{template}': format '{spec}' is not supported (use d, 0Nd, .Nf or .Ne).");
        }
    }
}
