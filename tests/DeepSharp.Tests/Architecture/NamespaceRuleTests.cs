using System.Text.RegularExpressions;

namespace DeepSharp.Tests.Architecture;

/// <summary>
/// docs/architecture.md, "Namespaces and folders": every source file's namespace is its folder's, or the
/// namespace the table lists for its folder; and every listed folder exists and is needed.
/// </summary>
public class NamespaceRuleTests
{
    [Fact]
    public void EveryFileIsInItsFoldersNamespaceOrAListedException()
    {
        string root = RepositoryRoot.Path, source = Path.Combine(root, "src", "DeepSharp");
        var exceptions = ReadExceptions(root);
        var used = new HashSet<string>();
        var wrong = new List<string>();
        foreach (var file in RepositoryRoot.SourceFiles(source))
        {
            string folder = Path.GetRelativePath(source, Path.GetDirectoryName(file)!).Replace(Path.DirectorySeparatorChar, '/');
            string expected = folder == "." ? "DeepSharp" : "DeepSharp." + folder.Replace('/', '.');
            if (exceptions.TryGetValue(folder, out var listed))
            {
                expected = listed;
                used.Add(folder);
            }
            var declared = File.ReadLines(file).Select(l => Regex.Match(l, @"^namespace\s+([\w.]+)\s*;")).FirstOrDefault(m => m.Success)?.Groups[1].Value;
            if (declared != expected) wrong.Add($"{Path.GetRelativePath(root, file)}: namespace {declared ?? "(none)"}, expected {expected}");
        }
        Assert.True(wrong.Count == 0, "Files outside their folder's namespace (docs/architecture.md, \"Namespaces and folders\"):\n" + string.Join("\n", wrong));
        var unused = exceptions.Keys.Except(used).ToList();
        Assert.True(unused.Count == 0, "docs/architecture.md lists folders without files: " + string.Join(", ", unused));
    }

    private static Dictionary<string, string> ReadExceptions(string root)
    {
        var lines = File.ReadAllLines(Path.Combine(root, "docs", "architecture.md"));
        int start = Array.FindIndex(lines, l => l.StartsWith("## Namespaces and folders", StringComparison.Ordinal));
        Assert.True(start >= 0, "docs/architecture.md lost its section '## Namespaces and folders'.");
        var exceptions = new Dictionary<string, string>();
        foreach (var line in lines.Skip(start + 1).SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')).Skip(2))
        {
            var ticked = Regex.Matches(line, "`([^`]+)`").Select(m => m.Groups[1].Value).ToList();
            exceptions[ticked[0].TrimEnd('/')] = ticked[1];
        }
        return exceptions;
    }
}
