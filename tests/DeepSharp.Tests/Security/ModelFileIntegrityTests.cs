using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Model and weights files carry a checksum of everything in them: a flipped byte anywhere is refused,
/// never loaded silently; files without one (other tools) still load; a file of another format says what it is.
/// </summary>
public sealed class ModelFileIntegrityTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static Sequential Model()
    {
        RandomGenerator.SetGlobalSeed(11);
        var model = new Sequential(new Dense(4, Activation.Relu, inputShape: [3]), new Dense(2, Activation.Softmax));
        model.Build(new Shape(3));
        return model;
    }

    private (string Path, byte[] Bytes, int HeaderEnd) Saved(bool weightsOnly = false)
    {
        string path = _folder.File(weightsOnly ? "weights.safetensors" : "model.safetensors");
        if (weightsOnly) Model().SaveWeights(path);
        else Model().Save(path);
        var bytes = File.ReadAllBytes(path);
        return (path, bytes, 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes));
    }

    [Fact]
    public void AFlippedWeightByteIsRefusedByItsChecksum()
    {
        var (path, bytes, headerEnd) = Saved();
        Assert.NotNull(DeepSharp.Training.Model.Load(path));
        foreach (int at in new[] { headerEnd, headerEnd + (bytes.Length - headerEnd) / 2, bytes.Length - 1 })
        {
            var flipped = (byte[])bytes.Clone();
            flipped[at] ^= 0x01;
            File.WriteAllBytes(path, flipped);
            var e = Assert.Throws<DataFormatException>(() => DeepSharp.Training.Model.Load(path));
            Assert.Contains("checksum mismatch", e.Message);
            Assert.Contains(path, e.Message);
        }
    }

    [Fact]
    public void AnEditedConfigThatStillParsesIsRefused()
    {
        var (path, bytes, headerEnd) = Saved();
        string header = Encoding.UTF8.GetString(bytes, 8, headerEnd - 8);
        int at = header.IndexOf("units\\\":4", StringComparison.Ordinal);
        Assert.True(at > 0, header);
        var edited = (byte[])bytes.Clone();
        edited[8 + at + "units\\\":".Length] = (byte)'3'; // Dense(3): a model that builds (within the file's elements), but not the one saved
        File.WriteAllBytes(path, edited);
        Assert.Contains("checksum mismatch", Assert.Throws<DataFormatException>(() => DeepSharp.Training.Model.Load(path)).Message);
    }

    [Fact]
    public void AFlippedByteInAWeightsFileIsRefusedByLoadWeights()
    {
        var (path, bytes, _) = Saved(weightsOnly: true);
        var model = Model();
        model.LoadWeights(path);
        bytes[^2] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        Assert.Contains("checksum mismatch", Assert.Throws<DataFormatException>(() => model.LoadWeights(path)).Message);
    }

    [Fact]
    public void AFileWithoutAChecksumStillLoads()
    {
        // As a file written by another tool (or by DeepSharp before checksums): the same tensors and metadata, no "checksum".
        var (path, _, _) = Saved();
        var file = SafetensorsFile.Load(path);
        Assert.True(file.Metadata.Remove("checksum"));
        file.Save(path);
        var loaded = DeepSharp.Training.Model.Load(path);
        Assert.Equal(Model().Parameters.Select(p => p.Value.ToArray()), loaded.Parameters.Select(p => p.Value.ToArray()));
    }

    [Fact]
    public void FilesOfOtherFormatsSayWhatTheyLookLike()
    {
        string onnx = _folder.File("model.onnx");
        Model().ExportOnnx(onnx);
        Assert.Contains("ONNX model", Assert.Throws<DataFormatException>(() => DeepSharp.Training.Model.Load(onnx)).Message);

        string zip = _folder.File("model.pt");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        using (var writer = new StreamWriter(archive.CreateEntry("archive/data.pkl").Open()))
            writer.Write(new string('x', 100));
        Assert.Contains("zip archive", Assert.Throws<DataFormatException>(() => DeepSharp.Training.Model.Load(zip)).Message);

        string h5 = _folder.File("model.h5");
        File.WriteAllBytes(h5, [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1A, (byte)'\n', .. new byte[200]]);
        Assert.Contains("HDF5", Assert.Throws<DataFormatException>(() => DeepSharp.Training.Model.Load(h5)).Message);

        string pickle = _folder.File("model.pkl");
        File.WriteAllBytes(pickle, [0x80, 0x04, 0x95, .. new byte[100]]);
        Assert.Contains("pickle", Assert.Throws<DataFormatException>(() => DeepSharp.Training.Model.Load(pickle)).Message);
    }
}
