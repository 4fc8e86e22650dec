using System.Text;
using System.Text.Json;

namespace DeepSharp;

/// <summary>
/// Checks JSON text from a file before a document or node tree is built from it. A tree costs tens of
/// bytes per JSON value (System.Text.Json's document keeps 12 bytes per value, a JsonNode about 50-100
/// once touched), and a value can cost as little as two bytes of text ("0,"), so a tree of an unchecked
/// text could need 50 times the text's size. The check caps the values, so a tree stays within a few
/// tens of megabytes whatever the text's size, and it rejects strings that are not valid Unicode once
/// their escapes are read (a lone surrogate such as "\ud800", which System.Text.Json reports as an
/// InvalidOperationException only when the string is read, wherever that happens).
/// </summary>
internal static class JsonLimits
{
    /// <summary>The most JSON values (objects, arrays, strings, numbers, literals) one text may hold: 100 per layer of a model of 10,000 layers (ModelConfig.MaxLayers).</summary>
    public const int MaxValues = 1_000_000;

    /// <summary>
    /// The text as UTF-8, once it is one JSON value nested at most <paramref name="maxDepth"/> deep, with at
    /// most <see cref="MaxValues"/> values and only valid strings; otherwise a <see cref="DataFormatException"/>
    /// whose message begins with <paramref name="what"/> ("Model file 'm.safetensors': the model config").
    /// </summary>
    public static byte[] Check(string json, int maxDepth, string what)
    {
        var utf8 = Encoding.UTF8.GetBytes(json);
        Check(utf8, maxDepth, what);
        return utf8;
    }

    /// <inheritdoc cref="Check(string, int, string)"/>
    public static void Check(ReadOnlySpan<byte> utf8, int maxDepth, string what)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = maxDepth });
        int values = 0;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.EndObject or JsonTokenType.EndArray or JsonTokenType.Comment:
                        break;
                    case JsonTokenType.PropertyName:
                        CheckString(ref reader, what);
                        break;
                    default:
                        if (++values > MaxValues)
                            throw new DataFormatException($"{what} holds more than {MaxValues} JSON values; DeepSharp reads at most {MaxValues}.");
                        if (reader.TokenType == JsonTokenType.String) CheckString(ref reader, what);
                        break;
                }
            }
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"{what} is not valid JSON ({e.Message}).", e);
        }
    }

    private static void CheckString(ref Utf8JsonReader reader, string what)
    {
        if (reader.ValueIsEscaped && !HasValidEscapes(reader.ValueSpan))
            throw new DataFormatException($"{what} holds a string that is not valid Unicode once its escapes are read (a lone surrogate such as \"\\ud800\").");
    }

    /// <summary>
    /// Whether the escapes of a JSON string token's text (as <see cref="Utf8JsonReader.ValueSpan"/> holds it,
    /// its syntax already checked by the reader) give valid UTF-16: each \uD800-\uDBFF escape followed by a
    /// \uDC00-\uDFFF one, no other surrogate escape. Unescaped text is UTF-8, which holds no surrogates.
    /// System.Text.Json would throw InvalidOperationException when reading or even comparing such a string.
    /// </summary>
    public static bool HasValidEscapes(ReadOnlySpan<byte> raw)
    {
        bool expectLow = false;
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] != (byte)'\\' || raw[i + 1] != (byte)'u')
            {
                if (expectLow) return false;
                if (raw[i] == (byte)'\\') i++; // a one-letter escape such as \n or \"
                continue;
            }
            int code = 0;
            for (int k = i + 2; k < i + 6; k++) code = code * 16 + HexValue(raw[k]);
            i += 5;
            bool high = code is >= 0xD800 and <= 0xDBFF, low = code is >= 0xDC00 and <= 0xDFFF;
            if (expectLow != low) return false;
            expectLow = high;
        }
        return !expectLow;
    }

    private static int HexValue(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
