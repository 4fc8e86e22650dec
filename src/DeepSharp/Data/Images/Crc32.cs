namespace DeepSharp.Data.Images;

/// <summary>CRC-32 (ISO-HDLC, polynomial 0xEDB88320 reflected), as PNG chunks and zip use it.</summary>
internal static class Crc32
{
    private static readonly uint[] s_table = CreateTable();

    /// <summary>The running value before any byte.</summary>
    public const uint Start = 0xFFFFFFFFu;

    public static uint Compute(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second = default) => Finish(Update(Update(Start, first), second));

    /// <summary>Feeds <paramref name="bytes"/> into a running value (begin with <see cref="Start"/>, end with <see cref="Finish"/>).</summary>
    public static uint Update(uint crc, ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes) crc = s_table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    public static uint Finish(uint crc) => crc ^ 0xFFFFFFFFu;

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
