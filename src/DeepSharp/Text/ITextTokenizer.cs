namespace DeepSharp.Text;

/// <summary>Turns text into token ids and back: a character vocabulary or a BPE tokenizer.</summary>
public interface ITextTokenizer
{
    /// <summary>Number of distinct ids (the size of an Embedding's input dimension).</summary>
    int VocabularySize { get; }

    /// <summary>The ids of <paramref name="text"/>.</summary>
    IReadOnlyList<int> Encode(string text);

    /// <summary>The text of <paramref name="ids"/>; ids this tokenizer reserves for padding are skipped.</summary>
    string Decode(IEnumerable<int> ids);
}
