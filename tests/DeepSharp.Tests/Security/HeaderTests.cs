using System.Text;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using DeepSharp.Training.Callbacks;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Issue 11, findings 2 and 9: a lone UTF-16 surrogate anywhere in a header, a model config or a
/// checkpoint's metadata is a <see cref="DataFormatException"/>; a header of up to the 100 MB limit
/// costs a small multiple of its size, whatever it holds.
/// </summary>
public class HeaderTests(ITestOutputHelper output)
{
    private const string Tensor = "{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}";

    public static TheoryData<string, string> SurrogateHeaders => new()
    {
        { "tensor name", "{\"w\\ud800\":" + Tensor + "}" },
        { "tensor name, lone low half", "{\"\\udfff\":" + Tensor + "}" },
        { "tensor name, high half at the end", "{\"w\\ud83d\":" + Tensor + "}" },
        { "tensor name, two high halves", "{\"\\ud83d\\ud83d\":" + Tensor + "}" },
        { "dtype", "{\"w\":{\"dtype\":\"F3\\ud8002\",\"shape\":[0],\"data_offsets\":[0,0]}}" },
        { "key of a tensor entry", "{\"w\":{\"dtype\":\"F32\",\"\\ud800\":1,\"shape\":[0],\"data_offsets\":[0,0]}}" },
        { "metadata key", "{\"__metadata__\":{\"\\ud800\":\"x\"}}" },
        { "metadata value", "{\"__metadata__\":{\"format\":\"deepsharp.\\ud800model\"}}" },
        { "the metadata key itself", "{\"__metadata__\\ud800\":{\"format\":\"x\"}}" },
        { "a string in a shape", "{\"w\":{\"dtype\":\"F32\",\"shape\":[\"\\ud800\"],\"data_offsets\":[0,0]}}" },
    };

    [Theory]
    [MemberData(nameof(SurrogateHeaders))]
    public void LoneSurrogatesInTheHeaderAreFormatErrors(string where, string header)
    {
        var bytes = HostileFiles.Safetensors(header);
        var e = Assert.Throws<DataFormatException>(() => SafetensorsFile.Parse(bytes, "memory"));
        Assert.Contains("lone surrogate", e.Message);
        using var folder = new TempFolder();
        string path = folder.File("surrogate.safetensors");
        File.WriteAllBytes(path, bytes);
        Assert.Throws<DataFormatException>(() => SafetensorsFile.Load(path));
        Assert.Throws<DataFormatException>(() => Model.Load(path));
        Assert.Throws<DataFormatException>(() => Checkpoint.Load(path));
        output.WriteLine($"{where}: {e.Message}");
    }

    [Fact]
    public void SurrogatePairsAndOtherEscapesAreRead()
    {
        var bytes = HostileFiles.Safetensors("{\"__metadata__\":{\"\\ud83d\\ude00\":\"\\u00e9\\n\\\"\"},\"w\\ud83d\\ude00\\u001b\":" + Tensor + "}");
        var file = SafetensorsFile.Parse(bytes, "memory");
        Assert.Equal("é\n\"", file.Metadata["😀"]);
        Assert.True(file.Contains("w😀\u001b"));
    }

    [Theory]
    [InlineData("layer name", "{\"class_name\":\"Sequential\",\"config\":{\"name\":\"s\",\"layers\":[{\"class_name\":\"Dense\",\"config\":{\"name\":\"d\\ud800\",\"units\":2}}],\"build_input_shape\":[null,3]}}")]
    [InlineData("class name", "{\"class_name\":\"Sequential\",\"config\":{\"name\":\"s\",\"layers\":[{\"class_name\":\"Dense\\udc00\",\"config\":{\"units\":2}}],\"build_input_shape\":[null,3]}}")]
    [InlineData("model name", "{\"class_name\":\"Sequential\",\"config\":{\"name\":\"\\ud800\",\"layers\":[],\"build_input_shape\":[null,3]}}")]
    [InlineData("an unused key", "{\"class_name\":\"Sequential\",\"config\":{\"\\ud800\":0,\"name\":\"s\",\"layers\":[{\"class_name\":\"Dense\",\"config\":{\"units\":2}}],\"build_input_shape\":[null,3]}}")]
    public void LoneSurrogatesInTheModelConfigAreFormatErrors(string where, string config)
    {
        using var folder = new TempFolder();
        string path = folder.File("config.safetensors");
        File.WriteAllBytes(path, HostileFiles.ModelFile(config));
        var e = Assert.Throws<DataFormatException>(() => Model.Load(path));
        Assert.Contains("lone surrogate", e.Message);
        Assert.Throws<DataFormatException>(() => ModelConfig.Parse(config, "config"));
        output.WriteLine($"{where}: {e.Message}");
    }

    /// <summary>
    /// A latest checkpoint whose header holds a lone surrogate (in a tensor name, or in the history's
    /// JSON behind a valid checksum) is unusable: BackupAndRestore resumes from the previous one.
    /// </summary>
    [Theory]
    [InlineData("tensor name")]
    [InlineData("history metadata")]
    public void ACheckpointWithALoneSurrogateFallsBackToThePreviousOne(string where)
    {
        using var folder = new TempFolder();
        var (model, x, y) = CheckpointSetup();
        model.Fit(x, y, batchSize: 4, epochs: 1, verbose: 0, callbacks: [new BackupAndRestore(folder.Path, 3, deleteCheckpoint: false)]);
        string latest = Path.Combine(folder.Path, BackupAndRestore.LatestFileName);
        var file = SafetensorsFile.Load(latest);
        byte[] hostile;
        if (where == "tensor name")
        {
            var bytes = file.ToBytes();
            int headerLength = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            string header = Encoding.UTF8.GetString(bytes, 8, headerLength).TrimEnd().Replace("\"model/", "\"\\ud800model/");
            hostile = HostileFiles.Safetensors(header, bytes[(8 + headerLength)..]);
        }
        else
        {
            // The history's JSON holds "\ud800" as six characters (valid metadata); re-signed, so only the JSON check can refuse it.
            file.Metadata["history"] = file.Metadata["history"].Replace("\"loss\"", "\"lo\\ud800ss\"");
            FileChecksum.Sign(file);
            hostile = file.ToBytes();
        }
        File.WriteAllBytes(latest, hostile);
        var error = Assert.Throws<DataFormatException>(() => Checkpoint.Load(latest));
        Assert.Contains("lone surrogate", error.Message);

        var (fresh, fx, fy) = CheckpointSetup();
        var backup = new BackupAndRestore(folder.Path, deleteCheckpoint: false);
        RestoredCheckpoint? restored = null;
        backup.Resumed += r => restored = r;
        fresh.Fit(fx, fy, batchSize: 4, epochs: 1, verbose: 0, callbacks: [backup, new LambdaCallback { TrainBegin = () => fresh.StopTraining = true }]);
        Assert.NotNull(restored);
        Assert.Equal(Path.Combine(folder.Path, BackupAndRestore.PreviousFileName), restored.Path);
        Assert.Contains("lone surrogate", restored.FallbackReason);
        Assert.Equal(3, restored.Step);
    }

    private static (Sequential Model, DeepSharp.Tensors.Tensor X, DeepSharp.Tensors.Tensor Y) CheckpointSetup()
    {
        RandomGenerator.SetGlobalSeed(5);
        var model = new Sequential(new Dense(3, Activation.Relu, inputShape: [4]), new Dense(2, Activation.Softmax));
        model.Compile(new Adam(), new CategoricalCrossentropy(), [new Accuracy()]);
        var x = DeepSharp.Tensors.Tensor.RandomUniform(new Shape(20, 4), 0f, 1f, new RandomGenerator(1));
        var labels = new int[20];
        for (int i = 0; i < labels.Length; i++) labels[i] = i % 2;
        return (model, x, DeepSharp.Data.DataUtils.ToCategorical(DeepSharp.Tensors.Tensor.FromArray(labels, 20), 2));
    }

    /// <summary>Managed bytes allocated by <paramref name="action"/> and the CPU time it took (process-wide; tests run one at a time), and whether it threw a DeepSharpException.</summary>
    internal static (long Bytes, TimeSpan Time, string Outcome) Measure(Action action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        double cpu = ThreadCpuTime.ProcessNow(); // CPU time: a loaded machine stretched a 95 MB header's wall time past 50 s
        string outcome = "read";
        try
        {
            action();
        }
        catch (DeepSharpException e)
        {
            outcome = $"{e.GetType().Name}: {e.Message[..Math.Min(e.Message.Length, 160)]}";
        }
        var time = TimeSpan.FromSeconds(ThreadCpuTime.ProcessNow() - cpu);
        return (GC.GetTotalAllocatedBytes(precise: true) - before, time, outcome);
    }

    /// <summary>The most a header may cost: 6 bytes of managed memory per header byte (measured: 2 to 5), plus 16 MB.</summary>
    private static long Budget(long headerBytes) => 6 * headerBytes + (16 << 20);

    public static TheoryData<string, int> BigHeaders => new()
    {
        { "many tensors", 95_000_000 },
        { "many metadata keys", 24_000_000 },
        { "one long metadata value", 95_000_000 },
        { "model file of many tensors", 95_000_000 },
        { "model config of 40M JSON values", 80_000_000 },
        { "model config of many layers", 24_000_000 },
        { "checkpoint history of 20M values", 20_000_000 },
    };

    /// <summary>
    /// Finding 9: a header near the 100 MB limit cost 2.4 GB (a JsonDocument, strings, every tensor
    /// sorted with two UTF-8 arrays per comparison, a deep copy of each layer's config, the config parsed
    /// three times). Now each costs at most <see cref="Budget"/> and is read or refused within seconds.
    /// </summary>
    [Theory]
    [MemberData(nameof(BigHeaders))]
    public void BigHeadersCostASmallMultipleOfTheirSize(string what, int size)
    {
        using var folder = new TempFolder();
        string path = folder.File("big.safetensors");
        var bytes = what switch
        {
            "many tensors" => HostileFiles.Safetensors(HostileFiles.ManyTensorsHeader(size)),
            "many metadata keys" => HostileFiles.Safetensors(HostileFiles.ManyMetadataHeader(size)),
            "one long metadata value" => HostileFiles.Safetensors(HostileFiles.LongMetadataHeader(size)),
            "model file of many tensors" => HostileFiles.Safetensors(HostileFiles.ManyTensorsHeader(size,
                "{\"format\":\"deepsharp.model\",\"format_version\":\"1\",\"model_config\":" + System.Text.Json.JsonSerializer.Serialize(SmallConfig) + "}")),
            "model config of 40M JSON values" => HostileFiles.ModelFile(SmallConfig.Replace("\"units\":2", "\"units\":2,\"junk\":[" + string.Concat(Enumerable.Repeat("0,", size / 2 - 64)) + "0]")),
            "model config of many layers" => HostileFiles.ModelFile(ManyLayers(size)),
            _ => HistoryCheckpoint(size),
        };
        File.WriteAllBytes(path, bytes);
        long header = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        bytes = null;
        var (allocated, time, outcome) = Measure(() =>
        {
            if (what.StartsWith("checkpoint", StringComparison.Ordinal)) Checkpoint.Load(path);
            else if (what.StartsWith("model", StringComparison.Ordinal)) Model.Load(path);
            else SafetensorsFile.Load(path);
        });
        output.WriteLine($"{what}: header {header / 1e6:F1} MB, {allocated / 1e6:F0} MB allocated ({(double)allocated / header:F1}x), {time.TotalSeconds:F2}s; {outcome}");
        Assert.True(allocated <= Budget(header), $"{what}: {allocated / 1e6:F0} MB allocated for a {header / 1e6:F0} MB header (budget {Budget(header) / 1e6:F0} MB).");
        Assert.True(time < TimeSpan.FromSeconds(30), $"{what}: {time.TotalSeconds:F1}s of CPU");
    }

    private const string SmallConfig = "{\"class_name\":\"Sequential\",\"config\":{\"name\":\"s\",\"layers\":[{\"class_name\":\"Dense\",\"config\":{\"units\":2}}],\"build_input_shape\":[null,3]}}";

    /// <summary>A Sequential config of Dropout layers filling about <paramref name="size"/> bytes (far more than <see cref="ModelConfig.MaxLayers"/>).</summary>
    private static string ManyLayers(int size)
    {
        var sb = new StringBuilder(size + 256);
        sb.Append("{\"class_name\":\"Sequential\",\"config\":{\"name\":\"s\",\"layers\":[");
        for (int i = 0; sb.Length < size; i++) sb.Append("{\"class_name\":\"Dropout\",\"config\":{\"name\":\"d").Append(i).Append("\",\"rate\":0.5}},");
        sb[^1] = ']';
        return sb.Append(",\"build_input_shape\":[null,3]}}").ToString();
    }

    /// <summary>A signed checkpoint whose history lists about <paramref name="size"/> / 2 epochs.</summary>
    private static byte[] HistoryCheckpoint(int size)
    {
        var (model, x, y) = CheckpointSetup();
        using var folder = new TempFolder();
        model.Fit(x, y, batchSize: 4, epochs: 1, verbose: 0, callbacks: [new BackupAndRestore(folder.Path, 3, deleteCheckpoint: false)]);
        var file = SafetensorsFile.Load(Path.Combine(folder.Path, BackupAndRestore.PreviousFileName));
        string zeros = string.Concat(Enumerable.Repeat("0,", size / 2)) + "0";
        file.Metadata["history"] = "{\"epoch\":[" + zeros + "],\"history\":{\"loss\":[" + zeros + "]}}";
        FileChecksum.Sign(file);
        return file.ToBytes();
    }
}
