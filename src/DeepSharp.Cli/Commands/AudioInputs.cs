using DeepSharp.Data.Audio;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// WAV files for <c>predict</c>: one .wav file or a folder of them, as float batches (N, samples) the
/// model takes. Each file is read (16-bit PCM mono), resampled to the rate of the model's
/// MelSpectrogram (16 kHz for a model that starts with STFTSpectrogram, which has no rate), and padded
/// with silence or trimmed at its end to the model's input length; batches hold at most 256 files.
/// </summary>
internal static class AudioInputs
{
    public const int MaxBatch = 256;

    /// <summary>The largest input length predict accepts: 2^24 samples (17 minutes at 16 kHz).</summary>
    public const int MaxSamples = 1 << 24;

    /// <summary>Whether <paramref name="input"/> names a .wav file or a folder holding .wav files.</summary>
    public static bool IsAudio(string input) =>
        input.EndsWith(".wav", StringComparison.OrdinalIgnoreCase)
        || (Directory.Exists(input) && Directory.EnumerateFiles(input, "*.wav").Any() && !Directory.EnumerateFiles(input, "*.png").Any());

    public static IEnumerable<(string[] Names, Tensor Signals)> Batches(string input, Model model)
    {
        var shape = model.Layers[0].BuiltInputShape!.Value;
        if (!(shape.Rank == 1 || (shape.Rank == 2 && shape[1] == 1)) || shape[0] > MaxSamples)
            throw new DeepSharpException($"predict reads .wav files for models that take (None, samples) or (None, samples, 1) of at most {MaxSamples} samples; this model takes {shape.ToBatchString()}.");
        int samples = shape[0];
        int rate = model.Layers[0] is MelSpectrogram mel ? (int)MathF.Round(mel.SamplingRate) : 16000;
        if (rate < 1 || rate > WavFile.MaxSampleRate)
            throw new DeepSharpException($"predict resamples .wav files to the model's rate; this model's {model.Layers[0].Name} takes {rate} Hz, outside [1, {WavFile.MaxSampleRate}].");
        string[] files = File.Exists(input) || !Directory.Exists(input)
            ? [input]
            : [.. Directory.GetFiles(input, "*.wav").Order(StringComparer.Ordinal)];
        int batch = Math.Clamp((int)((64L << 20) / (4L * samples)), 1, MaxBatch);
        for (int start = 0; start < files.Length; start += batch)
        {
            var chunk = files[start..Math.Min(files.Length, start + batch)];
            var data = new float[(long)chunk.Length * samples];
            for (int i = 0; i < chunk.Length; i++)
            {
                var audio = WavFile.Read(chunk[i]);
                var signal = AudioResampler.Resample(audio.Samples, audio.SampleRate, rate, samples); // only what the model takes
                signal.AsSpan(0, Math.Min(signal.Length, samples)).CopyTo(data.AsSpan((int)((long)i * samples), samples));
            }
            yield return (chunk.Select(f => Path.GetFileName(f)).ToArray(), Tensor.Wrap(data, shape.WithBatch(chunk.Length)));
        }
    }
}
