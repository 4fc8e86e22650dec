using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = DeepSharp.Tensors.Tensor;

namespace DeepSharp.Tests.Serialization;

/// <summary>Exported models run in ONNX Runtime and agree with DeepSharp's own predictions.</summary>
public class OnnxExportTests
{
    public static TheoryData<string> Models() => ["seed", "strided-same", "mlp"];

    private static Sequential Create(string name) => name switch
    {
        "seed" => new Sequential(
            new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]),
            new MaxPooling2D((2, 2)),
            new Flatten(),
            new Dense(128, Activation.Relu),
            new Dense(10, Activation.Softmax)),
        "strided-same" => new Sequential(
            new Conv2D(5, (3, 2), (2, 2), Padding.Same, Activation.Tanh, inputShape: [9, 8, 3]),
            new MaxPooling2D((3, 3), (2, 2), Padding.Same),
            new Conv2D(4, (2, 2), dilationRate: (2, 1), useBias: false),
            new Flatten(),
            new Dropout(0.5f),
            new Dense(6, Activation.Sigmoid)),
        _ => new Sequential(new Dense(7, Activation.Relu, inputShape: [5]), new Dense(3)),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void OnnxRuntimeMatchesPredict(string name)
    {
        RandomGenerator.SetGlobalSeed(3);
        var model = Create(name);
        var inputShape = model.Layers[0].BuiltInputShape!.Value;
        // Biases are zero after initialisation; give them values so the export of biases is tested.
        foreach (var p in model.Parameters.Where(p => p.Name == "bias"))
            Tensor.RandomUniform(p.Shape, -0.5f, 0.5f, new RandomGenerator(9)).Span.CopyTo(p.Value.Span);
        var x = Tensor.RandomUniform(inputShape.WithBatch(4), 0f, 1f, new RandomGenerator(5));
        var expected = model.Predict(x).ToArray();

        string path = Path.Combine(Path.GetTempPath(), $"deepsharp-{name}-{Guid.NewGuid():N}.onnx");
        try
        {
            model.ExportOnnx(path);
            using var session = new InferenceSession(path);
            var input = new DenseTensor<float>(x.ToArray(), x.Shape.ToArray());
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.Single(), input)]);
            var actual = results.Single().AsEnumerable<float>().ToArray();
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Abs(expected[i]) + 1e-6,
                    $"{name}: element {i}: DeepSharp {expected[i]}, ONNX Runtime {actual[i]}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void UnbuiltModelsAreRejected()
    {
        var model = new Sequential(new Dense(3));
        Assert.Throws<InvalidOperationException>(() => model.ExportOnnx(Path.Combine(Path.GetTempPath(), "never.onnx")));
    }
}
