using DeepSharp.Tests.Architecture;

namespace DeepSharp.Tests.Docs;

/// <summary>
/// Keeps a page's C# examples and the tests that run them the same code: every <c>```csharp</c> block of
/// the page must appear, line for line (indentation and blank lines aside), in the test file.
/// </summary>
internal static class MarkdownExamples
{
    /// <summary>
    /// The lines of each C# block of <paramref name="page"/> (a path under docs/), or of its section under
    /// the heading <paramref name="section"/> (up to the next heading of the same or a higher level).
    /// </summary>
    public static List<string[]> Blocks(string page, string? section = null)
    {
        var blocks = new List<string[]>();
        List<string>? current = null;
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "docs", page)).AsEnumerable();
        if (section is not null)
        {
            var rest = lines.SkipWhile(l => l != section).ToList();
            Assert.True(rest.Count > 0, $"docs/{page} has no heading '{section}'.");
            int level = HeadingLevel(section);
            lines = rest.Take(1).Concat(rest.Skip(1).TakeWhile(l => HeadingLevel(l) is 0 || HeadingLevel(l) > level));
        }
        foreach (var line in lines)
        {
            if (current is null && line.Trim() == "```csharp") current = [];
            else if (current is not null && line.Trim() == "```")
            {
                blocks.Add([.. current]);
                current = null;
            }
            else current?.Add(line);
        }
        Assert.True(current is null, $"docs/{page} has a C# block that is not closed.");
        return blocks;
    }

    /// <summary>
    /// Fails naming the first block of <paramref name="page"/> (or of its <paramref name="section"/>) that is not in
    /// <paramref name="testFile"/> (a path under tests/DeepSharp.Tests/).
    /// </summary>
    public static void AssertAllIn(string page, string testFile, int expectedBlocks, string? section = null)
    {
        var source = Normalized(File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "tests", "DeepSharp.Tests", testFile)));
        var blocks = Blocks(page, section);
        Assert.True(blocks.Count == expectedBlocks, $"docs/{page} has {blocks.Count} C# blocks; {testFile} runs {expectedBlocks}.");
        foreach (var block in blocks)
        {
            var lines = Normalized(block);
            Assert.True(lines.Length > 0, $"docs/{page} has an empty C# block.");
            bool found = false;
            for (int i = 0; i + lines.Length <= source.Length && !found; i++)
                found = source.AsSpan(i, lines.Length).SequenceEqual(lines);
            Assert.True(found, $"This example of docs/{page} is not in {testFile} as it stands:\n{string.Join('\n', block)}");
        }
    }

    /// <summary>1 for "# ...", 2 for "## ...", ...; 0 for a line that is not a heading.</summary>
    private static int HeadingLevel(string line)
    {
        int n = 0;
        while (n < line.Length && line[n] == '#') n++;
        return n > 0 && n < line.Length && line[n] == ' ' ? n : 0;
    }

    private static string[] Normalized(IEnumerable<string> lines) => lines.Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
}
