using System.Buffers.Binary;

namespace DeepSharp.Data;

/// <summary>
/// The checked preamble and header of a .npy file (NumPy's format versions 1.0, 2.0 and 3.0): the magic
/// string <c>\x93NUMPY</c>, the version, the header's length (uint16 in 1.0, uint32 after), then a Python
/// dict literal such as <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3), }</c> padded with
/// spaces and a newline. The dict is read by a small parser of exactly that grammar (strings, True/False,
/// non-negative integers and tuples of them), never evaluated; every position in an error is a byte offset
/// in the file, and the header's length is checked against <see cref="NpyFile.MaxHeaderBytes"/> and the
/// file's length before it is read.
/// </summary>
internal sealed class NpyHeader
{
    /// <summary>The first six bytes of every .npy file: <c>\x93NUMPY</c>.</summary>
    public static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    private NpyHeader(string descr, bool fortranOrder, int[] shape, long dataOffset, (int Major, int Minor) version)
    {
        (Descr, FortranOrder, Shape, DataOffset, Version) = (descr, fortranOrder, shape, dataOffset, version);
    }

    /// <summary>The dtype string, e.g. <c>&lt;f4</c>.</summary>
    public string Descr { get; }

    /// <summary>Whether the data is in column-major order.</summary>
    public bool FortranOrder { get; }

    /// <summary>The dimensions, each at most <see cref="int.MaxValue"/>; empty for a 0-d array.</summary>
    public int[] Shape { get; }

    /// <summary>Where the data starts: the preamble's and header's bytes.</summary>
    public long DataOffset { get; }

    /// <summary>The format version.</summary>
    public (int Major, int Minor) Version { get; }

    /// <summary>Reads and checks the preamble and the header dict from the start of <paramref name="stream"/> (of <paramref name="fileLength"/> bytes).</summary>
    public static NpyHeader Read(Stream stream, string path, long fileLength)
    {
        Span<byte> preamble = stackalloc byte[12];
        int read = stream.ReadAtLeast(preamble[..10], 10, throwOnEndOfStream: false);
        if (read < 8 || !preamble[..6].SequenceEqual(Magic))
        {
            if (read >= 6 && !preamble[..6].SequenceEqual(Magic))
                throw Bad(path, $"bytes 0–5 are {Convert.ToHexString(preamble[..6])}, not the magic string 934E554D5059 (\\x93NUMPY): not a .npy file");
            throw Bad(path, $"{read} bytes long, too short for the 10-byte preamble of a .npy file");
        }
        int major = preamble[6], minor = preamble[7];
        if (major is < 1 or > 3 || minor != 0)
            throw Bad(path, $"format version {major}.{minor} (bytes 6–7); DeepSharp reads versions 1.0, 2.0 and 3.0");
        int lengthBytes = major == 1 ? 2 : 4;
        int preambleLength = 8 + lengthBytes;
        read += stream.ReadAtLeast(preamble[read..preambleLength], preambleLength - read, throwOnEndOfStream: false);
        if (read < preambleLength)
            throw Bad(path, $"{read} bytes long, too short for the {preambleLength}-byte preamble of a version {major}.0 file");
        long headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(preamble[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(preamble[8..]);
        string lengthField = $"header length (bytes 8–{preambleLength - 1})";
        if (headerLength > NpyFile.MaxHeaderBytes)
            throw Bad(path, $"{lengthField} is {headerLength} bytes, more than the {NpyFile.MaxHeaderBytes} DeepSharp reads (NumPy's own limit)");
        if (preambleLength + headerLength > fileLength)
            throw Bad(path, $"{lengthField} is {headerLength} bytes, but the file holds only {fileLength - preambleLength} after the preamble");

        var header = new byte[headerLength];
        stream.ReadExactly(header);
        for (int i = 0; i < header.Length; i++)
            if (header[i] is > 0x7E or (< 0x20 and not (byte)'\n' and not (byte)'\r' and not (byte)'\t'))
                throw Bad(path, $"byte {preambleLength + i} (in the header) is 0x{header[i]:X2}, not printable ASCII");
        var (descr, fortran, shape) = new DictParser(header, preambleLength, path).Parse();
        return new NpyHeader(descr, fortran, shape, preambleLength + headerLength, (major, minor));
    }

    public static DataFormatException Bad(string path, string problem) => new($"npy file '{path}': {problem}.");

    /// <summary>
    /// The header dict: exactly the keys 'descr' (a string), 'fortran_order' (True or False) and 'shape'
    /// (a tuple of non-negative integers), each once, then only whitespace. Linear in the header's length.
    /// </summary>
    private ref struct DictParser(ReadOnlySpan<byte> text, int offset, string path)
    {
        private readonly ReadOnlySpan<byte> _text = text;
        private int _at;

        public (string Descr, bool FortranOrder, int[] Shape) Parse()
        {
            string? descr = null;
            bool? fortran = null;
            int[]? shape = null;
            SkipSpace();
            Expect((byte)'{', "the header dict to start with '{'");
            SkipSpace();
            while (Peek() != '}')
            {
                int keyAt = _at;
                string key = String("a key");
                SkipSpace();
                Expect((byte)':', $"':' after the key '{key}'");
                SkipSpace();
                switch (key)
                {
                    case "descr" when descr is null:
                        if (Peek() == '[') throw Error("'descr' is a list (a structured dtype); DeepSharp reads plain numeric arrays");
                        descr = String("the dtype string of 'descr'");
                        break;
                    case "fortran_order" when fortran is null:
                        fortran = Bool();
                        break;
                    case "shape" when shape is null:
                        shape = Tuple();
                        break;
                    case "descr" or "fortran_order" or "shape":
                        throw Error($"the key '{key}' appears twice", keyAt);
                    default:
                        throw Error($"the key '{key}' is not one of 'descr', 'fortran_order', 'shape'", keyAt);
                }
                SkipSpace();
                if (Peek() == ',')
                {
                    _at++;
                    SkipSpace();
                }
                else if (Peek() != '}')
                {
                    throw Error("expected ',' or '}' after a value");
                }
            }
            _at++;
            SkipSpace();
            if (_at < _text.Length) throw Error("expected only spaces after the header dict");
            if (descr is null || fortran is null || shape is null)
                throw Error($"the header dict lacks {(descr is null ? "'descr'" : fortran is null ? "'fortran_order'" : "'shape'")}", 0);
            return (descr, fortran.Value, shape);
        }

        private readonly int Peek() => _at < _text.Length ? _text[_at] : -1;

        private void SkipSpace()
        {
            while (_at < _text.Length && _text[_at] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t') _at++;
        }

        private void Expect(byte c, string what)
        {
            if (Peek() != c) throw Error("expected " + what);
            _at++;
        }

        /// <summary>A string in single or double quotes, without escapes, of at most 64 characters.</summary>
        private string String(string what)
        {
            int quote = Peek();
            if (quote is not ('\'' or '"')) throw Error("expected " + what + " in quotes");
            int start = ++_at;
            while (_at < _text.Length && _text[_at] != quote)
            {
                if (_text[_at] is (byte)'\\' or (byte)'\n') throw Error("a string holds an escape or a line break");
                if (_at - start >= 64) throw Error("a string is longer than 64 characters", start - 1);
                _at++;
            }
            if (_at >= _text.Length) throw Error("a string is not closed", start - 1);
            return System.Text.Encoding.ASCII.GetString(_text[start.._at++]);
        }

        private bool Bool()
        {
            if (_text[_at..].StartsWith("True"u8)) { _at += 4; return true; }
            if (_text[_at..].StartsWith("False"u8)) { _at += 5; return false; }
            throw Error("expected True or False for 'fortran_order'");
        }

        /// <summary>A tuple of non-negative integers, <c>()</c>, <c>(3,)</c>, <c>(2, 3)</c>; at most <see cref="Tensors.Shape.MaxRank"/> of them.</summary>
        private int[] Tuple()
        {
            Expect((byte)'(', "a tuple such as (2, 3) for 'shape'");
            var dims = new List<int>();
            bool comma = false;
            SkipSpace();
            while (Peek() != ')')
            {
                if (dims.Count == Tensors.Shape.MaxRank) throw Error($"'shape' has more than {Tensors.Shape.MaxRank} dimensions");
                dims.Add(Dimension(dims.Count));
                SkipSpace();
                comma = Peek() == ',';
                if (comma)
                {
                    _at++;
                    SkipSpace();
                }
                else if (Peek() != ')')
                {
                    throw Error("expected ',' or ')' in 'shape'");
                }
            }
            if (dims.Count == 1 && !comma) throw Error("'shape' is (n), a number, not the tuple (n,)");
            _at++;
            return [.. dims];
        }

        /// <summary>Decimal digits (a Python 2 'L' after them is allowed, as NumPy allows it) fitting a tensor axis.</summary>
        private int Dimension(int index)
        {
            int start = _at;
            if (Peek() == '-') throw Error($"dimension {index} of 'shape' is negative");
            long value = 0;
            while (_at < _text.Length && char.IsAsciiDigit((char)_text[_at]))
            {
                value = value * 10 + (_text[_at++] - '0');
                if (value > int.MaxValue)
                    throw Error($"dimension {index} of 'shape' is more than {int.MaxValue}, the largest axis a tensor has", start);
            }
            if (_at == start) throw Error($"expected a whole number for dimension {index} of 'shape'");
            if (Peek() == 'L') _at++;
            return (int)value;
        }

        private readonly DataFormatException Error(string problem, int? at = null)
        {
            int position = at ?? _at;
            string found = position >= _text.Length ? "the header's end"
                : _text[position] < 0x20 ? $"byte 0x{_text[position]:X2}" : $"'{(char)_text[position]}'";
            return Bad(path, $"{problem} (header byte {offset + position}, at {found})");
        }
    }
}
