using System.Buffers.Binary;
using System.Numerics;

namespace DeepSharp.Serialization.Events;

/// <summary>
/// TensorFlow's record framing, as in an event file: the data's length (uint64, little-endian), the masked CRC-32C of
/// those 8 bytes, the data, the masked CRC-32C of the data. A reader that meets a record cut short (a crash mid-write)
/// stops there, so the records before it stay readable.
/// </summary>
internal static class TfRecord
{
    /// <summary>Bytes a record adds around its data.</summary>
    public const int Overhead = 8 + 4 + 4;

    /// <summary>The record holding <paramref name="data"/>, framed and checksummed.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> data)
    {
        var record = new byte[data.Length + Overhead];
        BinaryPrimitives.WriteUInt64LittleEndian(record, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(8), MaskedCrc32C(record.AsSpan(0, 8)));
        data.CopyTo(record.AsSpan(12));
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(12 + data.Length), MaskedCrc32C(data));
        return record;
    }

    /// <summary>TensorFlow's masked CRC: the CRC-32C rotated right by 15 bits plus 0xa282ead8 (so that CRCs of CRCs do not look valid).</summary>
    public static uint MaskedCrc32C(ReadOnlySpan<byte> data)
    {
        uint crc = Crc32C(data);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }

    /// <summary>CRC-32C (Castagnoli, reflected, initial and final XOR 0xFFFFFFFF); "123456789" gives 0xE3069283.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        int i = 0;
        for (; i + 8 <= data.Length; i += 8) crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
        for (; i < data.Length; i++) crc = BitOperations.Crc32C(crc, data[i]);
        return ~crc;
    }
}
