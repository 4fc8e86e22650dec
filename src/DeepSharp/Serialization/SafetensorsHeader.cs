using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace DeepSharp.Serialization;

/// <summary>
/// The JSON header of a safetensors file: parsed and checked against the format's rules
/// (<see cref="Parse"/>), or written the way the reference implementation writes it
/// (<see cref="Format"/>).
/// </summary>
internal static class SafetensorsHeader
{
    public const string MetadataKey = "__metadata__";

    /// <summary>A tensor's header entry: where its bytes lie in the data section.</summary>
    public readonly record struct Slot(string Name, SafetensorsDType DType, long[] Shape, long Begin, long End);

    /// <summary>
    /// Parses the header and checks it against a data section of <paramref name="dataLength"/> bytes:
    /// a JSON object; metadata maps strings to strings; every tensor has a known dtype, a shape of
    /// non-negative integers and two offsets; sorted by offset the tensors tile the data section
    /// exactly (no gap, overlap or trailing byte); shape × dtype size equals each byte length, with
    /// every product checked for overflow. Returns the slots in data order.
    /// </summary>
    public static (Dictionary<string, string> Metadata, List<Slot> Slots) Parse(ReadOnlySpan<byte> json, long dataLength, string source)
    {
        if (!System.Text.Unicode.Utf8.IsValid(json)) throw Bad(source, "the header is not valid UTF-8");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"Safetensors file '{source}': the header is not valid JSON ({e.Message}).", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Bad(source, $"the header is a JSON {root.ValueKind}, expected an object");
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var slots = new List<Slot>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!names.Add(property.Name)) throw Bad(source, $"the header names '{property.Name}' twice");
                if (property.Name == MetadataKey) ReadMetadata(property.Value, metadata, source);
                else slots.Add(ReadSlot(property.Name, property.Value, source));
            }
            CheckLayout(slots, dataLength, source);
            return (metadata, slots);
        }
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string source)
    {
        if (value.ValueKind != JsonValueKind.Object) throw Bad(source, $"'{MetadataKey}' is a JSON {value.ValueKind}, expected an object of strings");
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw Bad(source, $"metadata '{entry.Name}' is a JSON {entry.Value.ValueKind}; metadata values must be strings");
            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!)) throw Bad(source, $"metadata names '{entry.Name}' twice");
        }
    }

    private static Slot ReadSlot(string name, JsonElement value, string source)
    {
        if (value.ValueKind != JsonValueKind.Object) throw Bad(source, $"tensor '{name}' is a JSON {value.ValueKind}, expected an object");
        SafetensorsDType? dtype = null;
        long[]? shape = null;
        long[]? offsets = null;
        foreach (var field in value.EnumerateObject())
        {
            switch (field.Name)
            {
                case "dtype" when dtype is null:
                    if (field.Value.ValueKind != JsonValueKind.String || !SafetensorsDTypes.TryParse(field.Value.GetString(), out var parsed))
                        throw Bad(source, $"tensor '{name}' has dtype {field.Value.GetRawText()}; known: {string.Join(", ", Enum.GetNames<SafetensorsDType>())}");
                    dtype = parsed;
                    break;
                case "shape" when shape is null:
                    shape = ReadIntegers(field.Value, name, "shape", source);
                    break;
                case "data_offsets" when offsets is null:
                    offsets = ReadIntegers(field.Value, name, "data_offsets", source);
                    if (offsets.Length != 2) throw Bad(source, $"tensor '{name}' has {offsets.Length} data_offsets, expected two (begin, end)");
                    break;
                default:
                    throw Bad(source, $"tensor '{name}' has an unexpected or repeated key '{field.Name}' (expected dtype, shape, data_offsets)");
            }
        }
        if (dtype is null || shape is null || offsets is null)
            throw Bad(source, $"tensor '{name}' lacks {(dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets")}");
        return new Slot(name, dtype.Value, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadIntegers(JsonElement value, string name, string key, string source)
    {
        if (value.ValueKind != JsonValueKind.Array) throw Bad(source, $"tensor '{name}' has {key} {Clip(value.GetRawText())}, expected an array of integers");
        var result = new long[value.GetArrayLength()];
        int i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long n) || n < 0)
                throw Bad(source, $"tensor '{name}' has {key}[{i}] = {Clip(item.GetRawText())}, expected an integer from 0 to {long.MaxValue}");
            result[i++] = n;
        }
        return result;
    }

    private static void CheckLayout(List<Slot> slots, long dataLength, string source)
    {
        slots.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long position = 0;
        foreach (var slot in slots)
        {
            if (slot.End < slot.Begin)
                throw Bad(source, $"tensor '{slot.Name}' has data_offsets [{slot.Begin}, {slot.End}]: the end is before the begin");
            if (slot.Begin != position)
                throw Bad(source, slot.Begin > position
                    ? $"tensor '{slot.Name}' begins at byte {slot.Begin} of the data but the previous tensor ends at {position} (a gap)"
                    : $"tensor '{slot.Name}' begins at byte {slot.Begin} of the data, inside the previous tensor that ends at {position} (an overlap)");
            if (slot.End > dataLength)
                throw Bad(source, $"tensor '{slot.Name}' ends at byte {slot.End} but the data section holds {dataLength} bytes (truncated file?)");
            long bytes = ByteLength(slot, source);
            if (bytes != slot.End - slot.Begin)
                throw Bad(source, $"tensor '{slot.Name}' is {slot.DType.Name()} {SafetensorsEntry.FormatShape(slot.Shape)} = {bytes} bytes, but its data_offsets [{slot.Begin}, {slot.End}] span {slot.End - slot.Begin}");
            position = slot.End;
        }
        if (position != dataLength)
            throw Bad(source, $"the tensors cover {position} bytes of data but the file holds {dataLength} bytes after the header ({dataLength - position} trailing bytes)");
    }

    /// <summary>Elements × dtype size, computed left to right with overflow checks (as the reference does).</summary>
    private static long ByteLength(Slot slot, string source)
    {
        ulong elements = 1;
        foreach (long d in slot.Shape)
        {
            ulong product = elements * (ulong)d;
            if (d != 0 && product / (ulong)d != elements)
                throw Bad(source, $"tensor '{slot.Name}' has shape {SafetensorsEntry.FormatShape(slot.Shape)} whose element count overflows 64 bits");
            elements = product;
        }
        ulong bytes = elements * (ulong)slot.DType.Size();
        if (elements != 0 && (bytes / (ulong)slot.DType.Size() != elements || bytes > long.MaxValue))
            throw Bad(source, $"tensor '{slot.Name}' has shape {SafetensorsEntry.FormatShape(slot.Shape)} whose byte length overflows 64 bits");
        return (long)bytes;
    }

    /// <summary>
    /// The header bytes as the reference implementation writes them: compact JSON, "__metadata__"
    /// first (only when there is metadata), then the tensors in data order, each with dtype, shape
    /// and data_offsets; padded with spaces to a multiple of 8 bytes so the data starts aligned.
    /// </summary>
    public static byte[] Format(IReadOnlyList<SafetensorsEntry> ordered, IReadOnlyDictionary<string, string> metadata)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (metadata.Count > 0)
            {
                writer.WriteStartObject(MetadataKey);
                foreach (var key in metadata.Keys.OrderBy(k => k, StringComparer.Ordinal)) writer.WriteString(key, metadata[key]);
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach (var entry in ordered)
            {
                writer.WriteStartObject(entry.Name);
                writer.WriteString("dtype", entry.DType.Name());
                writer.WriteStartArray("shape");
                foreach (long d in entry.Shape) writer.WriteNumberValue(d);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + entry.Data.Length);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += entry.Data.Length;
            }
            writer.WriteEndObject();
        }
        int padding = (int)((8 - buffer.Length % 8) % 8);
        for (int i = 0; i < padding; i++) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "...";

    private static DataFormatException Bad(string source, string problem) => new($"Safetensors file '{source}': {problem}.");

    /// <summary>UTF-8 bytes of a name, for ordering names as the reference does (bytewise).</summary>
    public static int CompareNames(string a, string b) =>
        Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b));
}
