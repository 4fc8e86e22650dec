using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace DeepSharp.Data;

/// <summary>
/// Sits between the decompressor and <see cref="System.Formats.Tar.TarReader"/> and reads the tar
/// headers as they pass, before the reader sees them, holding the archive to limits: at most
/// <paramref name="maxBytes"/> bytes in all (a tar bomb stops there, not after inflating gigabytes),
/// at most <paramref name="maxEntries"/> headers, and metadata entries (PAX attributes, GNU long names)
/// of at most <see cref="MaxMetadataBytes"/> each — the reader allocates such an entry's size up front,
/// so a 5 KB tarball could otherwise ask for 2 GB. Tracks each entry's data length (a PAX <c>size</c>
/// record overrides the next header's) to know where the next header starts.
/// </summary>
internal sealed class BoundedTarStream(Stream inner, string tarballPath, long maxBytes, int maxEntries) : Stream
{
    /// <summary>The largest PAX extended-attribute or GNU long-name entry accepted (npm's are a few hundred bytes).</summary>
    public const int MaxMetadataBytes = 1 << 20;

    private const int Block = 512;
    private readonly byte[] _header = new byte[Block];
    private int _headerFill;
    private long _skip;          // bytes of entry data and padding before the next header
    private MemoryStream? _pax;  // the data of a PAX 'x' entry, collected to read its "size" record
    private long _paxLeft;
    private long? _nextSize;     // the size a PAX record gave the next entry
    private bool _ended;         // after the first zero block: the archive's end; nothing more is parsed
    private long _position;      // bytes read from the decompressor
    private long _headerAt;      // where the header being read starts
    private int _entries;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int read = inner.Read(buffer);
        _position += read;
        if (_position > maxBytes)
            throw new PackageFetchException($"{tarballPath} inflates to more than {maxBytes} bytes, the most this data set's package may hold");
        Observe(buffer[..read]);
        return read;
    }

    private void Observe(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty && !_ended)
        {
            if (_skip > 0)
            {
                int n = (int)Math.Min(_skip, bytes.Length);
                if (_pax is not null && _paxLeft > 0)
                {
                    int keep = (int)Math.Min(_paxLeft, n);
                    _pax.Write(bytes[..keep]);
                    _paxLeft -= keep;
                    if (_paxLeft == 0) ReadPaxSize();
                }
                _skip -= n;
                bytes = bytes[n..];
                continue;
            }
            if (_headerFill == 0) _headerAt = _position - bytes.Length;
            int take = Math.Min(Block - _headerFill, bytes.Length);
            bytes[..take].CopyTo(_header.AsSpan(_headerFill));
            _headerFill += take;
            bytes = bytes[take..];
            if (_headerFill == Block)
            {
                _headerFill = 0;
                OnHeader();
            }
        }
    }

    private void OnHeader()
    {
        if (_header.AsSpan().IndexOfAnyExcept((byte)0) < 0)
        {
            _ended = true;
            return;
        }
        if (++_entries > maxEntries)
            throw new PackageFetchException($"{tarballPath} holds more than {maxEntries} entries, the most a data set's package may hold");
        long size = ReadSize(_header.AsSpan(124, 12));
        char type = (char)_header[156];
        bool metadata = type is 'x' or 'g' or 'L' or 'K';
        if (metadata)
        {
            if (size > MaxMetadataBytes)
                throw new PackageFetchException($"{tarballPath} has a '{type}' metadata entry of {size} bytes; at most {MaxMetadataBytes} are accepted");
        }
        else if (_nextSize is { } given)
        {
            size = given;
        }
        if (!metadata) _nextSize = null;
        _pax = type == 'x' && size > 0 ? new MemoryStream((int)size) : null;
        _paxLeft = _pax is null ? 0 : size;
        _skip = (size + Block - 1) / Block * Block;
    }

    /// <summary>A header's size field: octal digits (NUL or space terminated), or base-256 when the first byte has its top bit set.</summary>
    private long ReadSize(ReadOnlySpan<byte> field)
    {
        if ((field[0] & 0x80) != 0)
        {
            if (field[0] != 0x80 || field[1..4].IndexOfAnyExcept((byte)0) >= 0)
                throw Bad("a base-256 size field beyond 2^63");
            long value = BinaryPrimitives.ReadInt64BigEndian(field[4..]);
            return value >= 0 ? value : throw Bad("a negative size field");
        }
        long size = 0;
        int i = 0;
        while (i < field.Length && field[i] == ' ') i++;
        int digits = 0;
        for (; i < field.Length && field[i] is >= (byte)'0' and <= (byte)'7'; i++, digits++)
            size = size * 8 + (field[i] - '0'); // at most 12 digits: fits in a long
        bool terminated = i == field.Length || field[i] is 0 or (byte)' ';
        if (digits == 0 && field[i..].IndexOfAnyExcept((byte)0, (byte)' ') < 0) return 0; // an empty field, as some writers leave it
        if (digits == 0 || !terminated)
            throw Bad($"a size field that is not octal ('{Encoding.ASCII.GetString(field).TrimEnd('\0')}')");
        return size;
    }

    /// <summary>The "size" record of a PAX entry ("LEN size=VALUE\n"), which replaces the next header's size.</summary>
    private void ReadPaxSize()
    {
        string text = Encoding.UTF8.GetString(_pax!.GetBuffer(), 0, (int)_pax.Length);
        _pax = null;
        foreach (var record in text.Split('\n'))
        {
            int space = record.IndexOf(' ');
            if (space < 0 || !record.AsSpan(space + 1).StartsWith("size=", StringComparison.Ordinal)) continue;
            if (!long.TryParse(record.AsSpan(space + 6), NumberStyles.None, CultureInfo.InvariantCulture, out long size))
                throw Bad($"a PAX size record '{record[(space + 1)..]}' that is not a size");
            _nextSize = size;
        }
    }

    private PackageFetchException Bad(string what) => new($"{tarballPath} is not a valid .tgz (the header at byte {_headerAt} has {what})");

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
