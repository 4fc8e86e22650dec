using Microsoft.ML.Tokenizers;

namespace DeepSharp.Text;

/// <summary>
/// Byte-pair encoding through Microsoft.ML.Tokenizers with the data of its packages:
/// GPT-2's (50,257 ids) or cl100k_base (GPT-3.5/4's, 100,277 ids with specials). Data-only: the
/// vocabularies ship as NuGet data packages, nothing is downloaded at run time.
/// </summary>
public sealed class BpeTokenizer : ITextTokenizer
{
    private readonly TiktokenTokenizer _tokenizer;

    private BpeTokenizer(string name, TiktokenTokenizer tokenizer)
    {
        (Name, _tokenizer) = (name, tokenizer);
        // Both encodings number their special tokens after every mergeable token (GPT-2's
        // <|endoftext|> is 50256, cl100k's <|endofprompt|> 100276), and the package exposes only those.
        int max = -1;
        foreach (var id in tokenizer.SpecialTokens?.Values ?? []) max = Math.Max(max, id);
        if (max < 0) throw new InvalidOperationException($"BPE encoding '{name}' has no special tokens to size its vocabulary by.");
        VocabularySize = max + 1;
    }

    /// <summary>GPT-2's byte-level BPE.</summary>
    public static BpeTokenizer Gpt2() => new("gpt2", TiktokenTokenizer.CreateForModel("gpt2"));

    /// <summary>The cl100k_base encoding.</summary>
    public static BpeTokenizer Cl100kBase() => new("cl100k_base", TiktokenTokenizer.CreateForEncoding("cl100k_base"));

    /// <summary>"gpt2" or "cl100k_base".</summary>
    public string Name { get; }

    /// <summary>Every id the encoding can produce, its special tokens included: 50,257 for GPT-2, 100,277 for cl100k_base.</summary>
    public int VocabularySize { get; }

    /// <summary>The BPE ids of <paramref name="text"/>, as the OpenAI encoding numbers them (no padding, no shift).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _tokenizer.EncodeToIds(text);
    }

    /// <summary>Turns ids from <see cref="Encode"/> or from a model's samples back into text; <c>Decode(Encode(s))</c> is s.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, <see cref="VocabularySize"/>).</exception>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var list = ids as IReadOnlyList<int> ?? ids.ToArray();
        foreach (int id in list)
            if ((uint)id >= (uint)VocabularySize)
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Id {id} is outside {Name}'s vocabulary of {VocabularySize} ids.");
        return _tokenizer.Decode(list);
    }
}
