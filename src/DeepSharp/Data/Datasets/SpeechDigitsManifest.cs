using System.Globalization;
using System.Text;

namespace DeepSharp.Data.Datasets;

/// <summary>
/// The manifest of a generated speech-digits folder, <c>manifest.tsv</c>: a first line
/// <c># spec</c> (<see cref="SpeechDigitsSpec.Describe"/>), a header, then one line per utterance:
/// voice, accent, variant, speed, pitch, digit, word, file, SHA-256. Written last and atomically, so a
/// folder with a manifest is complete.
/// </summary>
internal static class SpeechDigitsManifest
{
    public const string FileName = "manifest.tsv";
    private const string Header = "voice\taccent\tvariant\tspeed\tpitch\tdigit\tword\tfile\tsha256";

    public static string Format(SpeechDigitsSpec spec, IReadOnlyList<SpeechUtterance> utterances)
    {
        var text = new StringBuilder();
        text.Append("# ").Append(spec.Describe()).Append('\n').Append(Header).Append('\n');
        foreach (var u in utterances)
            text.Append(CultureInfo.InvariantCulture, $"{u.Voice}\t{u.Accent}\t{u.Variant}\t{u.Speed}\t{u.Pitch}\t{u.Digit}\t{SpeechDigitsSpec.Words[u.Digit]}\t{u.File}\t{u.Sha256}\n");
        return text.ToString();
    }

    /// <summary>
    /// The utterances of a manifest, or null when it describes another spec or another list (a stale
    /// folder to regenerate).
    /// </summary>
    /// <exception cref="DataFormatException">A line is malformed.</exception>
    public static List<SpeechUtterance>? Parse(string text, SpeechDigitsSpec spec, string path)
    {
        var lines = text.Split('\n');
        if (lines.Length < 2 || lines[0] != "# " + spec.Describe() || lines[1] != Header) return null;
        var expected = spec.Utterances();
        var result = new List<SpeechUtterance>(expected.Count);
        for (int i = 2; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var f = lines[i].Split('\t');
            if (f.Length != 9 || f[8].Length != 64)
                throw new DataFormatException($"{path}: line {i + 1} needs 9 tab-separated fields ending in a SHA-256.");
            if (result.Count >= expected.Count) return null;
            var want = expected[result.Count];
            if (f[1] != want.Accent || f[2] != want.Variant || f[3] != want.Speed.ToString(CultureInfo.InvariantCulture)
                || f[4] != want.Pitch.ToString(CultureInfo.InvariantCulture) || f[5] != want.Digit.ToString(CultureInfo.InvariantCulture) || f[7] != want.File)
                return null;
            result.Add(want with { Sha256 = f[8] });
        }
        return result.Count == expected.Count ? result : null;
    }
}
