using System.Text;
using System.Text.Json;

namespace DeepSharp.Text;

/// <summary>
/// The JSON form of a <see cref="TextVectorizer"/> kept in a model file (Keras's TextVectorization
/// config names): <c>{"max_tokens": 20000, "output_sequence_length": 200, "standardize":
/// "lower_and_strip_punctuation", "split": "whitespace", "vocabulary": ["the", "a", ...]}</c>; the
/// vocabulary lists the tokens from id 2 on (padding and "[UNK]" are implied). A vectorizer with a
/// subword tokenizer keeps it instead of a vocabulary: <c>"tokenizer": {"type": "wordpiece",
/// "max_characters_per_word": 100, "pieces": ["[UNK]" implied; "the", "##s", ...]}</c> (the pieces from
/// id 1 on), <c>{"type": "bpe", "encoding": "gpt2" | "cl100k_base"}</c> (the data ships with the
/// library), or a BPE trained on your texts (<see cref="SubwordTokenizer"/>): <c>{"type": "subword_bpe",
/// "alphabet": ["a", "b&lt;/w&gt;", ...], "merges": [["l", "o"], ...]}</c> ("[UNK]" implied as id 0). Read back with bounds: at most <see cref="MaxVocabulary"/> tokens or pieces of at most
/// <see cref="MaxTokenLength"/> characters each. A vectorizer of another output mode adds <c>"output_mode": "multi_hot" |
/// "count" | "tf_idf"</c>, and "tf_idf" its <c>"idf_weights"</c>: one finite number ≥ 0 for "[UNK]", then one per token;
/// <c>"pad_to_max_tokens": true</c> when its vectors are <c>max_tokens</c> wide (false when absent).
/// </summary>
internal static class TextVectorizerJson
{
    /// <summary>The most vocabulary tokens a file may give.</summary>
    public const int MaxVocabulary = 500_000;
    /// <summary>The longest token a file may give, in UTF-16 code units.</summary>
    public const int MaxTokenLength = 4096;
    /// <summary>The longest sequence length a file may give.</summary>
    public const int MaxSequenceLength = 1 << 20;
    private const int MaxDepth = 5; // root, tokenizer, merges, one merge pair

    /// <summary>The vectorizer as JSON; throws when it uses a tokenizer (whose vocabulary this form does not hold).</summary>
    /// <exception cref="InvalidOperationException">The vectorizer has a tokenizer, or no vocabulary yet.</exception>
    public static string Write(TextVectorizer vectorizer)
    {
        if (vectorizer.Tokenizer is not (null or WordPieceTokenizer or BpeTokenizer or SubwordTokenizer))
            throw new InvalidOperationException($"A TextVectorizer with a tokenizer of type {vectorizer.Tokenizer.GetType().Name} cannot be kept in a model file (a WordPieceTokenizer, BpeTokenizer or SubwordTokenizer can); keep the tokenizer beside the model.");
        if (vectorizer.Tokenizer is null && vectorizer.Vocabulary.Count <= 2)
            throw new InvalidOperationException("The TextVectorizer has no vocabulary: call Adapt(texts) or SetVocabulary(tokens) before saving it with a model.");
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (vectorizer.MaxTokens is { } max) json.WriteNumber("max_tokens", max);
            else json.WriteNull("max_tokens");
            if (vectorizer.OutputSequenceLength is { } length) json.WriteNumber("output_sequence_length", length);
            else json.WriteNull("output_sequence_length");
            json.WriteString("standardize", vectorizer.StandardizeMode == Standardize.None ? "none" : "lower_and_strip_punctuation");
            json.WriteString("split", vectorizer.SplitMode == Split.Character ? "character" : "whitespace");
            if (vectorizer.OutputMode != "int") json.WriteString("output_mode", vectorizer.OutputMode);
            if (vectorizer.PadToMaxTokens) json.WriteBoolean("pad_to_max_tokens", true);
            if (vectorizer.IdfWeights is { } idf)
            {
                json.WriteStartArray("idf_weights");
                foreach (float w in idf) json.WriteNumberValue(w);
                json.WriteEndArray();
            }
            switch (vectorizer.Tokenizer)
            {
                case WordPieceTokenizer wordPiece:
                    json.WriteStartObject("tokenizer");
                    json.WriteString("type", "wordpiece");
                    json.WriteNumber("max_characters_per_word", wordPiece.MaxCharactersPerWord);
                    json.WriteStartArray("pieces");
                    for (int i = 1; i < wordPiece.Pieces.Count; i++) json.WriteStringValue(wordPiece.Pieces[i]);
                    json.WriteEndArray();
                    json.WriteEndObject();
                    break;
                case BpeTokenizer bpe:
                    json.WriteStartObject("tokenizer");
                    json.WriteString("type", "bpe");
                    json.WriteString("encoding", bpe.Name);
                    json.WriteEndObject();
                    break;
                case SubwordTokenizer subword:
                    json.WriteStartObject("tokenizer");
                    json.WriteString("type", "subword_bpe");
                    json.WriteStartArray("alphabet");
                    foreach (string symbol in subword.Alphabet) json.WriteStringValue(symbol);
                    json.WriteEndArray();
                    json.WriteStartArray("merges");
                    foreach (var (left, right) in subword.Merges)
                    {
                        json.WriteStartArray();
                        json.WriteStringValue(left);
                        json.WriteStringValue(right);
                        json.WriteEndArray();
                    }
                    json.WriteEndArray();
                    json.WriteEndObject();
                    break;
                default:
                    json.WriteStartArray("vocabulary");
                    for (int i = 2; i < vectorizer.Vocabulary.Count; i++) json.WriteStringValue(vectorizer.Vocabulary[i]);
                    json.WriteEndArray();
                    break;
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>A vectorizer from <see cref="Write"/>'s JSON.</summary>
    /// <exception cref="DataFormatException">The JSON is not such a vectorizer, or passes a bound; the message begins with <paramref name="what"/>.</exception>
    public static TextVectorizer Read(string text, string what)
    {
        var utf8 = JsonLimits.Check(text, MaxDepth, what);
        try
        {
            using var document = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = MaxDepth });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException($"expected a JSON object, found {root.ValueKind}");
            foreach (var property in root.EnumerateObject())
                if (property.Name is not ("max_tokens" or "output_sequence_length" or "standardize" or "split" or "vocabulary" or "tokenizer" or "output_mode" or "idf_weights" or "pad_to_max_tokens"))
                    throw new FormatException($"unknown key '{Clip(property.Name)}'");
            string mode = root.TryGetProperty("output_mode", out _) ? Text(root, "output_mode") : "int";
            if (mode is not ("int" or "multi_hot" or "count" or "tf_idf")) throw new FormatException($"'output_mode' is '{Clip(mode)}'; expected 'int', 'multi_hot', 'count' or 'tf_idf'");
            int? maxTokens = OptionalInt(root, "max_tokens", mode == "int" ? 3 : 2, MaxVocabulary + 2);
            int? length = OptionalInt(root, "output_sequence_length", 1, MaxSequenceLength);
            bool pad = root.TryGetProperty("pad_to_max_tokens", out var padding) && padding.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                var other => throw new FormatException($"'pad_to_max_tokens' is {other}, expected true or false"),
            };
            var standardize = Text(root, "standardize") switch
            {
                "none" => Standardize.None,
                "lower_and_strip_punctuation" => Standardize.LowerAndStripPunctuation,
                var other => throw new FormatException($"'standardize' is '{Clip(other)}'; expected 'none' or 'lower_and_strip_punctuation'"),
            };
            var split = Text(root, "split") switch
            {
                "whitespace" => Split.Whitespace,
                "character" => Split.Character,
                var other => throw new FormatException($"'split' is '{Clip(other)}'; expected 'whitespace' or 'character'"),
            };
            if (root.TryGetProperty("tokenizer", out var tokenizer))
            {
                if (root.TryGetProperty("vocabulary", out _)) throw new FormatException("it has both a 'tokenizer' and a 'vocabulary'; a vectorizer with a tokenizer takes its ids from the tokenizer");
                return new TextVectorizer(maxTokens, length, standardize, split, ReadTokenizer(tokenizer), mode, pad);
            }
            var tokens = Strings(root.GetProperty("vocabulary"), "'vocabulary'", "vocabulary token", 2);
            var vectorizer = new TextVectorizer(maxTokens, length, standardize, split, outputMode: mode, padToMaxTokens: pad);
            if (!root.TryGetProperty("idf_weights", out var idf)) return vectorizer.SetVocabulary(tokens);
            return vectorizer.SetVocabulary(["[UNK]", .. tokens], Weights(idf, tokens.Length + 1));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new DataFormatException($"{what} is not a text vectorizer ({e.Message})", e);
        }
    }

    /// <summary>The tokenizer of <c>"tokenizer": {"type": ...}</c>.</summary>
    private static ITextTokenizer ReadTokenizer(JsonElement tokenizer)
    {
        if (tokenizer.ValueKind != JsonValueKind.Object) throw new FormatException($"'tokenizer' is {tokenizer.ValueKind}, expected an object");
        string type = Text(tokenizer, "type");
        string[] keys = type switch
        {
            "wordpiece" => ["type", "max_characters_per_word", "pieces"],
            "bpe" => ["type", "encoding"],
            "subword_bpe" => ["type", "alphabet", "merges"],
            _ => throw new FormatException($"the tokenizer's 'type' is '{Clip(type)}'; expected 'wordpiece', 'bpe' or 'subword_bpe'"),
        };
        foreach (var property in tokenizer.EnumerateObject())
            if (Array.IndexOf(keys, property.Name) < 0) throw new FormatException($"unknown key '{Clip(property.Name)}' in the {type} tokenizer");
        if (type == "bpe")
        {
            return Text(tokenizer, "encoding") switch
            {
                "gpt2" => BpeTokenizer.Gpt2(),
                "cl100k_base" => BpeTokenizer.Cl100kBase(),
                var other => throw new FormatException($"the BPE 'encoding' is '{Clip(other)}'; expected 'gpt2' or 'cl100k_base'"),
            };
        }
        if (type == "subword_bpe")
        {
            var alphabet = Strings(tokenizer.GetProperty("alphabet"), "the tokenizer's 'alphabet'", "alphabet symbol", 1);
            var merges = tokenizer.GetProperty("merges");
            if (merges.ValueKind != JsonValueKind.Array) throw new FormatException($"the tokenizer's 'merges' is {merges.ValueKind}, expected an array of pairs");
            if (merges.GetArrayLength() > MaxVocabulary) throw new FormatException($"the tokenizer's 'merges' holds {merges.GetArrayLength()} pairs; at most {MaxVocabulary}");
            var pairs = new List<(string, string)>(merges.GetArrayLength());
            foreach (var pair in merges.EnumerateArray())
            {
                var sides = Strings(pair, $"merge {pairs.Count}", $"merge {pairs.Count} side", 0);
                if (sides.Length != 2) throw new FormatException($"merge {pairs.Count} holds {sides.Length} strings, expected 2");
                pairs.Add((sides[0], sides[1]));
            }
            return new SubwordTokenizer(alphabet, pairs); // ArgumentException for an inconsistent list: reported as not a vectorizer
        }
        int maxCharacters = OptionalInt(tokenizer, "max_characters_per_word", 1, WordPieceTokenizer.MaxWordLimit)
            ?? throw new FormatException($"the wordpiece tokenizer needs 'max_characters_per_word' (1 to {WordPieceTokenizer.MaxWordLimit})");
        var pieces = Strings(tokenizer.GetProperty("pieces"), "the tokenizer's 'pieces'", "WordPiece piece", 1);
        return new WordPieceTokenizer(pieces, maxCharacters);
    }

    /// <summary>A non-empty array of at most <see cref="MaxVocabulary"/> strings of at most <see cref="MaxTokenLength"/> characters; entry i is named "<paramref name="entry"/> (i + <paramref name="firstId"/>)".</summary>
    private static string[] Strings(JsonElement array, string what, string entry, int firstId)
    {
        if (array.ValueKind != JsonValueKind.Array) throw new FormatException($"{what} is {array.ValueKind}, expected an array of strings");
        int count = array.GetArrayLength();
        if (count == 0 || count > MaxVocabulary) throw new FormatException($"{what} holds {count} tokens; expected 1 to {MaxVocabulary}");
        var tokens = new string[count];
        int i = 0;
        foreach (var token in array.EnumerateArray())
        {
            string value = token.ValueKind == JsonValueKind.String ? token.GetString()! : throw new FormatException($"{entry} {i + firstId} is {token.ValueKind}, expected a string");
            if (value.Length > MaxTokenLength) throw new FormatException($"{entry} {i + firstId} has {value.Length} characters; at most {MaxTokenLength}");
            tokens[i++] = value;
        }
        return tokens;
    }

    /// <summary>'idf_weights': <paramref name="count"/> numbers ("[UNK]" and the tokens), each finite and ≥ 0.</summary>
    private static float[] Weights(JsonElement array, int count)
    {
        if (array.ValueKind != JsonValueKind.Array) throw new FormatException($"'idf_weights' is {array.ValueKind}, expected an array of numbers");
        if (array.GetArrayLength() != count) throw new FormatException($"'idf_weights' holds {array.GetArrayLength()} weights; expected {count}, one for \"[UNK]\" and one per token");
        var weights = new float[count];
        int i = 0;
        foreach (var value in array.EnumerateArray())
        {
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double w)) throw new FormatException($"idf_weights[{i}] is {value.ValueKind}, expected a number");
            if (!(w >= 0 && w <= float.MaxValue)) throw new FormatException($"idf_weights[{i}] is {Clip(value.GetRawText())}; weights must be finite numbers ≥ 0");
            weights[i++] = (float)w;
        }
        return weights;
    }

    private static int? OptionalInt(JsonElement root, string name, int min, int max)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int n) || n < min || n > max)
            throw new FormatException($"'{name}' is {Clip(value.GetRawText())}; expected null or an integer from {min} to {max}");
        return n;
    }

    private static string Text(JsonElement root, string name)
    {
        var value = root.GetProperty(name);
        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new FormatException($"'{name}' is {value.ValueKind}, expected a string");
    }

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
