using System.Text;
using System.Text.Json;

namespace DeepSharp.Text;

/// <summary>
/// A character vocabulary, laid out as Keras's TextVectorization: id 0 is padding (""), id 1 the
/// out-of-vocabulary token ("[UNK]"), then any special tokens, then the characters in ordinal order.
/// Characters are UTF-16 code units; a one-character special token (e.g. "." as an end marker)
/// is also the id of that character.
/// </summary>
public sealed class CharVocabulary : ITextTokenizer
{
    /// <summary>Id 0: padding, as Embedding(maskZero: true) and ignoreClass: 0 expect; decodes to nothing.</summary>
    public const int PaddingId = 0;
    /// <summary>Id 1: any character not in the vocabulary ("[UNK]").</summary>
    public const int UnknownId = 1;

    private readonly Dictionary<char, int> _ids = [];
    private readonly string[] _tokens;

    private CharVocabulary(IReadOnlyList<string> specials, IEnumerable<char> characters)
    {
        var tokens = new List<string> { "", "[UNK]" };
        var seen = new HashSet<string>(tokens, StringComparer.Ordinal); // a list's Contains made a file of 10^6 specials take hours
        foreach (var special in specials)
        {
            if (string.IsNullOrEmpty(special) || !seen.Add(special))
                throw new ArgumentException($"Special token '{special}' is empty or repeated.", nameof(specials));
            if (special.Length == 1) _ids[special[0]] = tokens.Count; // a one-character special also encodes that character
            tokens.Add(special);
        }
        SpecialIds = specials.Select((s, i) => (s, i + 2)).ToDictionary(p => p.s, p => p.Item2);
        foreach (char c in characters.Distinct().Order())
        {
            if (_ids.ContainsKey(c)) continue;
            _ids[c] = tokens.Count;
            tokens.Add(c.ToString());
        }
        _tokens = [.. tokens];
    }

    /// <summary>The vocabulary of every character in <paramref name="texts"/>, after the given special tokens.</summary>
    public static CharVocabulary Build(IEnumerable<string> texts, params string[] specials)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return new CharVocabulary(specials, texts.SelectMany(t => t));
    }

    /// <summary>Padding, "[UNK]", the specials and the characters: the input dimension of an Embedding over these ids.</summary>
    public int VocabularySize => _tokens.Length;

    /// <summary>Ids of the special tokens, by token.</summary>
    public IReadOnlyDictionary<string, int> SpecialIds { get; }

    /// <summary>The token of each id: "", "[UNK]", the specials, then one character each.</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>The id of <paramref name="c"/>, or <see cref="UnknownId"/>.</summary>
    public int IdOf(char c) => _ids.TryGetValue(c, out int id) ? id : UnknownId;

    /// <summary>One id per UTF-16 code unit of <paramref name="text"/>; characters not in the vocabulary get <see cref="UnknownId"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new int[text.Length];
        for (int i = 0; i < text.Length; i++) ids[i] = IdOf(text[i]);
        return ids;
    }

    /// <summary>The tokens of <paramref name="ids"/> joined without separators; padding ids are skipped, 1 gives "[UNK]".</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, <see cref="VocabularySize"/>).</exception>
    public string Decode(IEnumerable<int> ids)
    {
        var text = new StringBuilder();
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_tokens.Length)
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Id {id} is outside the vocabulary of {_tokens.Length} tokens.");
            if (id != PaddingId) text.Append(_tokens[id]);
        }
        return text.ToString();
    }

    /// <summary>
    /// A <see cref="TextVectorizer"/> that gives the same ids (character split, no standardization,
    /// this vocabulary), e.g. to keep in a model file through <c>Model.TextVectorizer</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">A special token is longer than one character (a character split cannot give it).</exception>
    public TextVectorizer ToTextVectorizer(int? outputSequenceLength = null) =>
        SpecialIds.Keys.FirstOrDefault(s => s.Length > 1) is { } special
            ? throw new InvalidOperationException($"Special token '{special}' is longer than one character; a TextVectorizer splitting characters cannot give its id.")
            : new TextVectorizer(outputSequenceLength: outputSequenceLength, standardize: Standardize.None, split: Split.Character).SetVocabulary(_tokens.Skip(2));

    /// <summary>The vocabulary as JSON (specials and characters), for model files.</summary>
    public string ToJson() => JsonSerializer.Serialize(new CharVocabularyJson(SpecialIds.OrderBy(p => p.Value).Select(p => p.Key).ToArray(), new string(_ids.Where(p => p.Value >= 2 + SpecialIds.Count).Select(p => p.Key).Order().ToArray())), CharVocabularyJsonContext.Default.CharVocabularyJson);

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/>, atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson());

    /// <summary>The largest vocabulary file <see cref="Load"/> reads: every UTF-16 code unit, escaped, takes under 1 MB.</summary>
    public const long MaxFileBytes = 16 << 20;

    /// <summary>A vocabulary written by <see cref="Save"/>.</summary>
    /// <exception cref="DataFormatException">The file is not a character vocabulary, or is over <see cref="MaxFileBytes"/>.</exception>
    /// <exception cref="FileAccessException">The file does not exist or cannot be read.</exception>
    public static CharVocabulary Load(string path) => FromJson(InputFile.ReadText(path, MaxFileBytes, "Vocabulary file"), path);

    private const int MaxDepth = 4;

    /// <summary>A vocabulary from <see cref="ToJson"/>.</summary>
    /// <exception cref="DataFormatException">The JSON is not a character vocabulary.</exception>
    public static CharVocabulary FromJson(string json, string source = "vocabulary")
    {
        try
        {
            var utf8 = JsonLimits.Check(json, MaxDepth, $"{source}: the vocabulary");
            using var document = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = MaxDepth });
            var root = document.RootElement;
            var specials = root.GetProperty("specials").EnumerateArray().Select(e => e.GetString() ?? throw new FormatException("null special token")).ToArray();
            var characters = root.GetProperty("characters").GetString() ?? throw new FormatException("null characters");
            return new CharVocabulary(specials, characters);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new DataFormatException($"{source}: not a character vocabulary ({e.Message}).", e);
        }
    }
}
