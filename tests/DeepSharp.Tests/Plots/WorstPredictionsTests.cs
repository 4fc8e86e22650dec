using DeepSharp.Plots;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Plots;

public class WorstPredictionsTests
{
    [Fact]
    public void WorstFirstOneLineEachEscaped()
    {
        using var folder = new TempFolder();
        WorstPredictions.Write(
        [
            new("fine", "ham", "ham (0.01)", 0.01),
            new("Subject: WIN | cash\n\nclick *here*\u001b[31m", "spam", "ham (0.05)", 0.95),
            new(new string('a', 500), "ham", "spam (0.60)", 0.6),
        ], folder.File("worst.md"), "Worst e-mails", "p(wrong class)", count: 2);
        var lines = File.ReadAllLines(folder.File("worst.md"));
        Assert.Equal("# Worst e-mails", lines[0]);
        Assert.Contains("The 2 worst of 3 texts", lines[2]);
        var rows = lines.Where(l => l.StartsWith("| 1 ", StringComparison.Ordinal) || l.StartsWith("| 2 ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(@"| 1 | Subject: WIN \| cash click \*here\*\[31m | spam | ham (0.05) | 0.9500 |", rows[0]);
        Assert.Contains(new string('a', WorstPredictions.MaxTextLength) + "…", rows[1]);
        Assert.DoesNotContain(lines, l => l.Contains('\u001b'));
    }
}
