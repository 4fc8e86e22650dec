using System.Globalization;
using System.IO.Compression;
using DeepSharp.Tests.Architecture;

namespace DeepSharp.Tests.Packaging;

/// <summary>
/// SLOW, about 40 s on 2 idle cores: the packages as a user meets them, each step in a clean temporary
/// folder outside the repository. The tool is installed from the packed artifacts with
/// <c>dotnet tool install --tool-path</c>, prints its help and trains MNIST for one epoch; a new console
/// project takes the library package from the artifacts folder (a nuget.config adds it to the machine's
/// own sources) and runs the README's first program. The packing itself: <see cref="PackedArtifacts"/>.
/// </summary>
public sealed class PackageInstallTests(PackedArtifacts packages) : IClassFixture<PackedArtifacts>
{
    private static readonly TimeSpan Minutes3 = TimeSpan.FromMinutes(3);

    [Fact]
    public void LibraryPackageCarriesDocsReadmeLicenseRepositoryAndSymbols()
    {
        using (var package = ZipFile.OpenRead(packages.File("DeepSharp", "nupkg")))
        {
            var names = package.Entries.Select(e => e.FullName).ToHashSet();
            foreach (var name in new[] { "lib/net10.0/DeepSharp.dll", "lib/net10.0/DeepSharp.xml", "README.md", "LICENSE" })
                Assert.True(names.Contains(name), $"DeepSharp.nupkg lacks {name}; it holds {string.Join(", ", names)}.");
            string nuspec = Read(package, "DeepSharp.nuspec");
            Assert.Contains("<license type=\"expression\">MIT</license>", nuspec);
            Assert.Contains("<readme>README.md</readme>", nuspec);
            Assert.Matches("<repository type=\"git\" url=\"[^\"]+\" commit=\"[0-9a-f]{40}\"", nuspec);
            Assert.Contains("<dependency id=\"Google.Protobuf\"", nuspec);
        }
        using (var symbols = ZipFile.OpenRead(packages.File("DeepSharp", "snupkg")))
            Assert.Contains(symbols.Entries, e => e.FullName == "lib/net10.0/DeepSharp.pdb");
        using (var tool = ZipFile.OpenRead(packages.File("DeepSharp.Cli", "nupkg")))
        {
            Assert.Contains("<packageType name=\"DotnetTool\" />", Read(tool, "DeepSharp.Cli.nuspec"));
            Assert.Contains("Command Name=\"deepsharp\"", Read(tool, "tools/net10.0/any/DotnetToolSettings.xml"));
            Assert.Contains(tool.Entries, e => e.FullName == "tools/net10.0/any/DeepSharp.dll");
        }
    }

    [Fact]
    public void ToolInstallsFromTheArtifactsPrintsHelpAndTrainsMnistInACleanFolder()
    {
        string tools = Path.Combine(packages.Root, "tools");
        string work = Directory.CreateDirectory(Path.Combine(packages.Root, "tool-user")).FullName;
        DotnetProcess.Run("dotnet", work, Minutes3,
            "tool", "install", "--tool-path", tools, "DeepSharp.Cli", "--add-source", packages.Source, "--version", packages.Version);
        string deepsharp = Path.Combine(tools, "deepsharp");

        string help = DotnetProcess.Run(deepsharp, work, Minutes3, "--help");
        Assert.Contains("Usage:\n  deepsharp [command] [options]", help.ReplaceLineEndings("\n"));
        Assert.Contains("train", help);

        string training = DotnetProcess.Run(deepsharp, work, Minutes3, "train", "mnist", "--epochs", "1", "--out", "run");
        Assert.True(File.Exists(Path.Combine(work, "run", "model.safetensors")), $"train mnist wrote no model file:\n{training}");
        Assert.Contains("accuracy", training);
    }

    [Fact]
    public void NewConsoleProjectRunsTheReadmeProgramFromTheLibraryPackage()
    {
        string program = ReadmeProgram();
        DotnetProcess.Run("dotnet", packages.Root, Minutes3, "new", "console", "-o", "app");
        string app = Path.Combine(packages.Root, "app");
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="deepsharp-artifacts" value="{packages.Source}" />
              </packageSources>
            </configuration>
            """);
        DotnetProcess.Run("dotnet", app, Minutes3, "add", "package", "DeepSharp", "--version", packages.Version);
        File.WriteAllText(Path.Combine(app, "Program.cs"), program);

        string output = DotnetProcess.Run("dotnet", app, Minutes3, "run", "-c", "Release");
        var answers = output.Trim().Split('\n')[^1].Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.True(answers.Length == 4 && answers[0] < 0.5 && answers[1] > 0.5 && answers[2] > 0.5 && answers[3] < 0.5,
            $"The README's XOR program printed:\n{output}");
        Assert.True(File.Exists(Path.Combine(app, "xor.safetensors")));
    }

    /// <summary>The first C# block of the README's section "Use DeepSharp in your own project".</summary>
    private static string ReadmeProgram()
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "README.md"))
            .SkipWhile(l => l != "## Use DeepSharp in your own project")
            .SkipWhile(l => l != "```csharp").Skip(1)
            .TakeWhile(l => l != "```")
            .ToArray();
        Assert.True(lines.Length > 0, "README.md has no C# block under '## Use DeepSharp in your own project'.");
        return string.Join('\n', lines) + "\n";
    }

    private static string Read(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name);
        Assert.True(entry is not null, $"The package has no {name}.");
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd();
    }
}
