using System.Text.RegularExpressions;
using DeepSharp.Tests.Architecture;

namespace DeepSharp.Tests.Docs;

/// <summary>docs/custom.md shows only compiled code: each of its C# blocks appears, line for line, in CustomExamples.cs.</summary>
public partial class CustomDocTests
{
    [GeneratedRegex("```csharp\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    /// <summary>The non-blank lines, trimmed: indentation may differ between the page and the file.</summary>
    private static string[] Lines(string text) =>
        text.Replace("\r\n", "\n").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();

    [Fact]
    public void EveryExampleOfThePageIsCompiledByTheTests()
    {
        string page = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "custom.md"));
        var source = Lines(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "tests", "DeepSharp.Tests", "Docs", "CustomExamples.cs")));
        var blocks = CodeBlock().Matches(page.Replace("\r\n", "\n")).Select(m => Lines(m.Groups[1].Value)).ToArray();
        Assert.True(blocks.Length >= 24, $"docs/custom.md has {blocks.Length} C# blocks; expected its 24 examples at least");
        foreach (var block in blocks)
        {
            bool found = Enumerable.Range(0, source.Length - block.Length + 1)
                .Any(start => block.AsSpan().SequenceEqual(source.AsSpan(start, block.Length)));
            Assert.True(found, "This example of docs/custom.md is not in tests/DeepSharp.Tests/Docs/CustomExamples.cs (copy it there, or fix the page):\n"
                + string.Join("\n", block));
        }
    }
}
