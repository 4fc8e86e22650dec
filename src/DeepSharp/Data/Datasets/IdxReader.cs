using System.IO.Compression;

namespace DeepSharp.Data.Datasets;

/// <summary>
/// Reads idx files (the MNIST format): a big-endian magic number <c>0x000008NN</c> (unsigned bytes,
/// NN dimensions), NN big-endian int32 dimensions, then the bytes, row-major. Files may be gzipped.
/// Every header is checked before anything large is allocated or inflated: against the file's length
/// (plain files), against <see cref="MaxDataBytes"/>, and for gzip against the compressed size ×
/// <see cref="MaxGzipRatio"/>; inflating stops as soon as the output exceeds what the header promises.
/// A bad file gives a <see cref="DataFormatException"/> naming the file, what was expected and what was found.
/// </summary>
public static class IdxReader
{
    /// <summary>
    /// The most data bytes one idx file may hold: 1 GiB (MNIST's training images are 47 MB, EMNIST's
    /// largest file 547 MB). A header promising more is refused before anything is read or allocated.
    /// </summary>
    public const long MaxDataBytes = 1L << 30;

    /// <summary>
    /// The most a gzipped idx file may expand: its header may promise at most this many bytes per
    /// compressed byte (MNIST's files expand 2–5:1; deflate's theoretical limit is about 1032:1, which only
    /// near-constant data reaches). A gzip bomb is refused before it is inflated; a real file that
    /// compresses better can be decompressed with gunzip and read as a plain file.
    /// </summary>
    public const int MaxGzipRatio = 256;

    /// <summary>Magic number of idx3-ubyte files (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of idx1-ubyte files (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>Reads an idx3-ubyte file (or its .gz).</summary>
    /// <exception cref="DataFormatException">The file is not a valid idx3-ubyte file.</exception>
    /// <exception cref="DatasetUnavailableException">The file does not exist.</exception>
    public static IdxImages ReadImages(string path)
    {
        var (dims, data) = Read(path, ImagesMagic, "idx3-ubyte images");
        return new IdxImages(data, dims[0], dims[1], dims[2]);
    }

    /// <summary>
    /// The dimensions an idx3-ubyte file (or its .gz) declares, (Count, Rows, Cols), read from its header
    /// alone, e.g. to refuse images of the wrong size before reading them.
    /// </summary>
    /// <exception cref="DataFormatException">The header is not that of an idx3-ubyte file.</exception>
    /// <exception cref="DatasetUnavailableException">The file does not exist.</exception>
    public static (int Count, int Rows, int Cols) ReadImagesShape(string path)
    {
        using var file = Open(path);
        try
        {
            using Stream stream = IsGzip(file) ? new GZipStream(file, CompressionMode.Decompress) : file;
            var dims = IdxHeader.Read(stream, path, ImagesMagic, "idx3-ubyte images").Dims;
            return (dims[0], dims[1], dims[2]);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"idx file '{path}': not valid gzip data ({e.Message}).", e);
        }
    }

    /// <summary>Reads an idx1-ubyte file (or its .gz): one byte per label.</summary>
    /// <exception cref="DataFormatException">The file is not a valid idx1-ubyte file.</exception>
    /// <exception cref="DatasetUnavailableException">The file does not exist.</exception>
    public static byte[] ReadLabels(string path) => Read(path, LabelsMagic, "idx1-ubyte labels").Data;

    /// <summary>Reads images and their labels, and checks that both files hold the same count.</summary>
    /// <exception cref="DataFormatException">A file is invalid, or the counts differ.</exception>
    /// <exception cref="DatasetUnavailableException">A file does not exist.</exception>
    public static (IdxImages Images, byte[] Labels) ReadPair(string imagesPath, string labelsPath)
    {
        var images = ReadImages(imagesPath);
        var labels = ReadLabels(labelsPath);
        if (labels.Length != images.Count)
            throw new DataFormatException(
                $"idx file '{labelsPath}': holds {labels.Length} labels, expected {images.Count} to match the images in '{imagesPath}'.");
        return (images, labels);
    }

    static FileStream Open(string path)
    {
        SpecialFile.Refuse(path, "idx file");
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DatasetUnavailableException($"idx file '{path}' does not exist.", e);
        }
    }

    static (int[] Dims, byte[] Data) Read(string path, int magic, string kind)
    {
        using (var file = Open(path))
        {
            bool gzipped = IsGzip(file);
            try
            {
                using Stream stream = gzipped ? new GZipStream(file, CompressionMode.Decompress) : file;
                var header = IdxHeader.Read(stream, path, magic, kind);
                return (header.Dims, gzipped
                    ? IdxBody.ReadUnknownLength(stream, path, header, file.Length)
                    : IdxBody.ReadKnownLength(stream, path, header, file.Length));
            }
            catch (InvalidDataException e)
            {
                throw new DataFormatException($"idx file '{path}': not valid gzip data ({e.Message}).", e);
            }
        }
    }

    static bool IsGzip(FileStream file)
    {
        Span<byte> start = stackalloc byte[2];
        int read = file.ReadAtLeast(start, 2, throwOnEndOfStream: false);
        file.Position = 0;
        return read == 2 && start[0] == 0x1f && start[1] == 0x8b;
    }
}
