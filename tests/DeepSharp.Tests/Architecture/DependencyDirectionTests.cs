using System.Reflection;
using System.Text.RegularExpressions;

namespace DeepSharp.Tests.Architecture;

/// <summary>
/// The dependency table of docs/architecture.md ("Layers of the library") is the rule, and the code
/// must follow it exactly: each folder of src/DeepSharp appears in one row; a row's "knows about"
/// lists exactly the folders its files import (using directives and qualified names), all of them
/// rows above it; and every type the table names exists. So neither the code nor the document can drift.
/// </summary>
public class DependencyDirectionTests
{
    private static readonly string Root = RepositoryRoot.Path;
    private static readonly string Source = Path.Combine(Root, "src", "DeepSharp");

    [Fact]
    public void EveryFolderHasOneRowAndImportsExactlyWhatItsRowSays()
    {
        var rows = ReadTable();
        var folders = SourceFolders();
        var duplicates = rows.GroupBy(r => r.Folder).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, "docs/architecture.md lists these folders twice: " + string.Join(", ", duplicates));
        var missing = folders.Except(rows.Select(r => r.Folder)).ToList();
        Assert.True(missing.Count == 0, "docs/architecture.md has no row for: " + string.Join(", ", missing));

        var problems = new List<string>();
        var actual = ActualImports(rows);
        for (int i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var above = rows.Take(i).Select(r => r.Folder).ToHashSet();
            foreach (var known in row.Knows.Where(k => !above.Contains(k)))
                problems.Add($"{row.Folder} says it knows {known}, which is not a row above it");
            var uses = actual.GetValueOrDefault(row.Folder) ?? [];
            foreach (var (folder, where) in uses.Where(u => !row.Knows.Contains(u.Key)))
                problems.Add($"{row.Folder} imports {folder} ({where}), which its row does not list");
            foreach (var known in row.Knows.Where(k => !uses.ContainsKey(k)))
                problems.Add($"{row.Folder}'s row lists {known}, which none of its files imports");
        }
        Assert.True(problems.Count == 0, "docs/architecture.md and the code disagree:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void EveryTypeTheTableNamesExists()
    {
        var types = typeof(DeepSharpException).Assembly.GetTypes().Select(t => Regex.Replace(t.Name, "`\\d+$", "")).ToHashSet();
        var unknown = ReadTable().SelectMany(r => r.Names).Where(n => !types.Contains(n)).Distinct().ToList();
        Assert.True(unknown.Count == 0, "docs/architecture.md names types that do not exist: " + string.Join(", ", unknown));
    }

    /// <summary>One row of the table: a folder (relative to src/DeepSharp, "" for the root), the folders it knows, the types it names.</summary>
    private sealed record Row(string Folder, HashSet<string> Knows, List<string> Names);

    private static List<Row> ReadTable()
    {
        var lines = File.ReadAllLines(Path.Combine(Root, "docs", "architecture.md"));
        int start = Array.FindIndex(lines, l => l.StartsWith("## Layers of the library", StringComparison.Ordinal));
        Assert.True(start >= 0, "docs/architecture.md lost its section '## Layers of the library'.");
        var rows = new List<Row>();
        foreach (var line in lines.Skip(start + 1).SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')).Skip(2))
        {
            var cells = line.Split('|');
            Assert.True(cells.Length == 5, $"docs/architecture.md: a table row needs three cells: {line}");
            string folder = Ticked(cells[1]).Single().TrimEnd('/');
            if (folder == "DeepSharp") folder = "";
            var knows = Ticked(cells[3]).Select(k => k.TrimEnd('/')).ToHashSet();
            var names = Ticked(cells[2]).Select(n => n.Replace("<T>", "")).Where(n => Regex.IsMatch(n, "^[A-Z][A-Za-z0-9]*$")).ToList();
            rows.Add(new Row(folder, knows, names));
        }
        return rows;
    }

    private static IEnumerable<string> Ticked(string cell) => Regex.Matches(cell, "`([^`]+)`").Select(m => m.Groups[1].Value);

    /// <summary>The folders that hold source files: the top folders of src/DeepSharp, and the root itself.</summary>
    private static HashSet<string> SourceFolders()
    {
        var folders = new HashSet<string>();
        foreach (var file in SourceFiles()) folders.Add(TopFolder(file));
        return folders;
    }

    private static IEnumerable<string> SourceFiles() => RepositoryRoot.SourceFiles(Source);

    private static string TopFolder(string file)
    {
        var relative = Path.GetRelativePath(Source, file).Split(Path.DirectorySeparatorChar);
        return relative.Length == 1 ? "" : relative[0];
    }

    /// <summary>For each folder, the other folders its files import, each with one file that does.</summary>
    private static Dictionary<string, Dictionary<string, string>> ActualImports(List<Row> rows)
    {
        var known = rows.Select(r => r.Folder).Where(f => f.Length > 0).ToList();
        string names = string.Join("|", known);
        var usingDirective = new Regex($@"^\s*using\s+(?:static\s+)?DeepSharp\.({names})\b");
        var qualified = new Regex($@"(?<![\w.])(?:DeepSharp\.)?({names})\.([A-Z]\w*)");
        var members = NamespaceMembers();
        var imports = new Dictionary<string, Dictionary<string, string>>();
        foreach (var file in SourceFiles())
        {
            string folder = TopFolder(file);
            var uses = imports.TryGetValue(folder, out var u) ? u : imports[folder] = [];
            foreach (var raw in File.ReadLines(file))
            {
                string line = raw.TrimStart();
                if (line.StartsWith("//", StringComparison.Ordinal) || line.StartsWith("namespace ", StringComparison.Ordinal)) continue;
                // A qualified name counts when it names a type or namespace of that folder (not a property such as entry.Data.Length).
                var found = usingDirective.Matches(line).Concat(qualified.Matches(line)
                    .Where(m => members.TryGetValue(m.Groups[1].Value, out var names) && names.Contains(m.Groups[2].Value)));
                foreach (Match m in found)
                {
                    string target = m.Groups[1].Value;
                    if (target != folder) uses.TryAdd(target, Path.GetRelativePath(Root, file));
                }
            }
        }
        return imports;
    }

    /// <summary>For each folder's namespace DeepSharp.X, the names that can follow "X.": its types and its child namespaces.</summary>
    private static Dictionary<string, HashSet<string>> NamespaceMembers()
    {
        var members = new Dictionary<string, HashSet<string>>();
        foreach (var type in typeof(DeepSharpException).Assembly.GetTypes())
        {
            var parts = (type.Namespace ?? "").Split('.');
            if (parts.Length < 2 || parts[0] != "DeepSharp") continue;
            var set = members.TryGetValue(parts[1], out var s) ? s : members[parts[1]] = [];
            set.Add(parts.Length > 2 ? parts[2] : Regex.Replace(type.Name, "`\\d+$", ""));
        }
        return members;
    }
}
