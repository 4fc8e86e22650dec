using System.Buffers.Binary;

namespace DeepSharp.Data.Datasets;

/// <summary>The checked header of an idx file: its dimensions and the number of data bytes they promise.</summary>
internal sealed class IdxHeader
{
    IdxHeader(int[] dims, Int128 dataLength)
    {
        Dims = dims;
        DataLength = dataLength;
    }

    public int[] Dims { get; }

    /// <summary>Product of the dimensions (exact: up to three int32 factors fit in 128 bits).</summary>
    public Int128 DataLength { get; }

    /// <summary>Bytes of header: magic plus one int32 per dimension.</summary>
    public int Length => 4 + 4 * Dims.Length;

    /// <summary>The dimensions and their product, e.g. <c>60000×28×28 = 47040000</c>.</summary>
    public string Describe() => $"{string.Join('×', Dims)} = {DataLength}";

    /// <summary>Reads and checks the magic number and the dimensions (each must be positive).</summary>
    public static IdxHeader Read(Stream stream, string path, int expectedMagic, string kind)
    {
        int rank = expectedMagic & 0xFF;
        int length = 4 + 4 * rank;
        Span<byte> bytes = stackalloc byte[length];
        int read = stream.ReadAtLeast(bytes[..4], 4, throwOnEndOfStream: false);
        if (read < 4)
            throw Bad(path, $"{read} bytes long, too short for the 4-byte magic number of {kind}");

        int magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (magic != expectedMagic)
            throw Bad(path, $"magic number is 0x{magic:X8}, expected 0x{expectedMagic:X8} ({kind})");

        read += stream.ReadAtLeast(bytes[4..], length - 4, throwOnEndOfStream: false);
        if (read < length)
            throw Bad(path, $"truncated inside the header: {read} bytes, expected a {length}-byte header for {rank} dimensions");

        var dims = new int[rank];
        Int128 product = 1;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(bytes[(4 + 4 * i)..]);
            if (dims[i] <= 0) throw Bad(path, $"dimension {i} is {dims[i]}, expected a positive size");
            product *= dims[i];
        }
        return new IdxHeader(dims, product);
    }

    public static DataFormatException Bad(string path, string problem) => new($"idx file '{path}': {problem}.");
}
