using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Security;

/// <summary>
/// ONNX export of hostile model files (<c>deepsharp export</c>): the mutated configs of
/// <see cref="ConfigFuzzTests"/>, every one that loads exported, must give an ONNX file or a
/// <see cref="DeepSharpException"/> naming the layer, within the fuzz limits; a refused export leaves no file.
/// </summary>
public sealed class OnnxExportFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Cases = 150;

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string> ModelNames() => [.. ConfigFuzzTests.s_models.Keys];

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void MutatedModelsExportOrAreRefused(string name)
    {
        RandomGenerator.SetGlobalSeed(12);
        string valid = _folder.File("valid.safetensors");
        ConfigFuzzTests.s_models[name]().Save(valid);
        var original = FuzzHarness.Unsigned(File.ReadAllBytes(valid));
        string config = FuzzHarness.ModelConfigOf(original);
        string path = _folder.File("case.safetensors"), onnx = _folder.File("case.onnx");
        int exported = 0;
        new FuzzHarness(output).Run($"ONNX export of '{name}'", Cases, seed: name.Aggregate(20261206, (h, c) => h * 31 + c),
            random => FuzzHarness.WithModelConfig(original, ConfigFuzzTests.MutateConfig(random, config)),
            bytes =>
            {
                File.WriteAllBytes(path, bytes);
                var model = Model.Load(path);
                File.Delete(onnx);
                try
                {
                    model.ExportOnnx(onnx);
                    Assert.True(new FileInfo(onnx).Length > 0);
                    exported++;
                }
                catch (DeepSharpException)
                {
                    Assert.False(File.Exists(onnx), "a refused export left a file");
                    throw;
                }
            },
            minRejectedPercent: 20);
        output.WriteLine($"{exported} of {Cases} exported.");
    }
}
