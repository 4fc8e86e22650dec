using System.Text.Json;

namespace DeepSharp.Serving;

/// <summary>
/// A predict request for a text model: <c>{"text": "..."}</c> or <c>{"texts": ["...", ...]}</c>, and for
/// a character model the sampling of its continuation: <c>"max_length"</c> (characters to add, at most
/// the positions the model sees), <c>"temperature"</c> (0: always the likeliest character; at most
/// <see cref="MaxTemperature"/>; default 1), <c>"top_k"</c>, <c>"seed"</c>. Every text is at most <see cref="MaxTextLength"/> characters.
/// </summary>
internal sealed record TextRequest(IReadOnlyList<string> Texts, int? MaxLength, float Temperature, int? TopK, long? Seed)
{
    /// <summary>The longest text a request may hold, in UTF-16 code units.</summary>
    public const int MaxTextLength = 100_000;
    /// <summary>The highest sampling temperature a request may ask for.</summary>
    public const float MaxTemperature = 10f;
    private const int MaxDepth = 4;

    /// <summary>Whether a JSON body's top-level object names "text" or "texts" (and so is a text request).</summary>
    public static bool IsText(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("texts"u8)) return true;
                reader.Read();
                reader.Skip();
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException) // InvalidOperationException: a key that is not valid Unicode ("\ud800")
        {
            // Not valid JSON: the inputs parser says where.
        }
        return false;
    }

    /// <summary>The request in <paramref name="body"/>; throws <see cref="BadRequestException"/> (400, or 413 past the limits) saying what is wrong.</summary>
    public static TextRequest Parse(ReadOnlySpan<byte> body, int maxTexts)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxDepth });
        var texts = new List<string>();
        int? maxLength = null, topK = null;
        float temperature = 1f;
        long? seed = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw Bad("the body must be a JSON object {\"text\": \"...\"}");
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                string key = reader.GetString()!;
                reader.Read();
                switch (key)
                {
                    case "text":
                        texts.Add(Text(ref reader, "\"text\""));
                        break;
                    case "texts":
                        if (reader.TokenType != JsonTokenType.StartArray) throw Bad("\"texts\" must be an array of strings");
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            if (texts.Count == maxTexts) throw new BadRequestException(413, $"more than {maxTexts} texts in one request; send at most {maxTexts}");
                            texts.Add(Text(ref reader, $"text {texts.Count}"));
                        }
                        break;
                    case "max_length":
                        maxLength = Integer(ref reader, key, 1, int.MaxValue);
                        break;
                    case "top_k":
                        topK = Integer(ref reader, key, 1, int.MaxValue);
                        break;
                    case "seed":
                        seed = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long s) ? s : throw Bad("\"seed\" must be an integer");
                        break;
                    case "temperature":
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out double t) || !(t >= 0) || t > MaxTemperature)
                            throw Bad($"\"temperature\" must be a number from 0 (always the likeliest character) to {MaxTemperature}");
                        temperature = (float)t;
                        break;
                    default:
                        throw Bad($"unknown key '{Shorten(key)}'; a text request is {{\"text\": \"...\"}} or {{\"texts\": [...]}}, with max_length, temperature, top_k and seed for a character model");
                }
            }
            if (reader.Read()) throw Bad("the body holds more than one JSON value");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException) // InvalidOperationException: a string that is not valid UTF-8
        {
            throw Bad($"the body is not valid JSON: {e.Message.Split('\n')[0]}");
        }
        if (texts.Count == 0) throw Bad("no text: give \"text\": \"...\" or a non-empty \"texts\" array");
        if (texts.Count > maxTexts) throw new BadRequestException(413, $"more than {maxTexts} texts in one request; send at most {maxTexts}");
        return new TextRequest(texts, maxLength, temperature, topK, seed);
    }

    private static string Text(ref Utf8JsonReader reader, string what)
    {
        if (reader.TokenType != JsonTokenType.String) throw Bad($"{what} must be a string");
        string text = reader.GetString()!;
        return text.Length <= MaxTextLength ? text
            : throw new BadRequestException(413, $"{what} has {text.Length} characters; at most {MaxTextLength}");
    }

    private static int Integer(ref Utf8JsonReader reader, string key, int min, int max) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int n) && n >= min && n <= max ? n
        : throw Bad($"\"{key}\" must be an integer from {min}");

    private static string Shorten(string s) => s.Length <= 20 ? s : s[..20] + "...";

    private static BadRequestException Bad(string message) => new(400, message);
}
