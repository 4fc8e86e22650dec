using System.Buffers.Binary;
using System.Text;

namespace DeepSharp.Data.Audio;

/// <summary>
/// WAV files (RIFF/WAVE) of 16-bit PCM mono audio: the form espeak-ng writes and speech data sets use.
/// Reading checks every chunk against the bytes that are there: anything else (stereo, 8/24/32-bit or
/// float samples, compressed formats, a chunk longer than the file, a missing fmt or data chunk, a
/// file over <see cref="MaxBytes"/>) is a <see cref="DataFormatException"/> naming the file, the byte
/// offset and what was found. Memory is bounded by the file's real size, never by a size field.
/// </summary>
public static class WavFile
{
    /// <summary>The largest file read (64 MiB: over half an hour at 16 kHz).</summary>
    public const long MaxBytes = 64L << 20;

    /// <summary>The highest sample rate accepted.</summary>
    public const int MaxSampleRate = 384_000;

    private const int FormatPcm = 1;

    /// <summary>Reads a 16-bit PCM mono WAV file.</summary>
    /// <exception cref="DataFormatException">The file is not 16-bit PCM mono WAV, or is damaged or too large.</exception>
    /// <exception cref="FileAccessException">The file cannot be read.</exception>
    public static WavAudio Read(string path) => InputFile.Read(path, stream =>
    {
        if (stream.Length > MaxBytes)
            throw new DataFormatException($"WAV file '{path}' is {stream.Length} bytes; DeepSharp reads at most {MaxBytes}.");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return Parse(bytes, path);
    });

    /// <summary>Parses the bytes of a WAV file; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="DataFormatException">The bytes are not 16-bit PCM mono WAV.</exception>
    public static WavAudio Parse(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length < 12 || !bytes[..4].SequenceEqual("RIFF"u8) || !bytes.Slice(8, 4).SequenceEqual("WAVE"u8))
            throw Error(source, 0, $"is not a RIFF/WAVE file (first bytes: {Hex(bytes[..Math.Min(12, bytes.Length)])})");
        long riffEnd = 8L + BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(4, 4));
        // Some writers (streaming to a pipe) leave the RIFF size unset or too large; the chunks are then read up to the file's end.
        int end = (int)Math.Min(bytes.Length, riffEnd);
        int offset = 12;
        int? rate = null;
        while (offset + 8 <= end)
        {
            var id = bytes.Slice(offset, 4);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(offset + 4, 4));
            int body = offset + 8;
            string name = ChunkName(id);
            if (id.SequenceEqual("data"u8))
            {
                if (rate is not { } r) throw Error(source, offset, "has its data chunk before a fmt chunk");
                if (size > end - body)
                    throw Error(source, offset, $"has a data chunk of {size} bytes but only {end - body} bytes follow (truncated?)");
                if (size % 2 != 0) throw Error(source, offset, $"has a data chunk of {size} bytes, not a whole number of 16-bit samples");
                var samples = new float[size / 2];
                var data = bytes.Slice(body, (int)size);
                for (int i = 0; i < samples.Length; i++)
                    samples[i] = BinaryPrimitives.ReadInt16LittleEndian(data.Slice(2 * i, 2)) / 32768f;
                return new WavAudio(r, samples);
            }
            if (size > end - body)
                throw Error(source, offset, $"has a '{name}' chunk of {size} bytes but only {end - body} bytes follow (truncated?)");
            if (id.SequenceEqual("fmt "u8)) rate = ReadFormat(bytes.Slice(body, (int)size), source, body);
            offset = body + (int)size + (int)(size & 1); // chunks are padded to an even length
        }
        throw Error(source, offset, rate is null ? "has no fmt chunk" : "has no data chunk");
    }

    /// <summary>Checks a fmt chunk and returns its sample rate.</summary>
    private static int ReadFormat(ReadOnlySpan<byte> fmt, string source, int offset)
    {
        if (fmt.Length < 16) throw Error(source, offset, $"has a fmt chunk of {fmt.Length} bytes, fewer than 16");
        int format = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        uint rate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(fmt[12..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
        if (format != FormatPcm)
            throw Error(source, offset, $"holds format {format} ({FormatName(format)}); DeepSharp reads 16-bit PCM (format 1) only");
        if (channels != 1) throw Error(source, offset + 2, $"has {channels} channels; DeepSharp reads mono WAV only (mix down first, e.g. sox in.wav -c 1 out.wav)");
        if (bits != 16) throw Error(source, offset + 14, $"has {bits}-bit samples; DeepSharp reads 16-bit PCM only");
        if (blockAlign != 2) throw Error(source, offset + 12, $"has a block size of {blockAlign} bytes; 16-bit mono needs 2");
        if (rate < 1 || rate > MaxSampleRate) throw Error(source, offset + 4, $"has a sample rate of {rate} Hz, outside [1, {MaxSampleRate}]");
        return (int)rate;
    }

    /// <summary>Writes <paramref name="samples"/> (clipped to [−1, 1]) as 16-bit PCM mono, atomically.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is outside [1, <see cref="MaxSampleRate"/>] or the file would exceed <see cref="MaxBytes"/>.</exception>
    public static void Write(string path, int sampleRate, ReadOnlySpan<float> samples) => AtomicFile.WriteAllBytes(path, Encode(sampleRate, samples));

    /// <summary>The bytes of a 16-bit PCM mono WAV file holding <paramref name="samples"/> (clipped to [−1, 1], rounded).</summary>
    public static byte[] Encode(int sampleRate, ReadOnlySpan<float> samples)
    {
        if (sampleRate < 1 || sampleRate > MaxSampleRate) throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, $"WAV sample rate must be in [1, {MaxSampleRate}].");
        if (44L + 2L * samples.Length > MaxBytes) throw new ArgumentOutOfRangeException(nameof(samples), samples.Length, $"A WAV file of {samples.Length} samples exceeds {MaxBytes} bytes.");
        var bytes = new byte[44 + 2 * samples.Length];
        var span = bytes.AsSpan();
        "RIFF"u8.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], (uint)(bytes.Length - 8));
        "WAVEfmt "u8.CopyTo(span[8..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(span[20..], FormatPcm);
        BinaryPrimitives.WriteUInt16LittleEndian(span[22..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(span[24..], (uint)sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(span[28..], (uint)sampleRate * 2);
        BinaryPrimitives.WriteUInt16LittleEndian(span[32..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(span[34..], 16);
        "data"u8.CopyTo(span[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[40..], (uint)(2 * samples.Length));
        for (int i = 0; i < samples.Length; i++)
        {
            float v = float.IsNaN(samples[i]) ? 0f : Math.Clamp(samples[i], -1f, 1f);
            BinaryPrimitives.WriteInt16LittleEndian(span[(44 + 2 * i)..], (short)Math.Clamp(MathF.Round(v * 32768f), short.MinValue, short.MaxValue));
        }
        return bytes;
    }

    private static string FormatName(int format) => format switch
    {
        3 => "IEEE float",
        6 => "A-law",
        7 => "µ-law",
        0xFFFE => "extensible",
        _ => "not PCM",
    };

    private static string ChunkName(ReadOnlySpan<byte> id)
    {
        var text = new StringBuilder(4);
        foreach (byte b in id) text.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');
        return text.ToString();
    }

    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);

    private static DataFormatException Error(string source, long offset, string problem) =>
        new($"WAV file '{TerminalText.Escape(source)}' at byte {offset} {problem}.");
}
