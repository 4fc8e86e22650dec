using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = DeepSharp.Tensors.Tensor;

namespace DeepSharp.Tests.Serialization;

/// <summary>Exports a model, runs the file in ONNX Runtime and compares its outputs with DeepSharp's.</summary>
internal static class OnnxRunner
{
    /// <summary>DeepSharp's outputs: Predict for a Sequential model, the graph's outputs for a functional one.</summary>
    public static IReadOnlyList<Tensor> Expected(Model model, IReadOnlyList<Tensor> inputs) =>
        model is Functional ? model.Call(inputs) : [model.Predict(inputs[0])];

    /// <summary>The exported model's outputs "output", "output_1", … in ONNX Runtime, flattened.</summary>
    public static float[][] Run(Model model, IReadOnlyList<Tensor> inputs)
    {
        using var folder = new TempFolder();
        string path = folder.File("model.onnx");
        model.ExportOnnx(path);
        using var session = new InferenceSession(path);
        var names = session.InputMetadata.Keys.ToArray();
        Assert.Equal(inputs.Count, names.Length);
        var feeds = inputs.Select((x, i) => x.DType == DType.Int32
            ? NamedOnnxValue.CreateFromTensor(names[i], new DenseTensor<int>(x.IntSpan.ToArray(), x.Shape.ToArray()))
            : NamedOnnxValue.CreateFromTensor(names[i], new DenseTensor<float>(x.ToArray(), x.Shape.ToArray()))).ToList();
        using var results = session.Run(feeds);
        return Enumerable.Range(0, results.Count)
            .Select(o => results.Single(r => r.Name == (o == 0 ? "output" : $"output_{o}")).AsEnumerable<float>().ToArray())
            .ToArray();
    }

    /// <summary>Runs both and asserts every output agrees within <paramref name="tolerance"/> (relative, plus 1e-5 absolute).</summary>
    public static void AssertMatches(Model model, IReadOnlyList<Tensor> inputs, string what, double tolerance = 1e-4)
    {
        var expected = Expected(model, inputs);
        var actual = Run(model, inputs);
        Assert.Equal(expected.Count, actual.Length);
        for (int o = 0; o < expected.Count; o++) AssertClose(expected[o].ToArray(), actual[o], $"{what}: output {o}", tolerance);
    }

    public static void AssertClose(float[] want, float[] actual, string what, double tolerance = 1e-4)
    {
        Assert.Equal(want.Length, actual.Length);
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(want[i] - actual[i]) <= tolerance * Math.Abs(want[i]) + 1e-5,
                $"{what}: element {i}: DeepSharp {want[i]}, ONNX Runtime {actual[i]}");
    }
}
