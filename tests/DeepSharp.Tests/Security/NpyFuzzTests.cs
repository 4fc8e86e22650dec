using System.Buffers.Binary;
using System.Text;
using DeepSharp.Data;
using DeepSharp.Tests.Data;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Hostile .npy files through <see cref="NpyFile.Load"/>: every case ends in a tensor or a
/// <see cref="DataFormatException"/> naming the file, and allocates at most a small multiple of the file's
/// size (nothing a header promises is allocated before the file is known to hold it). Hand-made headers
/// first (huge and overflowing shapes, truncated and padded data, bad dicts), then seeded mutations.
/// </summary>
public class NpyFuzzTests(ITestOutputHelper output)
{
    private readonly FuzzHarness harness = new(output);

    /// <summary>What one case may allocate: the converted array (int32 from bytes: 4 × the file) and small buffers.</summary>
    private static long Budget(byte[] bytes) => (1 << 20) + 8L * bytes.Length;

    /// <summary>A file of format <paramref name="major"/>.0 whose header is <paramref name="dict"/> (and its length field <paramref name="length"/> when given).</summary>
    private static byte[] File(string dict, byte[] data, int major = 1, long? length = null)
    {
        var header = Encoding.Latin1.GetBytes(dict);
        int field = major == 1 ? 2 : 4;
        var bytes = new byte[8 + field + header.Length + data.Length];
        NpyHeader.Magic.CopyTo(bytes);
        bytes[6] = (byte)major;
        if (major == 1) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)(length ?? header.Length));
        else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)(length ?? header.Length));
        header.CopyTo(bytes, 8 + field);
        data.CopyTo(bytes, 8 + field + header.Length);
        return bytes;
    }

    private static string Dict(string shape, string descr = "<f4", string fortran = "False") =>
        $"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape}, }}\n";

    private static string Load(byte[] bytes)
    {
        using var folder = new TempFolder();
        string path = folder.File("hostile.npy");
        System.IO.File.WriteAllBytes(path, bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => NpyFile.Load(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < Budget(bytes), $"{allocated} bytes allocated to refuse a {bytes.Length}-byte file: {e.Message}");
        Assert.StartsWith($"npy file '{path}': ", e.Message);
        return e.Message;
    }

    public static TheoryData<string, byte[], string> HostileFiles() => new()
    {
        { "empty", [], "0 bytes long, too short for the 10-byte preamble" },
        { "not npy", "PK\x03\x04 zip data"u8.ToArray(), "bytes 0–5 are 504B0304207A, not the magic string 934E554D5059" },
        { "version 4.0", [.. File(Dict("(1,)"), new byte[4])[..6], 4, 0, 0, 0], "format version 4.0 (bytes 6–7)" },
        { "header length past the end", File(Dict("(1,)"), new byte[4], length: 9000), "header length (bytes 8–9) is 9000 bytes, but the file holds only" },
        { "4 GB header (v2)", File(Dict("(1,)"), new byte[4], major: 2, length: uint.MaxValue), "header length (bytes 8–11) is 4294967295 bytes, more than the 10000" },
        { "huge shape", File(Dict("(2147483647, 2147483647, 2147483647)"), new byte[4]), "describes more than 1073741824 data bytes" },
        { "64 axes that overflow any product", File(Dict("(" + string.Concat(Enumerable.Repeat("2147483647, ", 64)) + ")"), new byte[4], major: 2), "describes more than 1073741824 data bytes" },
        { "65 axes", File(Dict("(" + string.Concat(Enumerable.Repeat("1, ", 65)) + ")"), new byte[4], major: 2), "'shape' has more than 64 dimensions" },
        { "axis beyond int", File(Dict("(2147483648,)"), new byte[4]), "dimension 0 of 'shape' is more than 2147483647" },
        { "a 400-digit axis", File(Dict("(" + new string('9', 400) + ",)"), new byte[4]), "dimension 0 of 'shape' is more than 2147483647" },
        { "negative axis", File(Dict("(-1,)"), new byte[4]), "dimension 0 of 'shape' is negative" },
        { "truncated data", File(Dict("(2, 3)"), new byte[20]), "truncated: shape (2, 3) of '<f4' needs 24 data bytes from byte 70, the file holds 20" },
        { "trailing bytes", File(Dict("(2, 3)"), new byte[25]), "1 bytes after the data's end" },
        { "fortran order", File(Dict("(2, 3)", fortran: "True"), new byte[24]), "Fortran (column-major) order" },
        { "object array (a pickle)", File(Dict("(1,)", descr: "|O"), new byte[8]), "dtype '|O' is not one DeepSharp reads" },
        { "structured dtype", File("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }\n", new byte[4]), "'descr' is a list (a structured dtype)" },
        { "missing key", File("{'descr': '<f4', 'shape': (1,), }\n", new byte[4]), "the header dict lacks 'fortran_order'" },
        { "extra key", File("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}\n", new byte[4]), "the key 'x' is not one of" },
        { "duplicate key", File("{'descr': '<f4', 'descr': '<i4', 'fortran_order': False, 'shape': (1,)}\n", new byte[4]), "the key 'descr' appears twice" },
        { "a number, not a tuple", File(Dict("(3)"), new byte[12]), "'shape' is (n), a number, not the tuple (n,)" },
        { "unclosed string", File("{'descr': '<f4", []), "a string is not closed" },
        { "unclosed dict", File("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), ", new byte[4]), "expected a key in quotes (header byte" },
        { "code, not a literal", File("__import__('os').system('id')\n", []), "expected the header dict to start with '{'" },
        { "not ASCII", File("{'descr': '<f4\u00e9', 'fortran_order': False, 'shape': (1,), }\n", new byte[4]), "byte 24 (in the header) is 0xE9, not printable ASCII" },
        { "text after the dict", File(Dict("(1,)") + "{}", new byte[4]), "expected only spaces after the header dict" },
        { "fortran_order not a bool", File(Dict("(1,)", fortran: "1"), new byte[4]), "expected True or False for 'fortran_order'" },
    };

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public void HostileFileIsRefusedNamingTheFileAndTheBytes(string what, byte[] bytes, string message)
    {
        string error = Load(bytes);
        Assert.True(error.Contains(message, StringComparison.Ordinal), $"{what}: {error}");
    }

    /// <summary>A valid file of each dtype NpyFile reads, of small random shapes (rank 0–3), to mutate.</summary>
    private static byte[] Valid(Random random)
    {
        string[] descrs = ["<f4", "<f8", "<i4", "<i8", "|u1", "|i1"];
        string descr = descrs[random.Next(descrs.Length)];
        int size = descr[^1] - '0';
        var dims = Enumerable.Range(0, random.Next(4)).Select(_ => random.Next(0, 5)).ToArray();
        long count = dims.Aggregate(1L, (a, d) => a * d);
        var data = new byte[count * size];
        random.NextBytes(data);
        if (descr == "<i8") for (int i = 0; i < count; i++) data[i * 8 + 4] = data[i * 8 + 5] = data[i * 8 + 6] = data[i * 8 + 7] = 0; // most in int32's range
        return [.. NpyFile.Header(descr, dims), .. data];
    }

    /// <summary>Edits of the header text: numbers made huge or negative, keys and punctuation removed or repeated, other dtypes.</summary>
    private static byte[] MutateHeader(Random random, byte[] original)
    {
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(original.AsSpan(8));
        string header = Encoding.Latin1.GetString(original, 10, headerLength);
        var data = original[(10 + headerLength)..];
        string[] replacements = ["2147483647", "2147483648", "-1", "0", "99999999999999999999", "1L", "(", ")", ",", "'", "\"", "{", "}", "True", "[", "\\", "\u00ff", "'shape': (1,), "];
        for (int k = 1 + random.Next(3); k > 0; k--)
        {
            int at = random.Next(header.Length);
            int cut = random.Next(4);
            header = header[..at] + replacements[random.Next(replacements.Length)] + header[Math.Min(header.Length, at + cut)..];
        }
        if (random.Next(4) == 0) header = header.Replace("'<f4'", "'<f2'").Replace("'|u1'", "'>i4'").Replace("'<i8'", "'|b1'");
        var bytes = File(header, data, major: random.Next(3) == 0 ? 2 : 1);
        if (random.Next(5) == 0) bytes = bytes[..random.Next(bytes.Length)]; // and truncated
        return bytes;
    }

    [Fact(Timeout = 120_000)]
    public async Task MutatedFiles() => await Task.Run(() =>
    {
        using var folder = new TempFolder();
        string path = folder.File("case.npy");
        harness.Run("npy bytes", 1200, seed: 1301, random => FuzzHarness.MutateBytes(random, Valid(random)), bytes =>
        {
            System.IO.File.WriteAllBytes(path, bytes);
            NpyFile.Load(path);
        }, memoryBudget: Budget);
        harness.Run("npy headers", 1200, seed: 1302, random => MutateHeader(random, Valid(random)), bytes =>
        {
            System.IO.File.WriteAllBytes(path, bytes);
            NpyFile.Load(path);
        }, memoryBudget: Budget);
    });
}
