using System.Buffers.Binary;
using System.Text;

namespace DeepSharp.Serialization.Events;

/// <summary>
/// The few protobuf messages of a TensorBoard event file, encoded by hand (tensorflow/core/util/event.proto and
/// framework/summary.proto): Event { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5 },
/// Summary { repeated Value value = 1 }, Value { string tag = 1; float simple_value = 2 }. TensorBoard reads a
/// simple_value as a point of its scalars dashboard.
/// </summary>
internal static class EventProto
{
    private const int Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5, Varint = 0;

    /// <summary>The first event of every file: its format version ("brain.Event:2").</summary>
    public static byte[] FileVersion(double wallTime)
    {
        var e = new List<byte>();
        Double(e, 1, wallTime);
        Bytes(e, 3, Encoding.UTF8.GetBytes("brain.Event:2"));
        return [.. e];
    }

    /// <summary>An event holding one scalar summary per (tag, value) at <paramref name="step"/>.</summary>
    public static byte[] Scalars(double wallTime, long step, IEnumerable<(string Tag, float Value)> scalars)
    {
        var summary = new List<byte>();
        Span<byte> f = stackalloc byte[4];
        foreach (var (tag, value) in scalars)
        {
            var v = new List<byte>();
            Bytes(v, 1, Encoding.UTF8.GetBytes(tag));
            Key(v, 2, Fixed32);
            BinaryPrimitives.WriteSingleLittleEndian(f, value);
            v.AddRange(f);
            Bytes(summary, 1, [.. v]);
        }
        var e = new List<byte>();
        Double(e, 1, wallTime);
        Key(e, 2, Varint);
        VarintValue(e, (ulong)step);
        Bytes(e, 5, [.. summary]);
        return [.. e];
    }

    private static void Double(List<byte> b, int field, double value)
    {
        Key(b, field, Fixed64);
        Span<byte> d = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(d, value);
        b.AddRange(d);
    }

    private static void Bytes(List<byte> b, int field, byte[] value)
    {
        Key(b, field, LengthDelimited);
        VarintValue(b, (ulong)value.Length);
        b.AddRange(value);
    }

    private static void Key(List<byte> b, int field, int wireType) => VarintValue(b, (ulong)((field << 3) | wireType));

    private static void VarintValue(List<byte> b, ulong value)
    {
        for (; value >= 0x80; value >>= 7) b.Add((byte)(value | 0x80));
        b.Add((byte)value);
    }
}
