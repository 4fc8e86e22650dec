using System.Buffers.Binary;
using System.Text;

namespace DeepSharp.Data.Images;

/// <summary>A chunk's header: its type, data length and the byte offset where it starts.</summary>
internal readonly record struct PngChunk(string Type, uint Length, long At);

/// <summary>
/// Reads a PNG's chunks in order from a stream, checking each length against the bytes left and each
/// CRC, and presents the data of a run of consecutive IDAT chunks as one stream (<see cref="Idat"/>) for
/// the inflater, so that nothing is buffered but a 64 KB window. Ancillary chunks are read for their
/// CRC and dropped.
/// </summary>
internal sealed class PngChunks
{
    private readonly Stream _input;
    private readonly string _source;
    private readonly byte[] _buffer = new byte[1 << 16];
    private long _position;
    private readonly System.IO.Hashing.Crc32 _crc = new();

    private readonly long? _length;

    /// <param name="input">The PNG's bytes, read from the stream's position.</param>
    /// <param name="source">Names the PNG in errors.</param>
    /// <param name="length">The PNG's length when <paramref name="input"/> holds only its start (else taken from a seekable stream).</param>
    public PngChunks(Stream input, string source, long? length = null)
    {
        (_input, _source, _length) = (input, source, length);
        Idat = new IdatStream(this);
    }

    /// <summary>The data of the IDAT run begun with <see cref="BeginIdat"/>; it ends (reads 0) at the first other chunk, then in <see cref="AfterIdat"/>.</summary>
    public Stream Idat { get; }

    /// <summary>The header of the chunk that ended the IDAT run (null while the run lasts).</summary>
    public PngChunk? AfterIdat { get; private set; }

    /// <summary>Bytes left in the PNG, when its length is known.</summary>
    public long? Remaining => _length is { } length ? length - _position : _input.CanSeek ? _input.Length - _input.Position : null;

    /// <summary>Reads and checks the 8-byte signature.</summary>
    public void ReadSignature()
    {
        Span<byte> signature = stackalloc byte[8];
        int read = _input.ReadAtLeast(signature, 8, throwOnEndOfStream: false);
        if (read < 8 || !signature.SequenceEqual((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
            throw Bad("not a PNG file (no PNG signature)");
        _position = 8;
    }

    /// <summary>Reads the next chunk's length and type, checking the length against the file.</summary>
    public PngChunk Next()
    {
        long at = _position;
        Span<byte> head = stackalloc byte[8];
        int read = _input.ReadAtLeast(head, 8, throwOnEndOfStream: false);
        if (read < 8) throw Bad($"truncated at byte {at}: a chunk needs at least 12 bytes, {read} are left");
        _position += 8;
        uint length = BinaryPrimitives.ReadUInt32BigEndian(head);
        var typeBytes = head[4..];
        foreach (byte b in typeBytes)
            if (!char.IsAsciiLetter((char)b)) throw Bad($"the chunk at byte {at} has type bytes {Convert.ToHexString(typeBytes)}, not four letters");
        string type = Encoding.ASCII.GetString(typeBytes);
        if (length > int.MaxValue) throw Bad($"chunk {type} at byte {at} claims {length} bytes; PNG allows at most 2147483647");
        if (Remaining is { } left && length + 4L > left)
            throw Bad($"chunk {type} at byte {at} claims {length} bytes, beyond the end of the file ({left} bytes are left)");
        _crc.Reset();
        _crc.Append(typeBytes);
        return new PngChunk(type, length, at);
    }

    /// <summary>Reads a small chunk's data whole (IHDR) and checks its CRC.</summary>
    public byte[] ReadData(PngChunk chunk)
    {
        var data = new byte[chunk.Length];
        if (_input.ReadAtLeast(data, data.Length, throwOnEndOfStream: false) < data.Length) throw Truncated(chunk);
        _position += data.Length;
        _crc.Append(data);
        CheckCrc(chunk);
        return data;
    }

    /// <summary>Reads a chunk's data in pieces for its CRC, keeping none of it.</summary>
    public void Skip(PngChunk chunk)
    {
        long left = chunk.Length;
        while (left > 0)
        {
            int read = _input.Read(_buffer, 0, (int)Math.Min(left, _buffer.Length));
            if (read == 0) throw Truncated(chunk);
            _crc.Append(_buffer.AsSpan(0, read));
            (left, _position) = (left - read, _position + read);
        }
        CheckCrc(chunk);
    }

    private PngChunk _idat;
    private long _idatLeft;

    /// <summary>Starts an IDAT run with <paramref name="first"/> (whose header was just read).</summary>
    public void BeginIdat(PngChunk first) => (_idat, _idatLeft, AfterIdat) = (first, first.Length, null);

    /// <summary>Reads what the inflater left of the IDAT run (checking CRCs) and returns the chunk after it.</summary>
    public PngChunk EndIdat()
    {
        while (AfterIdat is null) ReadIdat(_buffer);
        return AfterIdat.Value;
    }

    private int ReadIdat(Span<byte> buffer)
    {
        while (AfterIdat is null)
        {
            if (_idatLeft > 0)
            {
                int read = _input.Read(buffer[..(int)Math.Min(buffer.Length, _idatLeft)]);
                if (read == 0) throw Truncated(_idat);
                _crc.Append(buffer[..read]);
                (_idatLeft, _position) = (_idatLeft - read, _position + read);
                return read;
            }
            CheckCrc(_idat);
            var next = Next();
            if (next.Type == "IDAT") (_idat, _idatLeft) = (next, next.Length);
            else AfterIdat = next;
        }
        return 0;
    }

    private void CheckCrc(PngChunk chunk)
    {
        Span<byte> four = stackalloc byte[4];
        if (_input.ReadAtLeast(four, 4, throwOnEndOfStream: false) < 4) throw Bad($"truncated in the CRC of chunk {chunk.Type} at byte {chunk.At}");
        _position += 4;
        if (BinaryPrimitives.ReadUInt32BigEndian(four) != _crc.GetCurrentHashAsUInt32()) throw Bad($"chunk {chunk.Type} at byte {chunk.At} has a wrong CRC");
    }

    private DataFormatException Truncated(PngChunk chunk) => Bad($"truncated inside chunk {chunk.Type} at byte {chunk.At}");

    public DataFormatException Bad(string problem) => PngDecoder.Bad(_source, problem);

    private sealed class IdatStream(PngChunks chunks) : Stream
    {
        public override int Read(Span<byte> buffer) => chunks.ReadIdat(buffer);
        public override int Read(byte[] buffer, int offset, int count) => chunks.ReadIdat(buffer.AsSpan(offset, count));
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
