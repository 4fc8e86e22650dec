using DeepSharp.Losses;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Tests.Security;

/// <summary>
/// A quantized model's weights as a hostile file sets them (hostile2): grids that each pass the
/// per-weight checks but not together, and checkpoints, whose weights were copied in unchecked.
/// </summary>
public sealed class QuantizedWeightFileTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static byte[] F32(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    /// <summary>The file without its checksum and with tensor <paramref name="name"/> holding <paramref name="data"/> (same dtype and shape).</summary>
    private static byte[] WithTensor(byte[] bytes, string name, byte[] data)
    {
        var file = SafetensorsFile.Parse(bytes, "memory");
        file.Metadata.Remove("checksum");
        Assert.True(file.TryGet(name, out var entry), $"no tensor '{name}'");
        file.Add(new SafetensorsEntry(entry.Name, entry.DType, [.. entry.Shape], data));
        return file.ToBytes();
    }

    private byte[] Saved(Model model)
    {
        string path = _folder.File("saved.safetensors");
        model.Save(path);
        return File.ReadAllBytes(path);
    }

    private DataFormatException LoadFails(byte[] bytes)
    {
        string path = _folder.File("hostile.safetensors");
        File.WriteAllBytes(path, bytes);
        return Assert.Throws<DataFormatException>(() => Model.Load(path));
    }

    /// <summary>
    /// Finding: a QuantizedAdd whose output scale is below 2⁻¹⁹ of its input scales (each scale positive
    /// and finite, so each passed) loaded, and Predict threw InvalidOperationException from the kernel's
    /// constants; it is now refused at load, naming the layer and the scales.
    /// </summary>
    [Fact]
    public void AddGridsThatDoNotAddInFixedPointAreRefusedAtLoad()
    {
        var model = ConfigFuzzTests.s_models["quantized-add"]();
        string add = model.Layers.OfType<QuantizedAdd>().Single().Name;
        var bytes = Saved(model);
        var e = LoadFails(WithTensor(bytes, add + "/output_scale", F32(1e-12f)));
        Assert.Contains(add, e.Message);
        Assert.Contains("1E-12", e.Message);
        Assert.Contains("hostile.safetensors", e.Message);

        // LoadWeights into a working model refuses the same file and leaves every weight as it was.
        var before = model.Parameters.Select(p => p.Value.ToArray()).ToArray();
        string path = _folder.File("hostile.safetensors");
        Assert.Throws<DataFormatException>(() => model.LoadWeights(path));
        Assert.Equal(before, model.Parameters.Select(p => p.Value.ToArray()).ToArray());
        Assert.Equal(model.Predict(Tensor.Ones(2, 4, 4, 2)).Shape, new Shape(2, 2));
    }

    /// <summary>Input scale × kernel scale overflowing float32 (3e38 × 3e38) made the epilogue's multiplier infinite; refused at load.</summary>
    [Fact]
    public void ScaleProductsThatOverflowAreRefusedAtLoad()
    {
        var model = ConfigFuzzTests.s_models["quantized"]();
        var dense = model.Layers.OfType<QuantizedDense>().Single().Name;
        var bytes = WithTensor(Saved(model), dense + "/kernel_scale", F32(1f, 3e38f, 1f));
        Assert.Equal(new Shape(1, 2), LoadAndPredict(bytes)); // 1 × 3e38 is finite
        var e = LoadFails(WithTensor(bytes, dense + "/input_scale", F32(3e38f)));
        Assert.Contains($"layer '{dense}' (QuantizedDense)", e.Message);
        Assert.Contains("channel 1", e.Message);
    }

    private Shape LoadAndPredict(byte[] bytes)
    {
        string path = _folder.File("ok.safetensors");
        File.WriteAllBytes(path, bytes);
        return Model.Load(path).Predict(Tensor.Ones(1, 4, 4, 1)).Shape;
    }

    public static TheoryData<string, float[]> HostileCheckpointWeights() => new()
    {
        { "kernel_scale", [float.NaN, 1f, 1f] },
        { "kernel_scale", [-1f, 1f, 1f] },
        { "input_zero_point", [1e9f] },
        { "input_zero_point", [-1f] },
        { "input_zero_point", [0.5f] },
        { "kernel", [.. Enumerable.Repeat(1000f, 96)] }, // 32 × 3: (sbyte)1000 would have wrapped
        { "kernel", [.. Enumerable.Repeat(-128f, 96)] },
    };

    /// <summary>
    /// Finding: a checkpoint's weights were copied into the model unchecked, so a NaN or negative
    /// quantization scale, a zero point of 10⁹ and kernel values outside int8 resumed silently (a model
    /// file with the same values is refused). A checkpoint is now checked as a model file is: the bad
    /// latest is refused, quarantined, and the run resumes from the previous one.
    /// </summary>
    [Theory]
    [MemberData(nameof(HostileCheckpointWeights))]
    public void CheckpointWeightsAreCheckedAsModelFilesAre(string weight, float[] values)
    {
        var x = Tensor.Ones(8, 4, 4, 1);
        var y = Tensor.Zeros(8, 2);
        string folder = _folder.File("run");
        Model Fresh()
        {
            RandomGenerator.SetGlobalSeed(5);
            var m = ConfigFuzzTests.s_models["quantized"]();
            m.Compile(new Sgd(), new MeanSquaredError());
            return m;
        }
        int steps = 0;
        var crash = new LambdaCallback { BatchBegin = _ => { if (++steps == 4) throw new TimeoutException(); } };
        Assert.Throws<TimeoutException>(() => Fresh().Fit(x, y, 4, epochs: 3, verbose: 0, callbacks: [new BackupAndRestore(folder, saveEveryNSteps: 1), crash]));

        string latest = Path.Combine(folder, BackupAndRestore.LatestFileName);
        var model = Fresh();
        string dense = model.Layers.OfType<QuantizedDense>().Single().Name;
        var file = SafetensorsFile.Parse(File.ReadAllBytes(latest), "memory");
        file.Metadata.Remove("checksum");
        Assert.True(file.TryGet($"model/{dense}/{weight}", out var entry));
        Assert.Equal(values.Length * 4, entry.Data.Length);
        file.Add(new SafetensorsEntry(entry.Name, entry.DType, [.. entry.Shape], F32(values)));
        File.WriteAllBytes(latest, file.ToBytes());

        var backup = new BackupAndRestore(folder, saveEveryNSteps: 100);
        model.Fit(x, y, 4, epochs: 3, verbose: 0, callbacks: [backup]);
        Assert.EndsWith(BackupAndRestore.PreviousFileName, backup.Restored!.Path);
        Assert.Single(Directory.GetFiles(folder, "ckpt-latest.corrupt-*"));
        Assert.All(model.Predict(x).ToArray(), v => Assert.True(float.IsFinite(v)));
    }
}
