using DeepSharp.Data.Datasets;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Training;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// The spoken-digit classifiers of <c>deepsharp train speech-digits</c>: the audio front end as layers
/// (1 s at 16 kHz → 40 log-mel bands every 10 ms, 25 ms frames), BatchNormalization of each band,
/// SpecAugment while training, then convolutions over the frames.
/// </summary>
internal static class SpeechPresets
{
    public const string Default = "conv1d";
    public static readonly string[] Names = ["conv1d"];

    /// <summary>The front end: (16000) samples → (98, 40) decibels.</summary>
    public static MelSpectrogram FrontEnd() => new(fftLength: 512, sequenceStride: 160, sequenceLength: 400, samplingRate: SpeechDigits.SampleRate,
        numMelBins: 40, minFreq: 20f, maxFreq: 8000f, topDb: 80f, inputShape: [SpeechDigits.ClipSamples]);

    public static Model Build(string preset) => preset switch
    {
        "conv1d" => new Sequential(
        [
            FrontEnd(),
            new BatchNormalization(),
            new SpecAugment(frequencyMasks: 2, frequencyMaskWidth: 6, timeMasks: 2, timeMaskWidth: 10),
            new Conv1D(64, 5, padding: Padding.Same, activation: Activation.Relu),
            new BatchNormalization(),
            new MaxPooling1D(2),
            new Conv1D(96, 3, padding: Padding.Same, activation: Activation.Relu),
            new BatchNormalization(),
            new MaxPooling1D(2),
            new Conv1D(128, 3, padding: Padding.Same, activation: Activation.Relu),
            new GlobalAveragePooling1D(),
            new Dropout(0.3f),
            new Dense(10, Activation.Softmax),
        ], name: "speech_conv1d"),
        _ => throw new ArgumentException($"Unknown speech model '{preset}'; known: {string.Join(", ", Names)}."),
    };
}
