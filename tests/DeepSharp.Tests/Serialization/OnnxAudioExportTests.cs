using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = DeepSharp.Tensors.Tensor;

namespace DeepSharp.Tests.Serialization;

/// <summary>
/// The audio front end exported to ONNX (a Conv over the windowed DFT basis, a MatMul by the mel
/// filters, decibels and the per-sample top-dB floor) and run in ONNX Runtime: it agrees with
/// DeepSharp's FFT-based layers.
/// </summary>
public class OnnxAudioExportTests
{
    /// <summary>Models holding every audio layer type (also read by OnnxExportTests.EveryRegisteredLayerTypeExports).</summary>
    public static IEnumerable<Model> Samples()
    {
        foreach (string name in s_names) yield return Create(name);
    }

    private static readonly string[] s_names = ["mel-conv", "mel-linear", "stft-log", "stft-magnitude", "stft-psd"];

    public static TheoryData<string> Names() => new(s_names);

    private static Model Create(string name) => name switch
    {
        "mel-conv" => new Sequential(
            new MelSpectrogram(64, 16, 48, samplingRate: 8000, numMelBins: 10, minFreq: 50, topDb: 40f, refPower: 2f, inputShape: [400]),
            new SpecAugment(seed: 1), new Conv1D(3, 3, activation: Activation.Relu), new GlobalAveragePooling1D(), new Dense(2)),
        "mel-linear" => new Sequential(
            new MelSpectrogram(128, 50, 100, StftWindow.Hamming, 16000, 16, maxFreq: 6000, powerToDb: false, magPower: 1f, inputShape: [500, 1])),
        "stft-log" => new Sequential(new StftSpectrogram(StftMode.Log, 40, 20, 64, inputShape: [300, 1]), new Flatten(), new Dense(3)),
        "stft-magnitude" => new Sequential(new StftSpectrogram(StftMode.Magnitude, 33, 7, 64, StftWindow.None, inputShape: [120])),
        _ => new Sequential(new StftSpectrogram(StftMode.Psd, 16, 5, periodic: true, inputShape: [64])),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void OnnxRuntimeMatchesTheLayers(string name)
    {
        RandomGenerator.SetGlobalSeed(3);
        var model = Create(name);
        var shape = model.Layers[0].BuiltInputShape!.Value;
        var x = Tensor.RandomUniform(shape.WithBatch(3), -1f, 1f, new RandomGenerator(5));
        var want = model.Predict(x).ToArray();

        using var folder = new TempFolder();
        string path = folder.File(name + ".onnx");
        model.ExportOnnx(path);
        using var session = new InferenceSession(path);
        string input = session.InputMetadata.Keys.Single();
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(input, new DenseTensor<float>(x.ToArray(), x.Shape.ToArray()))]);
        var actual = results.Single(r => r.Name == "output").AsEnumerable<float>().ToArray();
        Assert.Equal(want.Length, actual.Length);
        float scale = want.Max(MathF.Abs);
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(want[i] - actual[i]) <= 1e-4 * Math.Abs(want[i]) + 2e-5 * scale + 1e-4,
                $"{name}: element {i}: DeepSharp {want[i]}, ONNX Runtime {actual[i]}");
    }
}
