using DeepSharp.Data.Audio;
using DeepSharp.Data.Datasets;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Audio;

/// <summary>
/// The espeak-ng data set on its small spec (120 utterances, about 3 s to make): generation, the
/// manifest and its hashes, the split by speaker, determinism, repair of a damaged cache, noise. The
/// learning run is docs/applications.md's example (Docs/SpeechDocTests). Needs espeak-ng (.ci/run installs it).
/// </summary>
[Collection("speech-digits")]
public class SpeechDigitsTests : IClassFixture<SpeechDigitsTests.SmallSet>
{
    /// <summary>The small set, generated once for the class in its own cache root.</summary>
    public sealed class SmallSet : IDisposable
    {
        private readonly TempFolder _root = new();
        public string Root => _root.Path;
        public SpeechDigitsData Data { get; }
        public string Folder { get; }

        public SmallSet()
        {
            (Folder, _) = SpeechDigits.Ensure(SpeechDigitsSpec.Small, Root);
            Data = SpeechDigits.Load(SpeechDigitsSpec.Small, cacheRoot: Root);
        }

        public void Dispose() => _root.Dispose();
    }

    private readonly SmallSet _set;

    public SpeechDigitsTests(SmallSet set) => _set = set;

    [Fact]
    public void TheManifestListsEveryUtteranceWithItsHash()
    {
        var lines = File.ReadAllLines(Path.Combine(_set.Folder, "manifest.tsv"));
        Assert.StartsWith("# accents=en,en-us;variants=m1,m2,m3,f1,f2,f3;test=m3,f2", lines[0]);
        Assert.Equal("voice\taccent\tvariant\tspeed\tpitch\tdigit\tword\tfile\tsha256", lines[1]);
        Assert.Equal(122, lines.Length);
        Assert.Equal("en+m1\ten\tm1\t150\t40\t0\tzero\twav/en+m1_s150_p40_0.wav", string.Join('\t', lines[2].Split('\t')[..8]));
        var all = _set.Data.Train.Concat(_set.Data.Test).ToList();
        Assert.Equal(120, all.Count);
        foreach (var u in all)
        {
            var audio = WavFile.Read(Path.Combine(_set.Folder, u.File));
            Assert.Equal(22050, audio.SampleRate);
            Assert.InRange(audio.Seconds, 0.2, 1.5);
        }
    }

    [Fact]
    public void TestSpeakersAreNeverHeardInTraining()
    {
        var d = _set.Data;
        Assert.Equal(new Shape(80, SpeechDigits.ClipSamples), d.TrainX.Shape);
        Assert.Equal(new Shape(40, SpeechDigits.ClipSamples), d.TestX.Shape);
        Assert.Empty(d.Train.Select(u => u.Variant).Intersect(d.Test.Select(u => u.Variant)));
        Assert.Equal(["f2", "m3"], d.Test.Select(u => u.Variant).Distinct().Order());
        Assert.Equal(d.Test.Select(u => u.Digit), d.TestY.ToIntArray());
        Assert.All(Enumerable.Range(0, 10), digit => Assert.Equal(8, d.Train.Count(u => u.Digit == digit)));
    }

    [Fact]
    public void GenerationIsDeterministicAndADamagedCacheIsRemade()
    {
        using var other = new TempFolder();
        var (folder, again) = SpeechDigits.Ensure(SpeechDigitsSpec.Small, other.Path);
        Assert.Equal(_set.Data.Train.Concat(_set.Data.Test).Select(u => u.Sha256).Order(), again.Select(u => u.Sha256).Order());

        string victim = Path.Combine(folder, again[5].File);
        File.WriteAllBytes(victim, [1, 2, 3]);
        var (_, repaired) = SpeechDigits.Ensure(SpeechDigitsSpec.Small, other.Path);
        Assert.Equal(again.Select(u => u.Sha256), repaired.Select(u => u.Sha256));
        Assert.Equal(again[5].Sha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(victim))));
        Assert.Empty(Directory.GetDirectories(Path.Combine(other.Path, "datasets"), "*.tmp-*"));
    }

    [Fact]
    public void AMissingEspeakIsAClearError()
    {
        using var root = new TempFolder();
        var e = Assert.Throws<DatasetUnavailableException>(() => SpeechDigits.Ensure(SpeechDigitsSpec.Small, root.Path, espeak: "/nonexistent/espeak-ng"));
        Assert.Contains("apt-get install espeak-ng", e.Message);
        Assert.Empty(Directory.GetDirectories(Path.Combine(root.Path, "datasets")));
    }

    [Fact]
    public void NoiseIsAddedAtTheSnrWithItsSeed()
    {
        var noisy = SpeechDigits.Load(SpeechDigitsSpec.Small, snrDb: 5f, noiseSeed: 3, cacheRoot: _set.Root);
        var again = SpeechDigits.Load(SpeechDigitsSpec.Small, snrDb: 5f, noiseSeed: 3, cacheRoot: _set.Root);
        Assert.Equal(noisy.TrainX.ToArray(), again.TrainX.ToArray());
        Assert.NotEqual(_set.Data.TrainX.ToArray(), noisy.TrainX.ToArray());
    }
}
