using DeepSharp.Tests.Architecture;

namespace DeepSharp.Tests.Docs;

/// <summary>
/// Keeps a page's C# examples and the tests that run them the same code: every <c>```csharp</c> block of
/// the page must appear, line for line (indentation and blank lines aside), in the test file.
/// </summary>
internal static class MarkdownExamples
{
    /// <summary>The lines of each C# block of <paramref name="page"/> (a path under docs/).</summary>
    public static List<string[]> Blocks(string page)
    {
        var blocks = new List<string[]>();
        List<string>? current = null;
        foreach (var line in File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "docs", page)))
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

    /// <summary>Fails naming the first block of <paramref name="page"/> that is not in <paramref name="testFile"/> (a path under tests/DeepSharp.Tests/).</summary>
    public static void AssertAllIn(string page, string testFile, int expectedBlocks)
    {
        var source = Normalized(File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "tests", "DeepSharp.Tests", testFile)));
        var blocks = Blocks(page);
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

    private static string[] Normalized(IEnumerable<string> lines) => lines.Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
}
