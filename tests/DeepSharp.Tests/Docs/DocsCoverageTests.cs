using DeepSharp.Tests.Architecture;

namespace DeepSharp.Tests.Docs;

/// <summary>
/// Every <c>```csharp</c> block of README.md and docs/*.md is code that a test compiles (and most run): each
/// must appear, line for line, in a C# file under tests/ or samples/ (see <see cref="MarkdownExamples.IsIn"/>).
/// A new example fails this test until a test compiles it, so what outsiders copy from the pages keeps compiling.
/// </summary>
public class DocsCoverageTests
{
    [Fact]
    public void EveryCSharpBlockOfEveryPageIsCompiledByATest()
    {
        var sources = new[] { "tests", "samples" }
            .SelectMany(folder => RepositoryRoot.SourceFiles(Path.Combine(RepositoryRoot.Path, folder)))
            .Select(f => MarkdownExamples.Normalized(File.ReadAllLines(f)))
            .ToArray();
        var pages = Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "docs"), "*.md").Select(Path.GetFileName).Order(StringComparer.Ordinal)
            .Prepend("../README.md");
        var missing = new List<string>();
        int blocks = 0;
        foreach (string page in pages!)
        {
            foreach (var block in MarkdownExamples.Blocks(page!))
            {
                blocks++;
                string first = MarkdownExamples.Normalized(block).FirstOrDefault() ?? "";
                if (!sources.Any(source => MarkdownExamples.IsIn(block, source)))
                    missing.Add($"{page}: {first}");
            }
        }
        Assert.True(blocks > 100, $"found only {blocks} C# blocks in the pages");
        Assert.True(missing.Count == 0, "These examples are in no test (copy each into the test of its page, or fix the page):\n" + string.Join("\n", missing));
    }
}
