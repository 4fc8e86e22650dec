namespace DeepSharp.Text;

/// <summary>
/// A byte-pair-encoding tokenizer learned from your own texts (Sennrich et al., 2016, "Neural Machine
/// Translation of Rare Words with Subword Units"): words split on whitespace start as characters, the
/// last one marked with <see cref="EndOfWord"/>, and <see cref="Train"/> merges the most frequent
/// adjacent pair again and again until the vocabulary has the size asked for. Frequent words end up
/// as one token, rare ones as a few subwords, and no word of known characters is ever unknown.
/// Id 0 is <see cref="Unknown"/> (a character never seen in training); the ids follow
/// <see cref="Vocabulary"/>. Use it alone or inside a <see cref="TextVectorizer"/>
/// (<c>new TextVectorizer(tokenizer: t, outputSequenceLength: 128)</c>), which standardizes the text first
/// (lower case, no punctuation): train on texts standardized the same way.
/// </summary>
public sealed class SubwordTokenizer : ITextTokenizer
{
    /// <summary>The suffix of a word's last symbol ("low" is "l", "o", "w&lt;/w&gt;" before any merge).</summary>
    public const string EndOfWord = "</w>";
    /// <summary>The token of id 0: a character the tokenizer never saw.</summary>
    public const string Unknown = "[UNK]";

    private readonly string[] _vocabulary;
    private readonly Dictionary<string, int> _ids;
    private readonly Dictionary<(int, int), (int Rank, int Id)> _merges = [];
    private readonly Dictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly Lock _cacheLock = new();

    /// <summary>Words longer than this are not cached: a stream of requests of distinct long words would otherwise fill memory.</summary>
    private const int MaxCachedWordLength = 64;

    /// <summary>A tokenizer of an alphabet and merges, as <see cref="Train"/> made them (<see cref="Alphabet"/>, <see cref="Merges"/>).</summary>
    /// <param name="alphabet">The single-character symbols, a word's last character with <see cref="EndOfWord"/> appended.</param>
    /// <param name="merges">The pairs merged, in the order they were learned; each symbol must exist before it is merged.</param>
    /// <exception cref="ArgumentException">A symbol is empty or repeated, or a merge uses a symbol that does not exist yet.</exception>
    public SubwordTokenizer(IEnumerable<string> alphabet, IEnumerable<(string Left, string Right)> merges)
    {
        ArgumentNullException.ThrowIfNull(alphabet);
        ArgumentNullException.ThrowIfNull(merges);
        var vocabulary = new List<string> { Unknown };
        _ids = new Dictionary<string, int>(StringComparer.Ordinal) { [Unknown] = 0 };
        foreach (string symbol in alphabet) Add(symbol, "alphabet");
        Alphabet = vocabulary.Skip(1).ToArray();
        var pairs = new List<(string, string)>();
        foreach (var (left, right) in merges)
        {
            if (!_ids.TryGetValue(left ?? "", out int a) || !_ids.TryGetValue(right ?? "", out int b) || a == 0 || b == 0)
                throw new ArgumentException($"Merge {pairs.Count} ('{left}', '{right}') uses a symbol that no earlier merge or the alphabet made.", nameof(merges));
            // Two merges may make the same string ("ab" + "c", "a" + "bc"): one token, one id.
            bool known = _ids.TryGetValue(left + right, out int id);
            if (!_merges.TryAdd((a, b), (pairs.Count, known ? id : vocabulary.Count)))
                throw new ArgumentException($"Merge {pairs.Count} ('{left}', '{right}') is listed twice.", nameof(merges));
            if (!known) Add(left + right, "merges");
            pairs.Add((left!, right!));
        }
        Merges = pairs;
        _vocabulary = [.. vocabulary];

        void Add(string symbol, string what)
        {
            if (string.IsNullOrEmpty(symbol) || !_ids.TryAdd(symbol, vocabulary.Count))
                throw new ArgumentException($"Symbol '{symbol}' is empty or already in the vocabulary.", what == "alphabet" ? nameof(alphabet) : nameof(merges));
            vocabulary.Add(symbol);
        }
    }

    /// <summary>Every token by id: <see cref="Unknown"/>, the alphabet, then the merges' new tokens in order.</summary>
    public IReadOnlyList<string> Vocabulary => _vocabulary;

    /// <summary>The single-character symbols learned (ids 1 to their count).</summary>
    public IReadOnlyList<string> Alphabet { get; }

    /// <summary>The merges, in the order they were learned (and are applied).</summary>
    public IReadOnlyList<(string Left, string Right)> Merges { get; }

    /// <inheritdoc/>
    public int VocabularySize => _vocabulary.Length;

    /// <summary>
    /// Learns a vocabulary of at most <paramref name="vocabularySize"/> tokens (<see cref="Unknown"/>
    /// and every character seen included) from the words of <paramref name="texts"/>. Deterministic:
    /// the same texts give the same merges (ties go to the pair of earlier-seen symbols).
    /// </summary>
    /// <param name="texts">The training texts; words are separated by whitespace.</param>
    /// <param name="vocabularySize">The most tokens to learn; merging stops there.</param>
    /// <param name="minFrequency">A pair must occur at least this often (counting repeated words) to be merged.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="vocabularySize"/> is below 2 or <paramref name="minFrequency"/> below 1.</exception>
    public static SubwordTokenizer Train(IEnumerable<string> texts, int vocabularySize, int minFrequency = 2) =>
        SubwordTrainer.Train(texts, vocabularySize, minFrequency);

    /// <summary>The ids of <paramref name="text"/>'s words, each as its subwords.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        foreach (string word in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)) ids.AddRange(EncodeWord(word));
        return ids;
    }

    /// <summary>The tokens of <paramref name="text"/> as strings (e.g. "lo", "west&lt;/w&gt;").</summary>
    public IReadOnlyList<string> Tokenize(string text) => [.. Encode(text).Select(id => _vocabulary[id])];

    /// <summary>The words of <paramref name="ids"/>, separated by single spaces; id 0 reads <see cref="Unknown"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, <see cref="VocabularySize"/>).</exception>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var text = new System.Text.StringBuilder();
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_vocabulary.Length)
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Id {id} is outside the subword vocabulary of {_vocabulary.Length} tokens.");
            string token = _vocabulary[id];
            if (token.EndsWith(EndOfWord, StringComparison.Ordinal)) text.Append(token.AsSpan(0, token.Length - EndOfWord.Length)).Append(' ');
            else text.Append(token);
        }
        return text.ToString().TrimEnd(' ');
    }

    private int[] EncodeWord(string word)
    {
        bool cached = word.Length <= MaxCachedWordLength;
        if (cached)
            lock (_cacheLock)
                if (_cache.TryGetValue(word, out var known)) return known;
        var symbols = new List<int>(word.Length);
        for (int i = 0; i < word.Length; i++)
        {
            int width = char.IsSurrogatePair(word, i) ? 2 : 1;
            string symbol = word.Substring(i, width) + (i + width == word.Length ? EndOfWord : "");
            symbols.Add(_ids.GetValueOrDefault(symbol));
            i += width - 1;
        }
        int[] ids = Merge(symbols);
        if (cached)
            lock (_cacheLock)
                if (_cache.Count < 1 << 16) _cache[word] = ids;
        return ids;
    }

    /// <summary>
    /// Merges the earliest-learned pair present, its leftmost occurrence first, until none is — in
    /// O(n log n) for n symbols: the symbols form a linked list and the pairs wait in a queue ordered by
    /// (rank, position), an entry checked when it comes out (its two symbols may have merged since).
    /// Rescanning the word after each merge (as before) was quadratic: a request of one 4 MB word of
    /// "a"s, with the merge ("a", "a") learned, took hours.
    /// </summary>
    private int[] Merge(List<int> symbols)
    {
        int n = symbols.Count;
        if (n < 2) return [.. symbols];
        var id = symbols.ToArray();
        var next = new int[n];
        var previous = new int[n];
        for (int i = 0; i < n; i++) (next[i], previous[i]) = (i + 1 < n ? i + 1 : -1, i - 1);
        var queue = new PriorityQueue<(int Left, int LeftId, int RightId), (int Rank, int Position)>();
        void Offer(int left)
        {
            int right = left < 0 ? -1 : next[left];
            if (right >= 0 && _merges.TryGetValue((id[left], id[right]), out var merge))
                queue.Enqueue((left, id[left], id[right]), (merge.Rank, left));
        }
        for (int i = 0; i + 1 < n; i++) Offer(i);
        int count = n;
        while (queue.TryDequeue(out var pair, out _))
        {
            int left = pair.Left, right = next[left];
            if (id[left] != pair.LeftId || right < 0 || id[right] != pair.RightId || id[left] < 0) continue; // merged away since
            id[left] = _merges[(pair.LeftId, pair.RightId)].Id;
            id[right] = -1;
            next[left] = next[right];
            if (next[right] >= 0) previous[next[right]] = left;
            count--;
            Offer(previous[left]);
            Offer(left);
        }
        var result = new int[count];
        for (int i = 0, k = 0; i >= 0; i = next[i]) result[k++] = id[i];
        return result;
    }
}
