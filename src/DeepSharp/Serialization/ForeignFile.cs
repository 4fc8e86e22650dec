namespace DeepSharp.Serialization;

/// <summary>
/// Names the kind of file a safetensors reader was given when its first bytes are another format's
/// signature, so that an error says "this is an ONNX model" rather than only "header length 8098990847780063240".
/// </summary>
internal static class ForeignFile
{
    /// <summary>" It looks like …, not a safetensors file." for a known signature; "" otherwise.</summary>
    public static string Hint(ReadOnlySpan<byte> prefix)
    {
        string? kind = Describe(prefix);
        return kind is null ? "" : $" It looks like {kind}, not a safetensors file.";
    }

    // Signatures that begin with the byte 0x89 (a u8 string literal would encode it as two bytes).
    private static ReadOnlySpan<byte> Hdf5 => [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1A, (byte)'\n'];
    private static ReadOnlySpan<byte> Png => [0x89, (byte)'P', (byte)'N', (byte)'G'];

    private static string? Describe(ReadOnlySpan<byte> p)
    {
        if (p.StartsWith("PK\u0003\u0004"u8)) return "a zip archive (a PyTorch .pt/.pth file or a Keras .keras file?)";
        if (p.StartsWith(Hdf5)) return "an HDF5 file (a Keras .h5 model?)";
        if (p.Length >= 2 && p[0] == 0x80 && p[1] is >= 2 and <= 5) return "a Python pickle (a PyTorch file?)";
        if (p.StartsWith(Png)) return "a PNG image";
        if (p.Length >= 2 && p[0] == 0x1f && p[1] == 0x8b) return "a gzip-compressed file";
        if (p.Length >= 4 && p[0] == 0 && p[1] == 0 && p[2] is 0x08 or 0x09 or 0x0B or 0x0C or 0x0D or 0x0E && p[3] is >= 1 and <= 4)
            return "an idx data file (MNIST's format)";
        // ONNX's ModelProto begins with ir_version (field 1, varint: 0x08 and a small number), then a string or the graph.
        if (p.Length >= 3 && p[0] == 0x08 && p[1] is >= 1 and <= 20 && p[2] is 0x12 or 0x1A or 0x22 or 0x2A or 0x3A or 0x42)
            return "an ONNX model (export it again from its source, or load it with ONNX Runtime)";
        if (p.Length >= 1 && p[0] is (byte)'{' or (byte)'[') return "JSON text";
        return null;
    }
}
