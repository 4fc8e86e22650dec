using System.Buffers.Binary;
using DeepSharp.Tensors;

namespace DeepSharp.Serialization;

/// <summary>
/// The contents of a safetensors file: named tensors and string metadata. Model files and
/// checkpoints are both built on it: fill it with tensors and metadata, then <see cref="Save"/>;
/// or <see cref="Load"/> a file, which checks every rule of the format before trusting a number.
/// </summary>
/// <remarks>
/// Format: 8 bytes little-endian u64 N; N bytes of UTF-8 JSON
/// <c>{"__metadata__": {"key": "value"}, "NAME": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}}</c>;
/// then the data section, where offsets are counted from its first byte.
/// </remarks>
public sealed class SafetensorsFile
{
    /// <summary>The largest header the reader accepts (the reference implementation's limit).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>
    /// The most metadata keys the reader accepts. Files hold a handful (DeepSharp's model files 3, its
    /// checkpoints 7; other tools' rarely more than a hundred); the limit keeps a header of many tiny
    /// keys from costing more than a few times its size (each key is a string and a dictionary entry,
    /// about 60 bytes for 8 bytes of JSON).
    /// </summary>
    public const int MaxMetadataEntries = 100_000;

    private readonly Dictionary<string, SafetensorsEntry> _entries;
    private SafetensorsEntry[]? _ordered;

    /// <summary>An empty file: fill it with <see cref="Add(SafetensorsEntry)"/> and <see cref="Metadata"/>, then <see cref="Save"/> or <see cref="ToBytes"/>.</summary>
    public SafetensorsFile()
    {
        _entries = new(StringComparer.Ordinal);
        Metadata = new(StringComparer.Ordinal);
    }

    private SafetensorsFile(Dictionary<string, string> metadata, int capacity)
    {
        _entries = new(capacity, StringComparer.Ordinal);
        Metadata = metadata;
    }

    /// <summary>The string metadata ("__metadata__").</summary>
    public Dictionary<string, string> Metadata { get; }

    /// <summary>The tensors, in the order they are written: decreasing dtype alignment, then name.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries => Array.AsReadOnly(Ordered());

    /// <summary>The tensors in no particular order (cheaper than <see cref="Entries"/>, which sorts them once per change).</summary>
    internal IEnumerable<SafetensorsEntry> Unordered => _entries.Values;

    private SafetensorsEntry[] Ordered()
    {
        if (_ordered is null)
        {
            var list = new SafetensorsEntry[_entries.Count];
            _entries.Values.CopyTo(list, 0);
            Array.Sort(list, (a, b) => a.DType != b.DType ? b.DType.CompareTo(a.DType) : SafetensorsHeader.CompareNames(a.Name, b.Name));
            _ordered = list;
        }
        return _ordered;
    }

    /// <summary>Number of tensors (metadata not counted).</summary>
    public int Count => _entries.Count;

    /// <summary>Whether a tensor named <paramref name="name"/> is present (exact, case-sensitive).</summary>
    public bool Contains(string name) => _entries.ContainsKey(name);

    /// <summary>Looks up the tensor named <paramref name="name"/> (exact, case-sensitive).</summary>
    /// <returns>False, with <paramref name="entry"/> null, when there is none.</returns>
    public bool TryGet(string name, out SafetensorsEntry entry) => _entries.TryGetValue(name, out entry!);

    /// <summary>Adds (or replaces) a tensor.</summary>
    public void Add(SafetensorsEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Name == SafetensorsHeader.MetadataKey) throw new ArgumentException($"'{SafetensorsHeader.MetadataKey}' is reserved for metadata.");
        _entries[entry.Name] = entry;
        _ordered = null;
    }

    /// <summary>Adds (or replaces) a snapshot of a float32 or int32 tensor.</summary>
    public void Add(string name, Tensor tensor) => Add(SafetensorsEntry.FromTensor(name, tensor));

    /// <summary>The file's bytes.</summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        WriteTo(stream);
        return stream.ToArray();
    }

    /// <summary>Writes the file atomically (temporary file, flushed, renamed).</summary>
    public void Save(string path) => AtomicFile.Write(path, WriteTo);

    private void WriteTo(Stream stream)
    {
        var ordered = Ordered();
        var header = SafetensorsHeader.Format(ordered, Metadata);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var entry in ordered) stream.Write(entry.Data.Span);
    }

    /// <summary>Reads and checks a safetensors file.</summary>
    /// <exception cref="DataFormatException">The bytes break a rule of the format (the message names the file, tensor and numbers).</exception>
    /// <exception cref="FileAccessException">The file does not exist or cannot be read.</exception>
    public static SafetensorsFile Load(string path) => InputFile.Read(path, stream => LoadFrom(stream, path));

    private static SafetensorsFile LoadFrom(FileStream stream, string path)
    {
        long fileLength = stream.Length;
        Span<byte> prefix = stackalloc byte[8];
        int read = stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false);
        long headerLength = ReadHeaderLength(prefix[..read], fileLength, path);
        var header = new byte[headerLength];
        ReadExactly(stream, header, path);
        long dataLength = fileLength - 8 - headerLength;
        var (metadata, slots) = SafetensorsHeader.Parse(header, dataLength, path);
        if (dataLength > Array.MaxLength)
            throw new DataFormatException($"Safetensors file '{path}': {dataLength} bytes of tensor data; this reader holds at most {Array.MaxLength}.");
        var data = new byte[dataLength];
        ReadExactly(stream, data, path);
        return Build(metadata, slots, data);
    }

    /// <summary>Parses a safetensors file held in memory; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="DataFormatException">The bytes break a rule of the format.</exception>
    public static SafetensorsFile Parse(ReadOnlyMemory<byte> bytes, string source)
    {
        var span = bytes.Span;
        long headerLength = ReadHeaderLength(span[..Math.Min(8, span.Length)], bytes.Length, source);
        var (metadata, slots) = SafetensorsHeader.Parse(bytes.Span.Slice(8, (int)headerLength), bytes.Length - 8 - headerLength, source);
        return Build(metadata, slots, bytes[(8 + (int)headerLength)..]);
    }

    private static long ReadHeaderLength(ReadOnlySpan<byte> prefix, long fileLength, string source)
    {
        if (fileLength < 8 || prefix.Length < 8)
            throw new DataFormatException($"Safetensors file '{source}': {fileLength} bytes long, too short for the 8-byte header length.");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > MaxHeaderBytes)
            throw new DataFormatException($"Safetensors file '{source}': header length {n} exceeds the limit of {MaxHeaderBytes} bytes.{ForeignFile.Hint(prefix)}");
        if ((long)n > fileLength - 8)
            throw new DataFormatException($"Safetensors file '{source}': header length {n} exceeds the {fileLength - 8} bytes that follow it (truncated file?).{ForeignFile.Hint(prefix)}");
        if (n < 2)
            throw new DataFormatException($"Safetensors file '{source}': header length {n} is too short for a JSON object.{ForeignFile.Hint(prefix)}");
        return (long)n;
    }

    private static void ReadExactly(Stream stream, byte[] buffer, string source)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException e)
        {
            throw new DataFormatException($"Safetensors file '{source}': ended early while reading {buffer.Length} bytes (was it changed while being read?).", e);
        }
    }

    private static SafetensorsFile Build(Dictionary<string, string> metadata, List<SafetensorsHeader.Slot> slots, ReadOnlyMemory<byte> data)
    {
        var file = new SafetensorsFile(metadata, slots.Count);
        foreach (var slot in slots)
            file._entries[slot.Name] = SafetensorsEntry.Checked(slot.Name, slot.DType, slot.Shape, data[(int)slot.Begin..(int)slot.End]);
        return file;
    }
}
