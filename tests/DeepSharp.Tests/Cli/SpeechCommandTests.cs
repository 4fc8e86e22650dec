using System.Buffers.Binary;
using DeepSharp.Data.Audio;
using DeepSharp.Data.Datasets;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Cli;

/// <summary>`deepsharp train speech-digits --small` and `deepsharp predict MODEL file.wav` end to end (the small espeak-ng set, from the cache).</summary>
public class SpeechCommandTests
{
    [Fact]
    public async Task TrainWritesAModelThatPredictsWavFiles()
    {
        using var folder = new TempFolder();
        string output = folder.File("speech");
        var (code, stdout, stderr) = await CliTests.Run(null, "train", "speech-digits", "--small", "--epochs", "1", "--batch-size", "16", "--out", output);
        Assert.True(code == 0, stderr);
        Assert.Contains("80 training utterances", stdout);
        Assert.Matches(@"Held-out speakers: loss \d+\.\d+ - accuracy \d\.\d{4}", stdout);

        // Two recordings at espeak-ng's 22,050 Hz (resampled by predict) in a folder, and one file alone.
        var (data, utterances) = SpeechDigits.Ensure(SpeechDigitsSpec.Small);
        var recordings = Directory.CreateDirectory(folder.File("recordings")).FullName;
        File.Copy(Path.Combine(data, utterances[3].File), Path.Combine(recordings, "a.wav"));
        File.Copy(Path.Combine(data, utterances[14].File), Path.Combine(recordings, "b.wav"));
        string model = Path.Combine(output, "model.safetensors");
        (code, stdout, stderr) = await CliTests.Run(null, "predict", model, recordings);
        Assert.True(code == 0, stderr);
        var lines = stdout.Trim().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^a\.wav: \d \(\d\.\d{4}\)$", lines[0]);
        Assert.Matches(@"^b\.wav: \d \(\d\.\d{4}\)$", lines[1]);
        (code, stdout, stderr) = await CliTests.Run(null, "predict", model, Path.Combine(recordings, "b.wav"));
        Assert.True(code == 0, stderr);
        Assert.Equal(lines[1], stdout.Trim());

        // A stereo file is refused in one line naming it.
        var stereo = WavFile.Encode(16000, new float[100]);
        BinaryPrimitives.WriteUInt16LittleEndian(stereo.AsSpan(22), 2);
        string bad = folder.File("stereo.wav");
        File.WriteAllBytes(bad, stereo);
        (code, _, stderr) = await CliTests.Run(null, "predict", model, bad);
        Assert.NotEqual(0, code);
        Assert.Contains("stereo.wav", stderr);
        Assert.Contains("2 channels", stderr);
    }
}
