using System.Buffers.Binary;
using System.Text;

namespace DeepSharp.Tests.Security;

/// <summary>Hostile safetensors files and model configs, generated in the tests (issue 11).</summary>
internal static class HostileFiles
{
    /// <summary>8-byte little-endian length, the header (padded with spaces to a multiple of 8), then the data.</summary>
    public static byte[] Safetensors(string header, byte[]? data = null) => Safetensors(Encoding.UTF8.GetBytes(header), data);

    public static byte[] Safetensors(byte[] header, byte[]? data = null)
    {
        data ??= [];
        int padded = (header.Length + 7) / 8 * 8;
        var bytes = new byte[8 + padded + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)padded);
        header.CopyTo(bytes, 8);
        bytes.AsSpan(8 + header.Length, padded - header.Length).Fill((byte)' ');
        data.CopyTo(bytes, 8 + padded);
        return bytes;
    }

    /// <summary>
    /// A header of about <paramref name="bytes"/> bytes listing empty tensors ("t0", "t1", ...: F32, shape [0],
    /// offsets [0, 0]), after <paramref name="metadata"/> (a JSON object text, or null). Valid for the format.
    /// </summary>
    public static byte[] ManyTensorsHeader(int bytes, string? metadata = null)
    {
        var sb = new StringBuilder(bytes + 64);
        sb.Append('{');
        if (metadata is not null) sb.Append("\"__metadata__\":").Append(metadata).Append(',');
        for (int i = 0; sb.Length < bytes - 64; i++)
            sb.Append("\"t").Append(i).Append("\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},");
        sb[^1] = '}';
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>A header of about <paramref name="bytes"/> bytes: metadata with many short keys ("k0": "", "k1": "", ...).</summary>
    public static byte[] ManyMetadataHeader(int bytes)
    {
        var sb = new StringBuilder(bytes + 64);
        sb.Append("{\"__metadata__\":{");
        for (int i = 0; sb.Length < bytes - 64; i++) sb.Append("\"k").Append(i).Append("\":\"\",");
        sb[^1] = '}';
        sb.Append('}');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>A header of about <paramref name="bytes"/> bytes: one metadata value, a long string.</summary>
    public static byte[] LongMetadataHeader(int bytes)
    {
        var sb = new StringBuilder(bytes + 64);
        sb.Append("{\"__metadata__\":{\"comment\":\"");
        sb.Append('x', bytes - sb.Length - 4);
        sb.Append("\"}}");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>
    /// A DeepSharp model file (format metadata, no tensors) whose config is <paramref name="config"/>
    /// (a JSON text: the whole model config, class_name and config).
    /// </summary>
    public static byte[] ModelFile(string config)
    {
        var sb = new StringBuilder(config.Length * 2 + 128);
        sb.Append("{\"__metadata__\":{\"format\":\"deepsharp.model\",\"format_version\":\"1\",\"model_config\":");
        sb.Append(System.Text.Json.JsonSerializer.Serialize(config, JsonText.Options));
        sb.Append("}}");
        return Safetensors(sb.ToString());
    }

    /// <summary>
    /// A functional model config: an input of 4 features and a chain of <paramref name="layers"/>
    /// weightless Activation layers, listed last call first (each layer's input appears after it).
    /// </summary>
    public static string ReversedChainConfig(int layers)
    {
        var sb = new StringBuilder(layers * 320 + 512);
        sb.Append("{\"class_name\":\"Functional\",\"config\":{\"name\":\"chain\",\"trainable\":true,\"layers\":[");
        for (int i = layers; i >= 1; i--)
        {
            string input = i == 1 ? "in" : $"a{i - 1}";
            sb.Append($"{{\"class_name\":\"Activation\",\"config\":{{\"name\":\"a{i}\",\"activation\":\"relu\"}},\"name\":\"a{i}\",\"inbound_nodes\":[{{\"args\":[");
            sb.Append($"{{\"class_name\":\"__keras_tensor__\",\"config\":{{\"shape\":[null,4],\"dtype\":\"float32\",\"keras_history\":[\"{input}\",0,0]}}}}");
            sb.Append("],\"kwargs\":{}}]},");
        }
        sb.Append("{\"class_name\":\"InputLayer\",\"config\":{\"batch_shape\":[null,4],\"dtype\":\"float32\",\"sparse\":false,\"name\":\"in\"},\"name\":\"in\",\"inbound_nodes\":[]}");
        sb.Append($"],\"input_layers\":[[\"in\",0,0]],\"output_layers\":[[\"a{layers}\",0,0]]}}}}");
        return sb.ToString();
    }

    private static class JsonText
    {
        public static readonly System.Text.Json.JsonSerializerOptions Options = new()
        {
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
        };
    }
}
