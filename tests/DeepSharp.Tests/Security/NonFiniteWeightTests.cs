using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Security;

/// <summary>
/// A float32 weight of NaN or ±∞ in a model or weights file: such a file loaded and every Predict
/// answered NaN silently; it is refused at load, naming the weight and the index of the bad value, and
/// a model loading weights into itself keeps the ones it had.
/// </summary>
public sealed class NonFiniteWeightTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static Sequential Built()
    {
        RandomGenerator.SetGlobalSeed(3);
        var model = new Sequential([new Dense(4, Activation.Relu, name: "hidden"), new Dense(2, name: "out")]);
        model.Build(new Shape(3));
        return model;
    }

    /// <summary>The saved file of <see cref="Built"/> with element <paramref name="index"/> of "hidden/kernel" set to <paramref name="value"/>, checksum removed.</summary>
    private string Hostile(float value, int index)
    {
        string path = _folder.File("m.safetensors");
        Built().Save(path);
        var file = SafetensorsFile.Load(path);
        file.Metadata.Remove("checksum");
        Assert.True(file.TryGet("hidden/kernel", out var entry));
        var floats = new float[entry.Data.Length / 4];
        Buffer.BlockCopy(entry.Data.ToArray(), 0, floats, 0, entry.Data.Length);
        floats[index] = value;
        var data = new byte[entry.Data.Length];
        Buffer.BlockCopy(floats, 0, data, 0, data.Length);
        file.Add(new SafetensorsEntry(entry.Name, entry.DType, [.. entry.Shape], data));
        string hostile = _folder.File("hostile.safetensors");
        File.WriteAllBytes(hostile, file.ToBytes());
        return hostile;
    }

    [Theory]
    [InlineData(float.NaN, 0, "NaN")]
    [InlineData(float.PositiveInfinity, 5, "Infinity")]
    [InlineData(float.NegativeInfinity, 11, "-Infinity")]
    public void ANonFiniteWeightIsRefusedAtLoad(float value, int index, string shown)
    {
        string path = Hostile(value, index);
        var e = Assert.Throws<DataFormatException>(() => Model.Load(path));
        Assert.Contains("hidden/kernel", e.Message);
        Assert.Contains($"holds {shown} at index {index}", e.Message);
        Assert.Contains("hostile.safetensors", e.Message);

        var model = Built();
        var before = model.Parameters.Select(p => p.Value.ToArray()).ToArray();
        Assert.Throws<DataFormatException>(() => model.LoadWeights(path));
        Assert.Equal(before, model.Parameters.Select(p => p.Value.ToArray()).ToArray());
    }
}
