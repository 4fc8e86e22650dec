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
    private static ReadOnlySpan<byte> MetadataKeyUtf8 => "__metadata__"u8;

    /// <summary>A tensor's header entry: where its bytes lie in the data section.</summary>
    public readonly record struct Slot(string Name, SafetensorsDType DType, long[] Shape, long Begin, long End);

    /// <summary>
    /// Parses the header and checks it against a data section of <paramref name="dataLength"/> bytes:
    /// a JSON object; metadata maps strings to strings; every tensor has a known dtype, a shape of
    /// non-negative integers and two offsets; sorted by offset the tensors tile the data section
    /// exactly (no gap, overlap or trailing byte); shape × dtype size equals each byte length, with
    /// every product checked for overflow. Returns the slots in data order.
    /// </summary>
    /// <remarks>
    /// Memory stays a small multiple of the header's size whatever its shape (many tensors, many
    /// metadata keys, one long value): the JSON is read twice with a <see cref="Utf8JsonReader"/>, first
    /// to check its syntax and count the entries, then to read them into collections of exactly that
    /// size. No document tree is built. A string that is not valid UTF-16 once its escapes are read
    /// (a lone surrogate such as <c>"\ud800"</c>) is rejected, as the reference's JSON reader does.
    /// </remarks>
    public static (Dictionary<string, string> Metadata, List<Slot> Slots) Parse(ReadOnlySpan<byte> json, long dataLength, string source)
    {
        if (!System.Text.Unicode.Utf8.IsValid(json)) throw Bad(source, "the header is not valid UTF-8");
        var (entries, metadataEntries) = CountEntries(json, source);
        var reader = new Utf8JsonReader(json, s_readerOptions);
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject) throw Bad(source, $"the header is a JSON {Kind(reader.TokenType)}, expected an object");
        var metadata = new Dictionary<string, string>(metadataEntries, StringComparer.Ordinal);
        var slots = new List<Slot>(entries);
        var names = new HashSet<string>(entries, StringComparer.Ordinal);
        bool metadataSeen = false;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(MetadataKeyUtf8))
            {
                if (metadataSeen) throw Bad(source, $"the header names '{MetadataKey}' twice");
                metadataSeen = true;
                ReadMetadata(ref reader, metadata, source);
                continue;
            }
            string name = String(ref reader);
            if (!names.Add(name)) throw Bad(source, $"the header names '{Clip(name)}' twice");
            slots.Add(ReadSlot(ref reader, name, source));
        }
        CheckLayout(slots, dataLength, source);
        return (metadata, slots);
    }

    private static readonly JsonReaderOptions s_readerOptions = new() { MaxDepth = 16 };

    /// <summary>
    /// The first pass: checks that the header is one JSON value (nesting depth ≤ 16) whose strings are valid
    /// UTF-16 once unescaped, and counts the top-level keys and the keys of a top-level "__metadata__"
    /// object (at most <see cref="SafetensorsFile.MaxMetadataEntries"/>).
    /// </summary>
    private static (int Entries, int MetadataEntries) CountEntries(ReadOnlySpan<byte> json, string source)
    {
        var reader = new Utf8JsonReader(json, s_readerOptions);
        int entries = 0, metadataEntries = 0;
        bool inMetadata = false;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.PropertyName or JsonTokenType.String && reader.ValueIsEscaped && !JsonLimits.HasValidEscapes(reader.ValueSpan))
                    throw Bad(source, "the header holds a string that is not valid Unicode once its escapes are read (a lone surrogate such as \"\\ud800\")");
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.CurrentDepth == 1)
                    {
                        entries++;
                        inMetadata = reader.ValueTextEquals(MetadataKeyUtf8);
                    }
                    else if (inMetadata && reader.CurrentDepth == 2) metadataEntries++;
                }
            }
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"Safetensors file '{source}': the header is not valid JSON ({e.Message}).", e);
        }
        if (metadataEntries > SafetensorsFile.MaxMetadataEntries)
            throw Bad(source, $"'{MetadataKey}' holds {metadataEntries} keys; this reader takes at most {SafetensorsFile.MaxMetadataEntries}");
        return (entries, metadataEntries);
    }

    /// <summary>Reads the next token; the first pass has checked the syntax, so this never fails on it.</summary>
    private static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType;
    }

    /// <summary>The current string token, unescaped (the first pass has checked that its escapes give valid UTF-16).</summary>
    private static string String(ref Utf8JsonReader reader) => reader.GetString()!;

    private static void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata, string source)
    {
        var kind = Next(ref reader);
        if (kind != JsonTokenType.StartObject) throw Bad(source, $"'{MetadataKey}' is a JSON {Kind(kind)}, expected an object of strings");
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            string key = String(ref reader);
            kind = Next(ref reader);
            if (kind != JsonTokenType.String)
                throw Bad(source, $"metadata '{Clip(key)}' is a JSON {Kind(kind)}; metadata values must be strings");
            if (!metadata.TryAdd(key, String(ref reader))) throw Bad(source, $"metadata names '{Clip(key)}' twice");
        }
    }

    private static Slot ReadSlot(ref Utf8JsonReader reader, string name, string source)
    {
        var kind = Next(ref reader);
        if (kind != JsonTokenType.StartObject) throw Bad(source, $"tensor '{Clip(name)}' is a JSON {Kind(kind)}, expected an object");
        SafetensorsDType? dtype = null;
        long[]? shape = null;
        long begin = 0, end = 0;
        bool offsets = false;
        Span<long> pair = stackalloc long[2];
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("dtype"u8) && dtype is null)
            {
                dtype = ReadDType(ref reader, name, source);
            }
            else if (reader.ValueTextEquals("shape"u8) && shape is null)
            {
                shape = ReadIntegers(ref reader, name, "shape", source);
            }
            else if (reader.ValueTextEquals("data_offsets"u8) && !offsets)
            {
                int count = ReadIntegers(ref reader, name, "data_offsets", source, pair);
                if (count != 2) throw Bad(source, $"tensor '{Clip(name)}' has {count} data_offsets, expected two (begin, end)");
                (begin, end, offsets) = (pair[0], pair[1], true);
            }
            else
            {
                throw Bad(source, $"tensor '{Clip(name)}' has an unexpected or repeated key '{Clip(String(ref reader))}' (expected dtype, shape, data_offsets)");
            }
        }
        if (dtype is null || shape is null || !offsets)
            throw Bad(source, $"tensor '{Clip(name)}' lacks {(dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets")}");
        return new Slot(name, dtype.Value, shape, begin, end);
    }

    /// <summary>A dtype name, compared as UTF-8 (escapes read) without making a string of it.</summary>
    private static SafetensorsDType ReadDType(ref Utf8JsonReader reader, string name, string source)
    {
        if (Next(ref reader) == JsonTokenType.String)
            for (int i = 0; i < SafetensorsDTypes.Utf8Names.Length; i++)
                if (reader.ValueTextEquals(SafetensorsDTypes.Utf8Names[i])) return SafetensorsDTypes.All[i];
        throw Bad(source, $"tensor '{Clip(name)}' has dtype {Raw(ref reader)}; known: {string.Join(", ", SafetensorsDTypes.All.Select(d => d.Name()))}");
    }

    /// <summary>An array of non-negative integers, counted first (on a copy of the reader) so that the result is allocated once, at its size.</summary>
    private static long[] ReadIntegers(ref Utf8JsonReader reader, string name, string key, string source)
    {
        var ahead = reader;
        int count = 0;
        if (Next(ref ahead) == JsonTokenType.StartArray)
            while (Next(ref ahead) == JsonTokenType.Number) count++;
        var result = count == 0 ? [] : new long[count];
        ReadIntegers(ref reader, name, key, source, result); // throws for a non-array or a bad item
        return result;
    }

    /// <summary>
    /// Reads an array of non-negative integers into <paramref name="into"/> (as many as fit) and returns
    /// how many the array holds.
    /// </summary>
    private static int ReadIntegers(ref Utf8JsonReader reader, string name, string key, string source, scoped Span<long> into)
    {
        if (Next(ref reader) != JsonTokenType.StartArray) throw Bad(source, $"tensor '{Clip(name)}' has {key} {Raw(ref reader)}, expected an array of integers");
        int i = 0;
        for (; Next(ref reader) != JsonTokenType.EndArray; i++)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long n) || n < 0)
                throw Bad(source, $"tensor '{Clip(name)}' has {key}[{i}] = {Raw(ref reader)}, expected an integer from 0 to {long.MaxValue}");
            if (i < into.Length) into[i] = n;
        }
        return i;
    }

    /// <summary>The current token as it stands in the file (clipped), for messages; containers as [...] or {...}.</summary>
    private static string Raw(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.StartArray => "[...]",
        JsonTokenType.StartObject => "{...}",
        JsonTokenType.String => Clip("\"" + Encoding.UTF8.GetString(reader.ValueSpan[..Math.Min(reader.ValueSpan.Length, 200)]) + "\""),
        _ => Clip(Encoding.UTF8.GetString(reader.ValueSpan[..Math.Min(reader.ValueSpan.Length, 200)])),
    };

    /// <summary>A token type as the kind of JSON value it starts: Object, Array, String, Number, True, False, Null.</summary>
    private static string Kind(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "Object",
        JsonTokenType.StartArray => "Array",
        _ => token.ToString(),
    };

    private static void CheckLayout(List<Slot> slots, long dataLength, string source)
    {
        slots.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long position = 0;
        foreach (var slot in slots)
        {
            if (slot.End < slot.Begin)
                throw Bad(source, $"tensor '{Clip(slot.Name)}' has data_offsets [{slot.Begin}, {slot.End}]: the end is before the begin");
            if (slot.Begin != position)
                throw Bad(source, slot.Begin > position
                    ? $"tensor '{Clip(slot.Name)}' begins at byte {slot.Begin} of the data but the previous tensor ends at {position} (a gap)"
                    : $"tensor '{Clip(slot.Name)}' begins at byte {slot.Begin} of the data, inside the previous tensor that ends at {position} (an overlap)");
            if (slot.End > dataLength)
                throw Bad(source, $"tensor '{Clip(slot.Name)}' ends at byte {slot.End} but the data section holds {dataLength} bytes (truncated file?)");
            long bytes = ByteLength(slot, source);
            if (bytes != slot.End - slot.Begin)
                throw Bad(source, $"tensor '{Clip(slot.Name)}' is {slot.DType.Name()} {ShapeText(slot.Shape)} = {bytes} bytes, but its data_offsets [{slot.Begin}, {slot.End}] span {slot.End - slot.Begin}");
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
                throw Bad(source, $"tensor '{Clip(slot.Name)}' has shape {ShapeText(slot.Shape)} whose element count overflows 64 bits");
            elements = product;
        }
        ulong bytes = elements * (ulong)slot.DType.Size();
        if (elements != 0 && (bytes / (ulong)slot.DType.Size() != elements || bytes > long.MaxValue))
            throw Bad(source, $"tensor '{Clip(slot.Name)}' has shape {ShapeText(slot.Shape)} whose byte length overflows 64 bits");
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

    /// <summary>Text from the file, shortened for a message (names and values can be megabytes long).</summary>
    internal static string Clip(string text) => text.Length <= 100 ? text : text[..100] + "...";

    /// <summary>A shape for a message: the first 16 dimensions at most.</summary>
    internal static string ShapeText(IReadOnlyList<long> shape) =>
        shape.Count <= 16 ? SafetensorsEntry.FormatShape(shape) : "(" + string.Join(", ", shape.Take(16)) + $", ... {shape.Count} dimensions)";

    private static DataFormatException Bad(string source, string problem) => new($"Safetensors file '{source}': {problem}.");

    /// <summary>
    /// Orders names as the reference does, by their UTF-8 bytes, without encoding them: UTF-8 byte
    /// order is code-point order, which is UTF-16 order except that surrogates (U+D800..U+DFFF, the
    /// halves of code points above U+FFFF) sort after U+E000..U+FFFF.
    /// </summary>
    public static int CompareNames(string a, string b)
    {
        int length = Math.Min(a.Length, b.Length);
        for (int i = 0; i < length; i++)
        {
            char x = a[i], y = b[i];
            if (x != y) return CodePointOrder(x) - CodePointOrder(y);
        }
        return a.Length - b.Length;
    }

    private static int CodePointOrder(char c) => c < 0xD800 ? c : c < 0xE000 ? c + 0x2000 : c - 0x800;
}
