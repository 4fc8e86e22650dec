using System.Diagnostics;
using System.Text;
using DeepSharp.Tests.Data;
using DeepSharp.Text;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Character vocabulary files (<c>generate --vocabulary</c>, <c>evaluate</c>, <c>plot</c>): mutated files
/// load or are refused within the fuzz limits, and a file of many special tokens loads in time linear in
/// its size (the constructor checked each special against a list of the earlier ones: 200,000 specials
/// took 2·10¹⁰ string comparisons).
/// </summary>
public sealed class VocabularyFileTests(ITestOutputHelper output)
{
    private readonly FuzzHarness _harness = new(output);

    private static readonly string s_valid = CharVocabulary.Build(["hello world", "Ünïcödé 😀 \t tabs", "quotes \" and \\"], ".", "<s>", "[MASK]").ToJson();

    [Fact]
    public void ManySpecialTokensLoadInLinearTime()
    {
        const int count = 200_000;
        var json = new StringBuilder("{\"specials\":[");
        for (int i = 0; i < count; i++) json.Append(i == 0 ? "" : ",").Append("\"t").Append(i).Append('"');
        json.Append("],\"characters\":\"abc\"}");
        var clock = Stopwatch.StartNew();
        var vocabulary = CharVocabulary.FromJson(json.ToString(), "many.json");
        output.WriteLine($"{count} specials loaded in {clock.ElapsedMilliseconds} ms");
        Assert.Equal(2 + count + 3, vocabulary.VocabularySize);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{count} specials took {clock.Elapsed.TotalSeconds:F1}s");
    }

    [Fact]
    public void ARepeatedSpecialTokenIsRefusedNamingTheFile()
    {
        using var folder = new TempFolder();
        string path = folder.File("vocab.json");
        File.WriteAllText(path, "{\"specials\":[\".\",\"<s>\",\".\"],\"characters\":\"ab\"}");
        var ex = Assert.Throws<DataFormatException>(() => CharVocabulary.Load(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("repeated", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task MutatedVocabulariesLoadOrAreRefused() => await Task.Run(() =>
    {
        var original = Encoding.UTF8.GetBytes(s_valid);
        _harness.Run("char vocabulary", 1500, seed: 1901, random => random.Next(2) == 0
                ? FuzzHarness.MutateBytes(random, original)
                : Encoding.UTF8.GetBytes(FuzzHarness.EditJson(random, s_valid)),
            bytes =>
            {
                var vocabulary = CharVocabulary.FromJson(Encoding.UTF8.GetString(bytes), "case.json");
                var ids = vocabulary.Encode("hello ünï 😀");
                vocabulary.Decode(ids);
            }, minRejectedPercent: 40);
    });
}
