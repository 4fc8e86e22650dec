using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Quantized model files (hostile2): the int8 Sequential, the functional graph with its int8 Add and
/// Concatenate (run on u8 buffers by the graph runner), and the int8 Conv1D. Each case mutates the
/// file's bytes or header, or sets one weight to an edge value (scales 0, −1, NaN, ∞, 1e−45, 3e38, 1e−12;
/// integer weights to any byte), then loads the model and predicts on ones: it succeeds (with finite
/// outputs when every weight is of ordinary size) or throws a <see cref="DeepSharpException"/> within the fuzz limits.
/// </summary>
public sealed class QuantizedModelFuzzTests(ITestOutputHelper output)
{
    private readonly FuzzHarness _harness = new(output);

    private static readonly float[] s_edges = [0f, -1f, float.NaN, float.PositiveInfinity, 1e-45f, 3e38f, 1e-12f, 1e12f, 0.5f, 255f, 256f, -128f];

    private static (byte[] File, Shape Input) Valid(string name)
    {
        using var folder = new TempFolder();
        var model = ConfigFuzzTests.s_models[name]();
        string path = folder.File("m.safetensors");
        model.Save(path);
        return (FuzzHarness.Unsigned(File.ReadAllBytes(path)), model.LayerGraph?.Inputs[0].Shape ?? model.Layers[0].BuiltInputShape!.Value);
    }

    /// <summary>One weight of the file with one value (or byte) set to an edge.</summary>
    private static byte[] EdgeWeight(Random random, byte[] bytes)
    {
        var file = SafetensorsFile.Parse(bytes, "memory");
        var entries = file.Entries;
        var entry = entries[random.Next(entries.Count)];
        var data = entry.Data.ToArray();
        if (data.Length == 0) return bytes;
        if (entry.DType == SafetensorsDType.F32)
        {
            int at = random.Next(data.Length / 4) * 4;
            BitConverter.TryWriteBytes(data.AsSpan(at, 4), s_edges[random.Next(s_edges.Length)]);
        }
        else data[random.Next(data.Length)] = (byte)random.Next(256);
        file.Add(new SafetensorsEntry(entry.Name, entry.DType, [.. entry.Shape], data));
        return file.ToBytes();
    }

    [Theory(Timeout = 120_000)]
    [InlineData("quantized", 301)]
    [InlineData("quantized-add", 302)]
    [InlineData("quantized1d", 303)]
    public async Task MutatedQuantizedModelsLoadOrAreRefused(string name, int seed) => await Task.Run(() =>
    {
        var (original, input) = Valid(name);
        var x = Tensor.Ones([2, .. input.Dims]);
        using var folder = new TempFolder();
        string path = folder.File("case.safetensors");
        _harness.Run($"quantized model '{name}'", 400, seed,
            random => random.Next(2) == 0 ? EdgeWeight(random, original) : FuzzHarness.MutateSafetensors(random, original),
            bytes =>
            {
                File.WriteAllBytes(path, bytes);
                var model = Model.Load(path);
                var y = model.Predict(x);
                // Weights of ordinary size (scales and float weights within ±1000, as any trained model's) must give finite outputs;
                // a file may set a scale or a float weight to 3e38, and then the outputs overflow as a float model's would.
                if (model.Parameters.All(p => p.Value.ToArray().All(w => MathF.Abs(w) <= 1000f)))
                    Assert.All(y.ToArray(), v => Assert.True(float.IsFinite(v), $"Predict gave {v}"));
            }, minRejectedPercent: 30);
    });
}
