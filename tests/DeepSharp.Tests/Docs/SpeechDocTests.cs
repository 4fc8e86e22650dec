using DeepSharp.Autograd;
using DeepSharp.Data;
using DeepSharp.Data.Audio;
using DeepSharp.Data.Datasets;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Docs;

/// <summary>
/// The examples of docs/applications.md ("## Speech"), run as written on the small espeak-ng data set
/// (made in the cache on first use): the CI test that the speech path learns — held-out speakers are
/// recognised well above chance (10 %) after a few seconds of training.
/// </summary>
public sealed class SpeechDocTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void EveryExampleOfTheSectionIsHere() =>
        MarkdownExamples.AssertAllIn("applications.md", "Docs/SpeechDocTests.cs", expectedBlocks: 2, section: "## Speech");

    [Fact]
    public void SpokenDigitsAreLearnedAndAWavIsClassified()
    {
        RandomGenerator.SetGlobalSeed(1);

        // 120 utterances (2 accents × 6 speakers); SpeechDigitsSpec.Default is the full set of 4,800.
        var data = SpeechDigits.Load(SpeechDigitsSpec.Small);   // made by espeak-ng on first use
        var model = new Sequential(
            new MelSpectrogram(fftLength: 512, sequenceStride: 320, sequenceLength: 400, samplingRate: 16000,
                numMelBins: 32, maxFreq: 8000, inputShape: [16000]),   // (50 frames, 32 mel bands) in dB
            new LayerNormalization(axis: [-2, -1]),
            new SpecAugment(frequencyMasks: 1, frequencyMaskWidth: 4, timeMasks: 1, timeMaskWidth: 5),
            new Conv1D(32, 5, activation: Activation.Relu),
            new MaxPooling1D(2),
            new Conv1D(32, 3, activation: Activation.Relu),
            new GlobalAveragePooling1D(),
            new Dense(10, Activation.Softmax));
        model.Compile(new Adam(3e-3f), new CategoricalCrossentropy(), [new Accuracy()]);
        model.Fit(data.TrainX, DataUtils.ToCategorical(data.TrainY, 10), batchSize: 16, epochs: 30, verbose: 0);
        var scores = model.Evaluate(data.TestX, DataUtils.ToCategorical(data.TestY, 10));
        Console.WriteLine($"Accuracy on speakers never heard: {scores["accuracy"]:P1}");

        Assert.True(scores["accuracy"] >= 0.4, $"held-out accuracy {scores["accuracy"]} after 30 short epochs (chance: 0.1)");

        // The second example, on a held-out utterance written back as a WAV file at espeak-ng's rate.
        string path = _temp.File("digit.wav");
        var (folder, _) = SpeechDigits.Ensure(SpeechDigitsSpec.Small);
        var heldOut = data.Test[7]; // a 7 by a speaker never heard
        File.Copy(Path.Combine(folder, heldOut.File), path);

        float[] clip = SpeechDigits.ToClip(WavFile.Read(path));   // 16 kHz, one second
        var probabilities = model.Predict(Tensor.FromArray(clip, 1, clip.Length));
        int digit = probabilities.ArgMax(axis: 1).ToIntArray()[0];

        Assert.Equal(data.TestX.Slice(0, 7..8).ToArray(), clip);
        Assert.Equal(model.Predict(data.TestX.Slice(0, 7..8)).ToArray(), probabilities.ToArray());
        Assert.InRange(digit, 0, 9);
    }

    [Fact]
    public void TheLayersPageExampleBuildsTheFrontEnd()
    {
        MarkdownExamples.AssertAllIn("layers.md", "Docs/SpeechDocTests.cs", expectedBlocks: 1, section: "## Audio front end");

        var model = new Sequential(
            new MelSpectrogram(fftLength: 512, sequenceStride: 160, sequenceLength: 400, samplingRate: 16000,
                numMelBins: 40, maxFreq: 8000, inputShape: [16000]),   // 1 s → (98, 40) dB
            new BatchNormalization(),
            new SpecAugment(frequencyMasks: 2, frequencyMaskWidth: 6, timeMasks: 2, timeMaskWidth: 10),
            new Conv1D(64, 5, padding: Padding.Same, activation: Activation.Relu),
            new GlobalAveragePooling1D(),
            new Dense(10, Activation.Softmax));

        Assert.Equal(new Shape(98, 40), model.Layers[0].ComputeOutputShape(new Shape(16000)));
        Assert.Equal(new Shape(2, 10), model.Predict(Tensor.Zeros(2, 16000)).Shape);
    }
}
