using DeepSharp.Data.Audio;
using DeepSharp.Tensors;

namespace DeepSharp.Data.Datasets;

/// <summary>Spoken digits as tensors: 1-second clips at 16 kHz and their labels, split by speaker.</summary>
/// <param name="TrainX">(n, 16000) training clips.</param>
/// <param name="TrainY">(n) int32 digits.</param>
/// <param name="TestX">(m, 16000) clips of the held-out speakers.</param>
/// <param name="TestY">(m) int32 digits.</param>
/// <param name="Train">The training utterances, in the order of the rows.</param>
/// <param name="Test">The test utterances, in the order of the rows.</param>
public sealed record SpeechDigitsData(Tensor TrainX, Tensor TrainY, Tensor TestX, Tensor TestY,
    IReadOnlyList<SpeechUtterance> Train, IReadOnlyList<SpeechUtterance> Test);

/// <summary>
/// Spoken digits made on this machine by espeak-ng (Debian's <c>espeak-ng</c> package), in the spirit of
/// the Free Spoken Digit Dataset: many synthetic voices (English accents × voice variants), speeds and
/// pitches, each saying "zero" to "nine". The files are generated once, deterministically (a fixed list
/// in a fixed order, <see cref="SpeechDigitsSpec"/>), into <c>$DEEPSHARP_HOME/datasets/speech-digits</c>
/// with a manifest of voice, speed, pitch, digit, file and SHA-256; later loads check the hashes.
/// espeak-ng writes 22,050 Hz 16-bit mono WAV; <see cref="Load"/> resamples each file to
/// <see cref="SampleRate"/> and pads or trims it to <see cref="ClipSamples"/> samples, and
/// <see cref="ToClip"/> does the same to any WAV a model is asked to classify.
/// </summary>
public static class SpeechDigits
{
    /// <summary>The sample rate of the clips, in Hz.</summary>
    public const int SampleRate = 16000;
    /// <summary>Samples per clip: one second (the slowest utterances end within it).</summary>
    public const int ClipSamples = 16000;
    /// <summary>How long one espeak-ng process may run.</summary>
    public static readonly TimeSpan SpeakTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The utterances of <paramref name="spec"/> (default: <see cref="SpeechDigitsSpec.Default"/>) and the
    /// folder that holds them, generating the folder first if it is absent, stale or damaged.
    /// </summary>
    /// <param name="spec">What to generate.</param>
    /// <param name="cacheRoot">The cache root; null: <c>$DEEPSHARP_HOME</c>, else <c>~/.cache/deepsharp</c>.</param>
    /// <param name="espeak">The espeak-ng executable; null: <c>$DEEPSHARP_ESPEAK</c>, else <c>espeak-ng</c> from the PATH.</param>
    /// <exception cref="DatasetUnavailableException">espeak-ng is missing or fails.</exception>
    public static (string Folder, IReadOnlyList<SpeechUtterance> Utterances) Ensure(SpeechDigitsSpec? spec = null, string? cacheRoot = null, string? espeak = null)
    {
        spec ??= SpeechDigitsSpec.Default;
        string root = Path.GetFullPath(cacheRoot ?? PackageFetcher.DefaultCacheRoot());
        string folder = Path.Combine(root, "datasets", spec.FolderName);
        if (Verified(folder, spec) is { } cached) return (folder, cached);
        string tool = espeak ?? (Environment.GetEnvironmentVariable("DEEPSHARP_ESPEAK") is { Length: > 0 } e ? e : "espeak-ng");
        string temp = folder + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            var made = SpeechDigitsGenerator.Generate(spec, temp, tool, SpeakTimeout);
            if (Directory.Exists(folder))
            {
                if (Verified(folder, spec) is { } other) return (folder, other); // another process finished first
                Directory.Delete(folder, recursive: true);
            }
            try
            {
                Directory.Move(temp, folder);
            }
            catch (IOException) when (Verified(folder, spec) is not null)
            {
                // Another process moved its copy into place in between; use it.
            }
            return (folder, Verified(folder, spec) ?? made);
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>
    /// The data set as tensors, split by speaker (<see cref="SpeechDigitsSpec.TestVariants"/>), generating
    /// it first if needed. With <paramref name="snrDb"/>, white noise at that signal-to-noise ratio is added
    /// to every clip, drawn from <paramref name="noiseSeed"/> in the manifest's order.
    /// </summary>
    /// <exception cref="DatasetUnavailableException">espeak-ng is missing or fails.</exception>
    /// <exception cref="DataFormatException">A cached file is damaged.</exception>
    public static SpeechDigitsData Load(SpeechDigitsSpec? spec = null, float? snrDb = null, long noiseSeed = 0, string? cacheRoot = null, string? espeak = null)
    {
        spec ??= SpeechDigitsSpec.Default;
        var (folder, utterances) = Ensure(spec, cacheRoot, espeak);
        var train = utterances.Where(u => !spec.IsTest(u)).ToList();
        var test = utterances.Where(spec.IsTest).ToList();
        var noise = snrDb is null ? null : new RandomGenerator(noiseSeed);
        var (trainX, trainY) = ToTensors(folder, train, snrDb, noise);
        var (testX, testY) = ToTensors(folder, test, snrDb, noise);
        return new SpeechDigitsData(trainX, trainY, testX, testY, train, test);
    }

    /// <summary>
    /// A WAV's samples as the models expect them: resampled to <see cref="SampleRate"/> and padded with
    /// silence or trimmed at the end to <see cref="ClipSamples"/>.
    /// </summary>
    public static float[] ToClip(WavAudio audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var resampled = AudioResampler.Resample(audio.Samples, audio.SampleRate, SampleRate, ClipSamples);
        var clip = new float[ClipSamples];
        resampled.AsSpan(0, Math.Min(resampled.Length, ClipSamples)).CopyTo(clip);
        return clip;
    }

    private static (Tensor X, Tensor Y) ToTensors(string folder, List<SpeechUtterance> utterances, float? snrDb, RandomGenerator? noise)
    {
        var x = new float[(long)utterances.Count * ClipSamples];
        var y = new int[utterances.Count];
        var clips = new float[utterances.Count][];
        Parallel.For(0, utterances.Count, i => clips[i] = ToClip(WavFile.Read(Path.Combine(folder, utterances[i].File))));
        for (int i = 0; i < utterances.Count; i++)
        {
            if (snrDb is { } snr) AudioNoise.Add(clips[i], snr, noise!);
            clips[i].CopyTo(x, (long)i * ClipSamples);
            y[i] = utterances[i].Digit;
        }
        return (Tensor.Wrap(x, utterances.Count, ClipSamples), Tensor.Wrap(y, utterances.Count));
    }

    /// <summary>The folder's utterances when its manifest matches the spec and every file its size and hash; else null.</summary>
    private static IReadOnlyList<SpeechUtterance>? Verified(string folder, SpeechDigitsSpec spec)
    {
        string manifest = Path.Combine(folder, SpeechDigitsManifest.FileName);
        if (!File.Exists(manifest)) return null;
        var utterances = SpeechDigitsManifest.Parse(InputFile.ReadText(manifest, 64L << 20, "Speech-digits manifest"), spec, manifest);
        if (utterances is null) return null;
        bool ok = true;
        Parallel.For(0, utterances.Count, (i, state) =>
        {
            string path = Path.Combine(folder, utterances[i].File);
            if (!File.Exists(path) || FileHash.Sha256Hex(path) != utterances[i].Sha256)
            {
                ok = false;
                state.Stop();
            }
        });
        return ok ? utterances : null;
    }
}
