using System.Diagnostics;
using DeepSharp.Cli.Commands;
using DeepSharp.Data;
using DeepSharp.Data.Audio;
using DeepSharp.Data.Datasets;
using DeepSharp.Data.Images;
using DeepSharp.Nn.Layers;
using DeepSharp.Serialization;
using DeepSharp.Tests.Cli;
using DeepSharp.Tests.Data;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Paths that name no regular file (docs/security.md, "Files that are not files"): a named pipe, whose open
/// blocked every reader until a writer came (a hang), and /dev/zero, which reports 0 bytes and never ends (the
/// CLI's CSV, label, prompt and history readers read it until memory ran out). Each reader refuses them before
/// opening, with a <see cref="FileAccessException"/> naming the path. And CSV files that cost more than their size:
/// rows of one value (an array per row), one endless line, numbers that are not finite.
/// </summary>
public sealed class SpecialFileTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Fifo()
    {
        string path = _folder.File("pipe-" + Guid.NewGuid().ToString("N")[..8]);
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { RedirectStandardError = true })!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }

    /// <summary>The readers a user or a server hands a path to.</summary>
    public static TheoryData<string> Readers() =>
        ["model", "safetensors", "checkpoint", "npy", "wav", "png", "vocabulary", "idx", "bounded", "csv", "labels"];

    private static void Read(string reader, string path)
    {
        switch (reader)
        {
            case "model": Model.Load(path); break;
            case "safetensors": SafetensorsFile.Load(path); break;
            case "checkpoint": Checkpoint.Load(path); break;
            case "npy": NpyFile.Load(path); break;
            case "wav": WavFile.Read(path); break;
            case "png": PngDecoder.ReadInfo(path); break;
            case "vocabulary": CharVocabulary.Load(path); break;
            case "idx": IdxReader.ReadImages(path); break;
            case "bounded": BoundedFile.ReadAllText(path, 1 << 20, "Prompt file"); break;
            case "csv": UserData.ReadCsv(path); break;
            case "labels": UserLabels.Read(path, 3, "x.csv"); break;
            default: throw new ArgumentException(reader);
        }
    }

    [Theory]
    [MemberData(nameof(Readers))]
    public void ANamedPipeIsRefusedWithoutBlocking(string reader)
    {
        if (OperatingSystem.IsWindows()) return; // named pipes at file paths are a Unix thing
        string fifo = Fifo();
        var read = Task.Run(() => Read(reader, fifo));
        if (!WaitQuietly(read, TimeSpan.FromSeconds(10)))
        {
            using (new FileStream(fifo, FileMode.Open, FileAccess.Write)) { } // a writer unblocks the reader's open, so the test run can end
            Assert.Fail($"{reader} blocked on a named pipe for 10 s");
        }
        var ex = Assert.IsType<FileAccessException>(read.Exception?.InnerException);
        Assert.Contains(fifo, ex.Message, StringComparison.Ordinal);
        Assert.Contains("named pipe", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Whether <paramref name="task"/> ended within <paramref name="timeout"/> (its exception is read later).</summary>
    private static bool WaitQuietly(Task task, TimeSpan timeout)
    {
        try
        {
            return task.Wait(timeout);
        }
        catch (AggregateException)
        {
            return true;
        }
    }

    [Theory]
    [MemberData(nameof(Readers))]
    public void DevZeroIsRefused(string reader)
    {
        if (OperatingSystem.IsWindows()) return; // no /dev/zero
        var ex = Assert.ThrowsAny<DeepSharpException>(() => Read(reader, "/dev/zero"));
        Assert.Contains("/dev/zero", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvaluateOnDevZeroIsAOneLineError()
    {
        if (OperatingSystem.IsWindows()) return; // no /dev/zero
        string model = _folder.File("m.safetensors");
        new Sequential(new Dense(2, inputShape: [3])).Save(model);
        var clock = Stopwatch.StartNew();
        var (code, _, err) = await CliTests.Run(null, "evaluate", model, "--x", "/dev/zero");
        Assert.Equal(1, code);
        Assert.Contains("/dev/zero", err, StringComparison.Ordinal);
        Assert.Contains("character device", err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed.TotalSeconds:F0}s");
    }

    [Fact]
    public void RegularFilesAndFoldersAreNotSpecial()
    {
        string file = _folder.File("a.txt");
        File.WriteAllText(file, "1,2\n");
        Assert.Null(SpecialFile.KindOf(file));
        Assert.Null(SpecialFile.KindOf(_folder.Path));
        Assert.Null(SpecialFile.KindOf(_folder.File("missing")));
        Assert.Equal("1,2\n", BoundedFile.ReadAllText(file, 4));
        Assert.Throws<DataFormatException>(() => BoundedFile.ReadAllText(file, 3));
    }

    [Fact]
    public void OneValueRowsCostOneFloatEach()
    {
        // 400,000 rows of one value: an array per row cost ~40 bytes a row (20 per byte of text) before.
        string csv = _folder.File("column.csv");
        File.WriteAllText(csv, "label\n" + string.Concat(Enumerable.Repeat("3\n", 400_000)));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var table = UserData.ReadCsv(csv);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal((400_000, 1), (table.Rows, table.Width));
        Assert.Equal(3f, table.Row(399_999)[0]);
        Assert.True(allocated < 8L * 800_000 + (4 << 20), $"{allocated / 1e6:F1} MB for an 800 KB file");
    }

    [Fact]
    public void AnEndlessLineIsRefusedAtTheLineLimit()
    {
        string csv = _folder.File("line.csv");
        using (var writer = new StreamWriter(csv))
            for (int i = 0; i < UserData.MaxLineChars / 2 + 1; i++) writer.Write("0,");
        var ex = Assert.Throws<DataFormatException>(() => UserData.ReadCsv(csv));
        Assert.Contains("line 1 is longer than", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1,2\nNaN,3\n", "line 2, value 1 is 'NaN'")]
    [InlineData("1,2\n3,1e39\n", "line 2, value 2 is '1e39'")]
    [InlineData("1,-Infinity\n", "line 1, value 2 is '-Infinity'")]
    [InlineData("a,b\n1,2\n3\n", "line 3 holds 1 values, the first row 2")]
    [InlineData("1,2\nx,y\n", "line 2 is not all numbers")]
    [InlineData("a,b\n\n", "holds no rows of numbers")]
    public void CsvValuesAreFiniteNumbersInRowsOfOneWidth(string text, string expected)
    {
        string csv = _folder.File("bad.csv");
        File.WriteAllText(csv, text);
        var ex = Assert.Throws<DataFormatException>(() => UserData.ReadCsv(csv));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains(csv, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CsvLinesEndInAnyNewlineAndTheHeaderIsSkipped()
    {
        string csv = _folder.File("ok.csv");
        File.WriteAllText(csv, "a, b\r\n1, 2\r3,4\n\n 5 ,6");
        var table = UserData.ReadCsv(csv);
        Assert.Equal((3, 2), (table.Rows, table.Width));
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], table.Values[..6]);
    }

    [Fact]
    public void ALabelOfTwoToTheThirtyOneIsNotAClassIndex()
    {
        // (float)int.MaxValue is 2^31: it passed the range check and wrapped to int.MinValue.
        Assert.Throws<DataFormatException>(() => UserLabels.ClassIndex(2147483648f, "label"));
        Assert.Equal(-2147483648, UserLabels.ClassIndex(-2147483648f, "label"));
        Assert.Equal(16777216, UserLabels.ClassIndex(16777216f, "label"));
    }
}
