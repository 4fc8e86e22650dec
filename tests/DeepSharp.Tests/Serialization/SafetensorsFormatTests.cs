using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;

namespace DeepSharp.Tests.Serialization;

/// <summary>The safetensors format itself: golden bytes, an independent reading, and every reader rule.</summary>
public class SafetensorsFormatTests
{
    /// <summary>8-byte little-endian length, the header text, then the data.</summary>
    internal static byte[] Assemble(string header, byte[] data, ulong? claimedLength = null)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, claimedLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }

    private static byte[] FloatBytes(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }

    // Golden files: the expected bytes of the reference implementation's own serialization tests
    // (huggingface/safetensors, safetensors/src/tensor.rs: test_serialization, test_empty,
    // test_serialization_forced_alignement), written out here as header text + data. Header
    // lengths 64, 8, 40 and 72 are the reference's figures.
    public static TheoryData<string, string, ulong, byte[]> Golden => new()
    {
        { "attn.0", "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}", 64, FloatBytes(0, 1, 2, 3, 4, 5) },
        { "attn0", "{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       ", 72, FloatBytes(0, 1, 2, 3, 4, 5) },
        { "", "{}      ", 8, [] },
        { "framework=pt", "{\"__metadata__\":{\"framework\":\"pt\"}}     ", 40, [] },
    };

    [Theory]
    [MemberData(nameof(Golden))]
    public void WritesTheReferenceBytes(string what, string header, ulong length, byte[] data)
    {
        var file = new SafetensorsFile();
        if (what == "attn.0") file.Add("attn.0", Tensor.FromArray([0f, 1, 2, 3, 4, 5], 1, 2, 3));
        if (what == "attn0") file.Add("attn0", Tensor.FromArray([0f, 1, 2, 3, 4, 5], 1, 1, 2, 3));
        if (what == "framework=pt") file.Metadata["framework"] = "pt";
        var expected = Assemble(header, data);
        Assert.Equal(length, BinaryPrimitives.ReadUInt64LittleEndian(expected));
        Assert.Equal(expected, file.ToBytes());

        var read = SafetensorsFile.Parse(expected, "golden");
        Assert.Equal(file.Count, read.Count);
        if (read.Count == 1) Assert.Equal([0f, 1, 2, 3, 4, 5], read.Entries[0].ToTensor("golden").ToArray());
    }

    [Fact]
    public void OrderIsDecreasingAlignmentThenName()
    {
        var file = new SafetensorsFile();
        file.Add("b", Tensor.FromArray([1f], 1));
        file.Add("a", Tensor.FromArray([1], 1));
        file.Add("c", Tensor.FromArray([1f], 1));
        file.Add(new SafetensorsEntry("z", SafetensorsDType.F64, [1], new byte[8]));
        Assert.Equal(["z", "b", "c", "a"], file.Entries.Select(e => e.Name)); // F64 > F32 > I32, then by name
    }

    /// <summary>Reads a written model file with nothing but System.Text.Json and the spec.</summary>
    [Fact]
    public void IndependentReadingOfAModelFile()
    {
        RandomGenerator.SetGlobalSeed(5);
        var model = DeepSharp.Tests.Training.SeedModel.Create();
        using var folder = new TempFolder();
        string path = folder.File("model.safetensors");
        model.Save(path);

        var bytes = File.ReadAllBytes(path);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, n % 8);
        int dataStart = 8 + (int)n;
        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)n));
        var metadata = header.RootElement.GetProperty("__metadata__");
        Assert.Equal("deepsharp.model", metadata.GetProperty("format").GetString());
        Assert.Equal("1", metadata.GetProperty("format_version").GetString());
        using var config = JsonDocument.Parse(metadata.GetProperty("model_config").GetString()!);
        Assert.Equal("Sequential", config.RootElement.GetProperty("class_name").GetString());

        var parameters = model.Parameters.ToDictionary(p => p.Path);
        var spans = new List<(long Begin, long End)>();
        int tensors = 0;
        foreach (var entry in header.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__") continue;
            tensors++;
            Assert.Equal("F32", entry.Value.GetProperty("dtype").GetString());
            var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
            var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var p = parameters[entry.Name];
            Assert.Equal(p.Shape.ToArray(), shape);
            Assert.Equal(p.Shape.Size * 4L, offsets[1] - offsets[0]);
            var raw = bytes.AsSpan(dataStart + (int)offsets[0], (int)(offsets[1] - offsets[0]));
            var expected = p.Value.ToArray();
            for (int i = 0; i < expected.Length; i++)
                Assert.Equal(BitConverter.SingleToInt32Bits(expected[i]), BinaryPrimitives.ReadInt32LittleEndian(raw[(4 * i)..]));
            spans.Add((offsets[0], offsets[1]));
        }
        Assert.Equal(parameters.Count, tensors);
        spans.Sort();
        long position = 0;
        foreach (var (begin, end) in spans) { Assert.Equal(position, begin); position = end; }
        Assert.Equal(bytes.Length - dataStart, position); // the tensors tile the data section: no gap, no trailing byte
    }

    private const string T = "{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    public static TheoryData<string, byte[], string> BadFiles => new()
    {
        { "too short", new byte[5], "too short" },
        { "header too large", Assemble("{}", [], 100_000_001), "exceeds the limit of 100000000" },
        { "header beyond file", Assemble("{}", [], 50), "header length 50 exceeds" },
        { "huge header length", Assemble("{}", [], ulong.MaxValue), "exceeds the limit" },
        { "not JSON", Assemble("{\"t\":", []), "not valid JSON" },
        { "not an object", Assemble("[1,2]   ", []), "expected an object" },
        { "bad UTF-8", [.. Assemble("{}", []).Take(8), 0x7B, 0xFF], "UTF-8" },
        { "unknown dtype", Assemble(T.Replace("F32", "F33"), new byte[8]), "dtype \"F33\"" },
        { "negative dim", Assemble(T.Replace("[2]", "[-2]"), new byte[8]), "shape[0] = -2" },
        { "fractional dim", Assemble(T.Replace("[2]", "[2.5]"), new byte[8]), "shape[0] = 2.5" },
        { "size mismatch", Assemble(T.Replace("[2]", "[3]"), new byte[8]), "= 12 bytes, but its data_offsets [0, 8] span 8" },
        { "overflowing shape", Assemble(T.Replace("[2]", "[4294967296,4294967296,2]"), new byte[8]), "overflows 64 bits" },
        { "overflowing bytes", Assemble(T.Replace("[2]", "[4611686018427387904]"), new byte[8]), "overflows 64 bits" },
        { "end before begin", Assemble(T.Replace("[0,8]", "[8,0]"), new byte[8]), "the end is before the begin" },
        { "gap", Assemble(T.Replace("[0,8]", "[4,12]"), new byte[12]), "a gap" },
        { "out of range", Assemble(T.Replace("[0,8]", "[0,9223372036854775807]"), new byte[8]), "ends at byte 9223372036854775807" },
        { "trailing bytes", Assemble(T, new byte[9]), "1 trailing bytes" },
        { "truncated data", Assemble(T, new byte[7]), "data section holds 7 bytes" },
        { "overlap", Assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]), "an overlap" },
        { "duplicate name", Assemble("{\"t\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},\"t\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}", []), "twice" },
        { "extra key", Assemble(T.Replace("\"shape\"", "\"x\":1,\"shape\""), new byte[8]), "unexpected or repeated key 'x'" },
        { "missing offsets", Assemble("{\"t\":{\"dtype\":\"F32\",\"shape\":[2]}}", new byte[8]), "lacks data_offsets" },
        { "three offsets", Assemble(T.Replace("[0,8]", "[0,8,8]"), new byte[8]), "3 data_offsets" },
        { "metadata not strings", Assemble("{\"__metadata__\":{\"a\":1}}", []), "must be strings" },
        { "metadata not an object", Assemble("{\"__metadata__\":\"x\"}", []), "expected an object of strings" },
        { "deep JSON", Assemble(new string('[', 5000) + new string(']', 5000), []), "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void ReaderRejectsWithTheNumbers(string what, byte[] bytes, string expected)
    {
        using var folder = new TempFolder();
        string path = folder.File(what.Replace(' ', '_') + ".safetensors");
        File.WriteAllBytes(path, bytes);
        var fromFile = Assert.Throws<DataFormatException>(() => SafetensorsFile.Load(path));
        Assert.Contains(path, fromFile.Message);
        Assert.Contains(expected, fromFile.Message);
        var fromMemory = Assert.Throws<DataFormatException>(() => SafetensorsFile.Parse(bytes, "memory"));
        Assert.Contains(expected, fromMemory.Message);
    }

    [Fact]
    public void ZeroSizedTensorsAndOtherDTypesAreRead()
    {
        var bytes = Assemble("{\"e\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[0,0]},\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", new byte[4]);
        var file = SafetensorsFile.Parse(bytes, "mixed");
        Assert.True(file.TryGet("e", out var empty));
        Assert.Equal(new Shape(0, 3), empty.ToTensor("mixed").Shape);
        Assert.True(file.TryGet("h", out var half));
        Assert.Equal(SafetensorsDType.F16, half.DType);
        Assert.Contains("F16", Assert.Throws<DataFormatException>(() => half.ToTensor("mixed")).Message);
    }

    [Fact]
    public void AtomicWriteLeavesTheOldFileWhenWritingFails()
    {
        using var folder = new TempFolder();
        string path = folder.File("model.safetensors");
        File.WriteAllText(path, "old contents");
        Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[1000]);
            throw new IOException("disk full (simulated)");
        }));
        Assert.Equal("old contents", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(folder.Path)); // the temporary file is gone

        var file = new SafetensorsFile();
        file.Add("w", Tensor.FromArray([1f, 2f], 2));
        file.Save(path);
        Assert.Equal(file.ToBytes(), File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(folder.Path));
    }
}
