using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// The activation, pooling, sequence, noise and wrapper layers of issue 13 in models: saved and
/// loaded (identical predictions, the file a fixed point) and exported to ONNX (ONNX Runtime agrees
/// with Predict).
/// </summary>
public class KerasLayerFileTests
{
    private static readonly string[] s_models = ["activations", "relu-forms", "pooling1d", "sequence", "noise", "time-distributed"];

    public static TheoryData<string> Models() => new(s_models);

    /// <summary>Every model here, for the test that each registered layer type exports.</summary>
    public static IEnumerable<Model> Samples() => s_models.Select(Create);

    internal static Model Create(string name) => name switch
    {
        "activations" => new Sequential(
            new Dense(6, inputShape: [4]),
            new LeakyRelu(0.1f),
            new Elu(0.5f),
            new PRelu(Initializer.Uniform),
            new Reshape([2, 3]),
            new PRelu(Initializer.Uniform, sharedAxes: [1]),
            new Softmax(axis: 1),
            new Flatten(),
            new Dense(3),
            new Softmax()),
        "relu-forms" => new Sequential(
            new Dense(8, inputShape: [3]),
            new Relu(name: "plain"),
            new Dense(8),
            new Relu(negativeSlope: 0.2f, name: "leaky"),
            new Dense(8),
            new Relu(maxValue: 0.5f, name: "clipped"),
            new Dense(8),
            new Relu(threshold: 0.1f, name: "thresholded"),
            new Dense(8),
            new Relu(maxValue: 0.6f, negativeSlope: 0.3f, threshold: -0.2f, name: "everything")),
        "pooling1d" => new Sequential(
            new Conv1D(4, 2, inputShape: [11, 3]),
            new MaxPooling1D(3, 2, Padding.Same),
            new AveragePooling1D(2, 1, Padding.Same),
            new MaxPooling1D(),
            new AveragePooling1D(2),
            new GlobalMaxPooling1D(keepDims: true),
            new GlobalAveragePooling1D(),
            new Dense(2)),
        "sequence" => new Sequential(
            new Dense(4, inputShape: [3]),
            new RepeatVector(5),
            new Conv1D(3, 2, activation: Activation.Tanh),
            new Permute([2, 1]),
            new Dense(2),
            new Flatten(),
            new Dense(3)),
        "noise" => new Sequential(
            new Conv2D(3, 2, inputShape: [5, 5, 2]),
            new SpatialDropout2D(0.3f, seed: 1),
            new GaussianNoise(0.1f),
            new Reshape([16, 3]),
            new SpatialDropout1D(0.2f),
            new GaussianDropout(0.2f, seed: 2),
            new Flatten(),
            new Dense(2)),
        "time-distributed" => new Sequential(
            new TimeDistributed(new Conv2D(2, 3, activation: Activation.Relu), inputShape: [3, 6, 6, 1]),
            new TimeDistributed(new MaxPooling2D()),
            new TimeDistributed(new Flatten()),
            new TimeDistributed(new Dropout(0.5f)),
            new TimeDistributed(new Dense(4)),
            new TimeDistributed(new LeakyRelu()),
            new GlobalAveragePooling1D(),
            new Dense(2)),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static Tensor Inputs(Model model, int batch, int seed) =>
        Tensor.RandomUniform(model.Layers[0].BuiltInputShape!.Value.WithBatch(batch), -1f, 1f, new RandomGenerator(seed));

    [Theory]
    [MemberData(nameof(Models))]
    public void SaveLoadGivesIdenticalPredictions(string name)
    {
        RandomGenerator.SetGlobalSeed(11);
        var model = Create(name);
        using var folder = new TempFolder();
        string path = folder.File("model.safetensors");
        model.Save(path);

        var loaded = Model.Load(path);
        Assert.Equal(model.Layers.Select(l => (l.TypeName, l.Name)), loaded.Layers.Select(l => (l.TypeName, l.Name)));
        var x = Inputs(model, 5, 2);
        var expected = model.Predict(x).ToArray();
        var actual = loaded.Predict(x).ToArray();
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));

        string again = folder.File("again.safetensors");
        loaded.Save(again);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(again));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void OnnxRuntimeMatchesPredict(string name)
    {
        RandomGenerator.SetGlobalSeed(3);
        var model = Create(name);
        var x = Inputs(model, 4, 5);
        OnnxRunner.AssertMatches(model, [x], name, tolerance: 1e-5);
    }
}
