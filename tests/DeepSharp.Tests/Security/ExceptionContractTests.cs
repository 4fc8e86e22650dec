using System.Reflection;
using DeepSharp.Data.Datasets;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Cli;
using DeepSharp.Tests.Data;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Issue 11, finding 10: every bad-input error is a <see cref="DeepSharpException"/> (a missing or
/// unreadable file a <see cref="FileAccessException"/>); the command line prints each as one line;
/// names from files are escaped before they reach the terminal; generate checks the vocabulary.
/// </summary>
public class ExceptionContractTests
{
    [Fact]
    public void EveryExceptionTypeOfTheLibraryIsADeepSharpException()
    {
        var types = typeof(DeepSharpException).Assembly.GetTypes()
            .Where(t => typeof(Exception).IsAssignableFrom(t) && t != typeof(DeepSharpException)).ToArray();
        Assert.Contains(typeof(FileAccessException), types);
        Assert.Contains(types, t => t.Name == "PackageFetchException");
        // Two are not about bad input, by design: a cancelled Fit follows .NET's contract for cancellation,
        // and a failed kernel bounds assertion (Debug builds only) is a bug in DeepSharp, never the input's fault.
        string[] notBadInput = ["TrainingCanceledException", "KernelBoundsException"];
        Assert.Equal(notBadInput.Order(), types.Where(t => notBadInput.Contains(t.Name)).Select(t => t.Name).Order());
        Assert.True(typeof(OperationCanceledException).IsAssignableFrom(types.Single(t => t.Name == "TrainingCanceledException")));
        Assert.All(types.Where(t => !notBadInput.Contains(t.Name)),
            t => Assert.True(t.IsSubclassOf(typeof(DeepSharpException)), $"{t.FullName} derives from {t.BaseType}"));
    }

    /// <summary>Each public entry point that reads a file, given a missing file, a folder, and a file it may not read.</summary>
    public static TheoryData<string> Readers => ["Model.Load", "LoadWeights", "Checkpoint.Load", "SafetensorsFile.Load", "CharVocabulary.Load", "FirstNames.Load"];

    private static void Read(string reader, string path)
    {
        switch (reader)
        {
            case "Model.Load": Model.Load(path); break;
            case "LoadWeights":
                var model = new Sequential(new Dense(2, inputShape: [3]));
                model.Build(new Shape(3));
                model.LoadWeights(path);
                break;
            case "Checkpoint.Load": Checkpoint.Load(path); break;
            case "SafetensorsFile.Load": SafetensorsFile.Load(path); break;
            case "CharVocabulary.Load": CharVocabulary.Load(path); break;
            case "FirstNames.Load": FirstNames.Load(path); break; // a data folder: path/names.txt
        }
    }

    [Theory]
    [MemberData(nameof(Readers))]
    public void MissingAndUnreadableFilesAreFileAccessErrors(string reader)
    {
        using var folder = new TempFolder();
        bool dataDir = reader == "FirstNames.Load";
        string Target(string name) => dataDir ? Directory.CreateDirectory(folder.File(name)).FullName : folder.File(name);

        // A data set's missing file is a DatasetUnavailableException (it says how to get the data); a model's a FileAccessException.
        var missing = Assert.ThrowsAny<DeepSharpException>(() => Read(reader, dataDir ? folder.File("absent") : folder.File("absent.safetensors")));
        if (!dataDir) Assert.True(missing is FileAccessException { InnerException: FileNotFoundException }, missing.ToString());

        string isFolder = Target("folder");
        if (dataDir) Directory.CreateDirectory(Path.Combine(isFolder, "names.txt"));
        var e = Assert.ThrowsAny<DeepSharpException>(() => Read(reader, isFolder));
        if (!dataDir) Assert.IsType<FileAccessException>(e);
        Assert.Contains("folder", e.Message);

        if (!OperatingSystem.IsWindows()) Locked(reader, Target("locked"), dataDir);
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void Locked(string reader, string locked, bool dataDir)
    {
        string lockedFile = dataDir ? Path.Combine(locked, "names.txt") : locked;
        File.WriteAllText(lockedFile, "{}");
        File.SetUnixFileMode(lockedFile, UnixFileMode.None);
        bool canStillRead;
        try { File.ReadAllBytes(lockedFile); canStillRead = true; } catch (UnauthorizedAccessException) { canStillRead = false; }
        if (!canStillRead) // root reads any file
        {
            var denied = Assert.Throws<FileAccessException>(() => Read(reader, locked));
            Assert.IsType<UnauthorizedAccessException>(denied.InnerException);
        }
        File.SetUnixFileMode(lockedFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Fact]
    public void ADeviceIsAFileAccessErrorNotACrash()
    {
        if (OperatingSystem.IsWindows()) return; // no /dev/null path
        // Refused as not a regular file before it is opened (SpecialFileTests: /dev/zero never ends, a FIFO blocks the open).
        Assert.Contains("character device", Assert.Throws<FileAccessException>(() => Model.Load("/dev/null")).Message, StringComparison.Ordinal);
        Assert.Contains("/dev/null", Assert.Throws<FileAccessException>(() => CharVocabulary.Load("/dev/null")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOversizedVocabularyFileIsRefusedBeforeItIsRead()
    {
        using var folder = new TempFolder();
        string path = folder.File("vocabulary.json");
        using (var stream = File.Create(path)) stream.SetLength(CharVocabulary.MaxFileBytes + 1);
        var e = Assert.Throws<DataFormatException>(() => CharVocabulary.Load(path));
        Assert.Contains($"at most {CharVocabulary.MaxFileBytes}", e.Message);
    }

    [Fact]
    public void AWeightMismatchListsTwentyProblemsAndCountsThemAll()
    {
        var file = new SafetensorsFile();
        for (int i = 0; i < 1000; i++) file.Add($"extra_{i}", Tensor.Zeros(1));
        using var folder = new TempFolder();
        string path = folder.File("weights.safetensors");
        file.Save(path);
        var model = new Sequential(new Dense(2, inputShape: [3]));
        model.Build(new Shape(3));
        var e = Assert.Throws<WeightMismatchException>(() => model.LoadWeights(path));
        Assert.IsAssignableFrom<DeepSharpException>(e);
        Assert.Equal(1002, e.ProblemCount);
        Assert.Equal(WeightMismatchException.MaxListed, e.Problems.Count);
        Assert.Contains("(1002 problems)", e.Message);
        Assert.EndsWith($"and {1002 - WeightMismatchException.MaxListed} more.", e.Message);
    }

    [Theory]
    [InlineData("plain name", "plain name")]
    [InlineData("ESC\u001b[31mred", "ESC\\x1B[31mred")]
    [InlineData("bell\a, nul\0, del\u007f, c1\u009b", "bell\\x07, nul\\x00, del\\x7F, c1\\x9B")]
    [InlineData("abc\u202Egnp.exe", "abc\\u202Egnp.exe")]
    [InlineData("isolates\u2066x\u2069, marks\u200e\u200f\u061c", "isolates\\u2066x\\u2069, marks\\u200E\\u200F\\u061C")]
    [InlineData("line\u2028para\u2029", "line\\u2028para\\u2029")]
    [InlineData("emoji 😀, é, 日本", "emoji 😀, é, 日本")]
    public void TerminalTextEscapesWhatCouldDriveATerminal(string text, string expected) =>
        Assert.Equal(expected, TerminalText.Escape(text));

    [Fact]
    public void TerminalTextEscapesLoneSurrogates() // not in InlineData: test discovery would turn them into U+FFFD
    {
        string text = "lone " + (char)0xD800 + " and " + (char)0xDFFF + ", reversed pair " + (char)0xDE00 + (char)0xD83D;
        Assert.Equal("lone \\uD800 and \\uDFFF, reversed pair \\uDE00\\uD83D", TerminalText.Escape(text));
    }

    /// <summary>
    /// Layer names may hold bidi controls and line separators (printable to .NET, not to a terminal);
    /// control characters are refused by the layer itself, so a model name carries the escape sequence.
    /// </summary>
    private static Sequential EscapeModel()
    {
        var model = new Sequential([new Dense(2, name: "rtl\u202Egnp", inputShape: [3]), new Dense(1, name: "line\u2028break")], name: "evil\u001b]0;pwned\u0007");
        model.Build(new Shape(3));
        return model;
    }

    [Fact]
    public void SummaryEscapesNames()
    {
        var graph = Model.Input([3], name: "in\u202E[2J");
        var functional = new Functional(graph, new Dense(2, name: "d\u2029").Call(graph));
        foreach (var text in new[] { EscapeModel().Summary(_ => { }), functional.Summary(_ => { }) })
        {
            Assert.DoesNotContain('\u001b', text);
            Assert.DoesNotContain('\u202E', text);
            Assert.DoesNotContain('\u2028', text);
            Assert.DoesNotContain('\u2029', text);
            Assert.DoesNotContain('\u0007', text);
        }
        Assert.Contains("evil\\x1B]0;pwned\\x07", EscapeModel().Summary(_ => { }));
        Assert.Contains("in\\u202E[2J[0][0]", functional.Summary(_ => { }));
    }

    [Fact]
    public void LayerNamesWithControlCharactersAreRefusedWhereTheyAreMade()
    {
        // Model files refuse them (LayerConfig), so the constructor does too: every model that saves also loads.
        var e = Assert.Throws<ArgumentException>(() => new Dense(2, name: "evil\u001b[2J"));
        Assert.Contains("evil\\x1B[2J", e.Message);
        Assert.DoesNotContain('\u001b', e.Message);
    }

    [Fact]
    public void GenerationChecksTheVocabularyAgainstTheModel()
    {
        var (model, vocabulary) = CharModel(extraOutputs: 3);
        var e = Assert.Throws<ShapeMismatchException>(() =>
            TextGenerator.GenerateWords(model, new CharLanguageModelData(vocabulary, 6), 1, new TokenSampler(0f)));
        Assert.Contains($"outputs {vocabulary.VocabularySize + 3} scores", e.Message);
        Assert.Contains($"vocabulary has {vocabulary.VocabularySize} tokens", e.Message);
    }

    /// <summary>A character model for a vocabulary of "ab" and the marker, with <paramref name="extraOutputs"/> more scores than tokens.</summary>
    private static (Sequential Model, CharVocabulary Vocabulary) CharModel(int extraOutputs)
    {
        RandomGenerator.SetGlobalSeed(1);
        var vocabulary = CharVocabulary.Build(["ab"], ".");
        int v = vocabulary.VocabularySize + extraOutputs;
        var model = new Sequential(new Embedding(v, 4, inputShape: [6]), new Dense(v));
        model.Build(new Shape(6));
        return (model, vocabulary);
    }

    // The command line: one line and exit code 1 for each bad input, names escaped.

    private static async Task<string> OneLineError(params string[] args)
    {
        var (code, _, err) = await CliTests.Run(null, args);
        Assert.True(code == 1, $"exit code {code}: {err}");
        Assert.Single(err.Trim().Split('\n'));
        Assert.StartsWith("deepsharp: error: ", err);
        Assert.DoesNotContain("   at ", err);
        Assert.DoesNotContain('\u001b', err);
        return err;
    }

    [Fact]
    public async Task TheCommandLinePrintsOneLineForEachBadModelFile()
    {
        using var folder = new TempFolder();
        Assert.Contains("does not exist", await OneLineError("summary", folder.File("absent.safetensors")));
        Assert.Contains("folder", await OneLineError("summary", Directory.CreateDirectory(folder.File("folder")).FullName));

        string surrogate = folder.File("surrogate.safetensors");
        File.WriteAllBytes(surrogate, HostileFiles.Safetensors("{\"\\ud800\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}"));
        Assert.Contains("lone surrogate", await OneLineError("summary", surrogate));

        string escape = folder.File("escape.safetensors");
        File.WriteAllBytes(escape, HostileFiles.Safetensors("{\"\\u001b[31mred\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,0]}}"));
        Assert.Contains("\\x1B[31mred", await OneLineError("summary", escape));

        string chain = folder.File("chain.safetensors");
        File.WriteAllBytes(chain, HostileFiles.ModelFile(HostileFiles.ReversedChainConfig(ModelConfig.MaxLayers + 1)));
        Assert.Contains($"at most {ModelConfig.MaxLayers}", await OneLineError("summary", chain));
    }

    [Fact]
    public async Task SummaryOnTheCommandLineEscapesNames()
    {
        using var folder = new TempFolder();
        string path = folder.File("names.safetensors");
        EscapeModel().Save(path);
        var (code, output, err) = await CliTests.Run(null, "summary", path);
        Assert.True(code == 0, err);
        Assert.DoesNotContain('\u001b', output);
        Assert.DoesNotContain('\u202E', output);
        Assert.Contains("Model: \"evil\\x1B]0;pwned\\x07\"", output);
        Assert.Contains("rtl\\u202Egnp (Dense)", output);
        Assert.Contains("line\\u2028break (Dense)", output);
    }

    [Fact]
    public async Task GenerateNamesBothSizesWhenTheVocabularyDoesNotFit()
    {
        using var folder = new TempFolder();
        var (model, vocabulary) = CharModel(extraOutputs: 2);
        model.Save(folder.File("model.safetensors"));
        vocabulary.Save(folder.File("vocabulary.json"));
        string err = await OneLineError("generate", folder.Path, "--count", "1");
        Assert.Contains($"outputs {vocabulary.VocabularySize + 2} scores", err);
        Assert.Contains($"vocabulary has {vocabulary.VocabularySize} tokens", err);
        Assert.Contains("vocabulary.json", err);

        // A vocabulary whose characters are escape sequences prints them escaped.
        var (fitting, escapes) = (CharModel(0).Model, CharVocabulary.Build(["\u001b\u009b"], "."));
        Assert.Equal(vocabulary.VocabularySize, escapes.VocabularySize);
        fitting.Save(folder.File("model.safetensors"));
        escapes.Save(folder.File("vocabulary.json"));
        var (code, output, stderr) = await CliTests.Run(null, "generate", folder.Path, "--count", "20", "--temperature", "2", "--seed", "1");
        Assert.True(code == 0, stderr);
        Assert.DoesNotContain('\u001b', output);
        Assert.DoesNotContain('\u009b', output);
        Assert.Matches(@"\\x(1B|9B)", output);
    }
}
