using System.Text;

namespace DeepSharp.Text;

/// <summary>
/// WordPiece subwords, as BERT cuts text: words are split at whitespace and punctuation (each
/// punctuation or symbol character its own word), then each word is cut greedily into the longest
/// pieces of the vocabulary from its start, a piece inside a word written with the prefix "##"
/// ("playing" → "play", "##ing"); a word that cannot be cut, or longer than
/// <see cref="MaxCharactersPerWord"/>, is "[UNK]" (id 0). <see cref="Train"/> learns a vocabulary from
/// texts by merging the most frequent adjacent pair of pieces (the way Hugging Face's WordPiece trainer
/// does), so a model with a subword vocabulary of its own needs no download. Keep it in a model file
/// through a <see cref="TextVectorizer"/> (<c>new TextVectorizer(tokenizer: wordPiece)</c>, <c>Model.TextVectorizer</c>).
/// </summary>
public sealed class WordPieceTokenizer : ITextTokenizer
{
    /// <summary>The token of id 0: a word that the pieces cannot spell.</summary>
    public const string UnknownToken = "[UNK]";

    /// <summary>The prefix of a piece that continues a word.</summary>
    public const string ContinuationPrefix = "##";

    /// <summary>The longest word <see cref="MaxCharactersPerWord"/> may allow.</summary>
    public const int MaxWordLimit = 1000;

    private readonly string[] _pieces;
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<long, int> _children = []; // trie edges: (node, character) → node
    private readonly List<int> _pieceAt = [-1, -1];           // per node: the piece it spells, or −1; nodes 0 and 1 are the roots

    /// <summary>A tokenizer over <paramref name="pieces"/>, in id order from id 1 (id 0 is "[UNK]"; a list that starts with "[UNK]", as <see cref="Pieces"/> returns it, is taken as it is).</summary>
    /// <param name="pieces">Word starts ("play") and continuations ("##ing"); no whitespace, none empty, "##" alone or repeated.</param>
    /// <param name="maxCharactersPerWord">Longer words are "[UNK]" without being cut (BERT: 100); 1 to <see cref="MaxWordLimit"/>.</param>
    /// <exception cref="ArgumentException">A piece is empty, "##", "[UNK]", holds whitespace or is repeated.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxCharactersPerWord"/> is outside 1 to <see cref="MaxWordLimit"/>.</exception>
    public WordPieceTokenizer(IEnumerable<string> pieces, int maxCharactersPerWord = 100)
    {
        ArgumentNullException.ThrowIfNull(pieces);
        if (maxCharactersPerWord is < 1 or > MaxWordLimit)
            throw new ArgumentOutOfRangeException(nameof(maxCharactersPerWord), maxCharactersPerWord, $"maxCharactersPerWord must be from 1 to {MaxWordLimit}.");
        MaxCharactersPerWord = maxCharactersPerWord;
        var list = new List<string> { UnknownToken };
        var given = pieces as IReadOnlyList<string> ?? pieces.ToList();
        foreach (var piece in given.Count > 0 && given[0] == UnknownToken ? given.Skip(1) : given)
        {
            if (string.IsNullOrEmpty(piece) || piece == ContinuationPrefix || piece == UnknownToken || piece.Any(char.IsWhiteSpace) || !_ids.TryAdd(piece, list.Count))
                throw new ArgumentException($"WordPiece piece {list.Count} ('{Clip(piece)}') is empty, \"##\", \"[UNK]\", holds whitespace or is repeated.", nameof(pieces));
            list.Add(piece);
        }
        _pieces = [.. list];
        for (int id = 1; id < _pieces.Length; id++)
        {
            string piece = _pieces[id];
            bool continuation = piece.StartsWith(ContinuationPrefix, StringComparison.Ordinal);
            int from = continuation ? ContinuationPrefix.Length : 0;
            if (piece.Length - from > maxCharactersPerWord) continue; // longer than any word it could match
            int node = continuation ? 1 : 0;
            for (int i = from; i < piece.Length; i++)
            {
                long edge = Edge(node, piece[i]);
                if (!_children.TryGetValue(edge, out int child))
                {
                    if (_pieceAt.Count >= MaxTrieNodes)
                        throw new ArgumentException($"WordPiece pieces up to {maxCharactersPerWord} characters have over {MaxTrieNodes:N0} distinct prefixes; a vocabulary has far fewer.", nameof(pieces));
                    _children[edge] = child = _pieceAt.Count;
                    _pieceAt.Add(-1);
                }
                node = child;
            }
            _pieceAt[node] = id;
        }
    }

    /// <summary>The most distinct prefixes (trie nodes) the pieces may have: BERT's multilingual vocabulary has under a million.</summary>
    public const int MaxTrieNodes = 1 << 21;

    private static long Edge(int node, char c) => ((long)node << 16) | c;

    /// <summary>The pieces by id, "[UNK]" first.</summary>
    public IReadOnlyList<string> Pieces => _pieces;

    /// <summary>Ids in use, "[UNK]" included.</summary>
    public int VocabularySize => _pieces.Length;

    /// <summary>Words longer than this many UTF-16 code units are "[UNK]".</summary>
    public int MaxCharactersPerWord { get; }

    /// <summary>
    /// Learns pieces from <paramref name="texts"/>: every character of the words (as a word start, or
    /// "##" and the character inside a word), then merges of the most frequent adjacent pair (counted over
    /// every word, ties broken by the merged piece in ordinal order) until <paramref name="vocabularySize"/>
    /// ids ("[UNK]" included) or no pair occurs <paramref name="minFrequency"/> times. Deterministic. Words holding a
    /// surrogate pair (emoji and other characters outside the BMP) are not learned: they read as "[UNK]".
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="vocabularySize"/> is below 2 or <paramref name="minFrequency"/> below 1.</exception>
    public static WordPieceTokenizer Train(IEnumerable<string> texts, int vocabularySize, int minFrequency = 2, int maxCharactersPerWord = 100)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabularySize, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(minFrequency, 1);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var text in texts)
            foreach (var word in Words(text ?? throw new ArgumentException("A text is null.", nameof(texts))))
                // Pieces are cut at UTF-16 units: a word with a surrogate pair (an emoji) would give half-characters, which
                // no model file can keep, so such words are left out (they read as [UNK]).
                if (word.Length <= maxCharactersPerWord && !word.Any(char.IsSurrogate)) counts[word] = counts.GetValueOrDefault(word) + 1;
        return new WordPieceTokenizer(WordPieceTrainer.Pieces(counts, vocabularySize, minFrequency), maxCharactersPerWord);
    }

    /// <summary>The ids of <paramref name="text"/>: the pieces of each word in turn, 0 for a word that cannot be cut.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        foreach (var word in Words(text)) Cut(word, ids);
        return ids;
    }

    /// <summary>The text of <paramref name="ids"/>: words separated by a space, "##" pieces joined to the piece before.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, <see cref="VocabularySize"/>).</exception>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var text = new StringBuilder();
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_pieces.Length)
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Id {id} is outside the WordPiece vocabulary of {_pieces.Length} pieces.");
            string piece = _pieces[id];
            if (piece.StartsWith(ContinuationPrefix, StringComparison.Ordinal) && text.Length > 0) text.Append(piece, 2, piece.Length - 2);
            else
            {
                if (text.Length > 0) text.Append(' ');
                text.Append(piece);
            }
        }
        return text.ToString();
    }

    /// <summary>Appends the pieces of one word (longest match first), or "[UNK]" when some part of it matches no piece.</summary>
    private void Cut(string word, List<int> ids)
    {
        if (word.Length > MaxCharactersPerWord)
        {
            ids.Add(0);
            return;
        }
        int first = ids.Count;
        for (int start = 0; start < word.Length;)
        {
            // The longest piece that starts here: one walk down the trie (root 0: word-initial pieces,
            // root 1: "##" pieces), at most one step per character. Looking each candidate length up
            // as a string cost the sum of the lengths per start, cubic in a word's length: with pieces of
            // every length to 1,000, one word of 1,000 characters hashed 1.7 × 10⁸ of them.
            int found = -1, end = start, node = start == 0 ? 0 : 1;
            for (int i = start; i < word.Length && _children.TryGetValue(Edge(node, word[i]), out node); i++)
                if (_pieceAt[node] >= 0) (found, end) = (_pieceAt[node], i + 1);
            if (found < 0)
            {
                ids.RemoveRange(first, ids.Count - first);
                ids.Add(0);
                return;
            }
            ids.Add(found);
            start = end;
        }
    }

    /// <summary>BERT's basic split: runs of non-whitespace, each punctuation or symbol character a word of its own.</summary>
    internal static IEnumerable<string> Words(string text)
    {
        int start = -1;
        for (int i = 0; i <= text.Length; i++)
        {
            char c = i < text.Length ? text[i] : ' ';
            bool separate = char.IsPunctuation(c) || char.IsSymbol(c);
            if (char.IsWhiteSpace(c) || separate)
            {
                if (start >= 0) yield return text[start..i];
                start = -1;
                if (separate) yield return c.ToString();
            }
            else if (start < 0) start = i;
        }
    }

    private static string Clip(string? text) => text is null ? "null" : text.Length <= 32 ? text : text[..32] + "...";
}
