using System.Globalization;
using System.Text;

namespace DeepSharp.Plots;

/// <summary>One text a model scored: the text, its true and predicted answers, and how badly the model did (higher is worse).</summary>
/// <param name="Text">The input text (an e-mail, a name).</param>
/// <param name="Actual">The true class or target, as a reader says it.</param>
/// <param name="Predicted">What the model said, as a reader says it (a class and its probability, say).</param>
/// <param name="Score">Badness: the loss on this text, or the probability given to the wrong class.</param>
public sealed record TextPrediction(string Text, string Actual, string Predicted, double Score);

/// <summary>
/// The texts a text model did worst on, as a Markdown table (text in a picture reads badly; a table
/// reads well in a terminal, an editor and on a code-hosting page).
/// </summary>
public static class WorstPredictions
{
    /// <summary>Characters of a text shown in a row; longer texts are cut with an ellipsis.</summary>
    public const int MaxTextLength = 160;

    /// <summary>
    /// Writes the <paramref name="count"/> rows with the highest <see cref="TextPrediction.Score"/> to
    /// <paramref name="path"/> as Markdown under <paramref name="title"/>; <paramref name="scoreName"/> heads
    /// the score column. A text's line breaks become spaces; table bars and control characters are escaped.
    /// </summary>
    public static void Write(IEnumerable<TextPrediction> predictions, string path, string title, string scoreName, int count = 20)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var all = predictions.ToList();
        var worst = all.Where(p => !double.IsNaN(p.Score)).OrderByDescending(p => p.Score).Take(count).ToList();
        var page = new StringBuilder();
        page.Append("# ").Append(Cell(title, 200)).Append("\n\n");
        page.Append(CultureInfo.InvariantCulture, $"The {worst.Count} worst of {all.Count} texts, worst first.\n\n");
        page.Append("| # | text | true | predicted | ").Append(Cell(scoreName, 40)).Append(" |\n|---:|---|---|---|---:|\n");
        for (int i = 0; i < worst.Count; i++)
        {
            var p = worst[i];
            page.Append(CultureInfo.InvariantCulture, $"| {i + 1} | {Cell(p.Text, MaxTextLength)} | {Cell(p.Actual, 40)} | {Cell(p.Predicted, 40)} | {p.Score:F4} |\n");
        }
        PlotFile.WriteText(path, page.ToString());
    }

    /// <summary>A table cell: one line, control characters dropped, '|' and '`' escaped, whitespace runs collapsed, cut at <paramref name="max"/>.</summary>
    private static string Cell(string text, int max)
    {
        var cell = new StringBuilder();
        bool space = false;
        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c)) { space = cell.Length > 0; continue; }
            if (char.IsControl(c)) continue;
            if (space) cell.Append(' ');
            space = false;
            if (cell.Length >= max) { cell.Append('…'); break; }
            if (c is '|' or '`' or '\\' or '<' or '>' or '*' or '_' or '[' or ']') cell.Append('\\');
            cell.Append(c);
        }
        return cell.ToString();
    }
}
