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
    /// <paramref name="testFile"/> (a path under tests/DeepSharp.Tests/). <paramref name="except"/> names a section
    /// whose blocks another test file runs: they are left out here.
    /// </summary>
    public static void AssertAllIn(string page, string testFile, int expectedBlocks, string? section = null, string? except = null)
    {
        var source = Normalized(File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "tests", "DeepSharp.Tests", testFile)));
        var blocks = Blocks(page, section);
        if (except is not null)
        {
            var excluded = Blocks(page, except).Select(b => string.Join('\n', Normalized(b))).ToHashSet();
            blocks = blocks.Where(b => !excluded.Contains(string.Join('\n', Normalized(b)))).ToList();
        }
        Assert.True(blocks.Count == expectedBlocks, $"docs/{page} has {blocks.Count} C# blocks; {testFile} runs {expectedBlocks}.");
        foreach (var block in blocks)
        {
            Assert.True(Normalized(block).Length > 0, $"docs/{page} has an empty C# block.");
            Assert.True(IsIn(block, source), $"This example of docs/{page} is not in {testFile} as it stands:\n{string.Join('\n', block)}");
        }
    }

    /// <summary>
    /// Whether <paramref name="block"/>'s lines appear one after another in <paramref name="source"/> (trimmed,
    /// blank lines aside). A block that starts with <c>using</c> directives, as a program does, matches a
    /// file that has those directives at its top and the rest of the block, line for line, in a method.
    /// </summary>
    public static bool IsIn(IEnumerable<string> block, string[] source)
    {
        var lines = Normalized(block);
        if (Contains(source, lines)) return true;
        int usings = lines.TakeWhile(l => l.StartsWith("using ", StringComparison.Ordinal) && l.EndsWith(';') && !l.Contains('(')).Count();
        return usings > 0 && lines.Take(usings).All(source.Contains) && Contains(source, lines[usings..]);
    }

    private static bool Contains(string[] source, string[] lines)
    {
        for (int i = 0; i + lines.Length <= source.Length; i++)
            if (source.AsSpan(i, lines.Length).SequenceEqual(lines)) return true;
        return false;
    }

    /// <summary>1 for "# ...", 2 for "## ...", ...; 0 for a line that is not a heading.</summary>
    private static int HeadingLevel(string line)
    {
        int n = 0;
        while (n < line.Length && line[n] == '#') n++;
        return n > 0 && n < line.Length && line[n] == ' ' ? n : 0;
    }

    public static string[] Normalized(IEnumerable<string> lines) => lines.Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
}
