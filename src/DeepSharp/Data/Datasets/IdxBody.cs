namespace DeepSharp.Data.Datasets;

/// <summary>
/// Reads the data bytes after an idx header, exactly as many as the header promises, after checking
/// the promise against <see cref="IdxReader.MaxDataBytes"/> and, for gzip, against the compressed size
/// × <see cref="IdxReader.MaxGzipRatio"/>, so that nothing large is allocated or inflated on a header's word.
/// </summary>
internal static class IdxBody
{
    /// <summary>Plain file: the length is known, so a wrong header is caught before allocating.</summary>
    public static byte[] ReadKnownLength(Stream stream, string path, IdxHeader header, long fileLength)
    {
        long actual = fileLength - header.Length;
        if (actual != header.DataLength)
        {
            string what = actual < header.DataLength ? "truncated" : $"{(Int128)actual - header.DataLength} trailing bytes";
            throw IdxHeader.Bad(path,
                $"{what}: the header promises {header.Describe()} bytes after the {header.Length}-byte header, but the file holds {actual}");
        }
        CheckLimit(path, header);
        var data = new byte[(int)actual];
        stream.ReadExactly(data);
        return data;
    }

    /// <summary>
    /// Gzipped file: the decompressed length is unknown until inflated, so the promise is first held to
    /// the compressed size × <see cref="IdxReader.MaxGzipRatio"/>; then the buffer grows only as data
    /// arrives, and inflating stops as soon as the output exceeds the promise.
    /// </summary>
    public static byte[] ReadUnknownLength(Stream stream, string path, IdxHeader header, long compressedLength)
    {
        CheckLimit(path, header);
        Int128 allowed = (Int128)compressedLength * IdxReader.MaxGzipRatio;
        if (header.DataLength > allowed)
            throw IdxHeader.Bad(path,
                $"the header promises {header.Describe()} bytes, but {compressedLength} bytes of gzip may inflate to at most {allowed}" +
                $" (IdxReader.MaxGzipRatio = {IdxReader.MaxGzipRatio}:1; decompress the file with gunzip if it really compresses better)");

        int expected = (int)header.DataLength;
        var data = new byte[Math.Min(expected, 1 << 20)];
        int filled = 0;
        while (filled < expected)
        {
            if (filled == data.Length) Array.Resize(ref data, (int)Math.Min(expected, 2L * data.Length));
            int read = stream.Read(data, filled, data.Length - filled);
            if (read == 0)
                throw IdxHeader.Bad(path,
                    $"truncated: the header promises {header.Describe()} bytes after the {header.Length}-byte header, but the decompressed file holds {filled}");
            filled += read;
        }

        long extra = CountRemaining(stream, TrailingCountLimit);
        if (extra > 0)
        {
            string atLeast = extra >= TrailingCountLimit ? "at least " : "";
            throw IdxHeader.Bad(path,
                $"{atLeast}{extra} trailing bytes: the header promises {header.Describe()} bytes after the {header.Length}-byte header, but the decompressed file holds {atLeast}{expected + extra}");
        }
        return data;
    }

    static void CheckLimit(string path, IdxHeader header)
    {
        if (header.DataLength > IdxReader.MaxDataBytes)
            throw IdxHeader.Bad(path,
                $"the header promises {header.Describe()} bytes, more than the {IdxReader.MaxDataBytes} an idx file may hold (IdxReader.MaxDataBytes)");
    }

    /// <summary>Trailing bytes are counted up to this many (one read buffer), so that a gzip bomb is not inflated in full.</summary>
    const long TrailingCountLimit = 1 << 16;

    static long CountRemaining(Stream stream, long limit)
    {
        var buffer = new byte[1 << 16];
        long count = 0;
        int read;
        while (count < limit && (read = stream.Read(buffer)) > 0) count += read;
        return count;
    }
}
