using System.Text;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Text;
using DeepSharp.Training;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Security;

/// <summary>
/// A model file keeps its <see cref="TextVectorizer"/> (metadata "text_vectorizer"): it comes back from
/// Model.Load giving the same ids, and a hostile or mismatched one is refused with a DataFormatException
/// naming the file, hand-made cases and mutated ones alike.
/// </summary>
public sealed class TextVectorizerFileTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static readonly string[] s_texts = ["The cat sat on the mat.", "A dog, a cat!", "the end"];

    private static Model TextModel(TextVectorizer vectorizer, int length)
    {
        var model = new Sequential(new Embedding(vectorizer.VocabularySize, 3, inputShape: [length]), new GlobalAveragePooling1D(), new Dense(1, Activation.Sigmoid));
        model.Build(new Shape(length));
        model.TextVectorizer = vectorizer;
        return model;
    }

    private byte[] SavedBytes(Model model)
    {
        string path = _folder.File("m-" + Guid.NewGuid().ToString("N") + ".safetensors");
        model.Save(path);
        return File.ReadAllBytes(path);
    }

    private Model LoadBytes(byte[] bytes)
    {
        string path = _folder.File("h-" + Guid.NewGuid().ToString("N") + ".safetensors");
        File.WriteAllBytes(path, bytes);
        try
        {
            return Model.Load(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The model file with "text_vectorizer" set to <paramref name="json"/> and no checksum, as a hostile file comes.</summary>
    private static byte[] WithVectorizer(byte[] modelFile, string json)
    {
        var file = SafetensorsFile.Parse(modelFile, "memory");
        file.Metadata[ModelFileFormat.TextVectorizerKey] = json;
        file.Metadata.Remove("checksum");
        return file.ToBytes();
    }

    [Theory]
    [InlineData(Split.Whitespace, Standardize.LowerAndStripPunctuation, 6)]
    [InlineData(Split.Character, Standardize.None, 12)]
    public void ALoadedModelVectorizesTextAsTheSavedOne(Split split, Standardize standardize, int length)
    {
        var vectorizer = new TextVectorizer(maxTokens: 20, outputSequenceLength: length, standardize: standardize, split: split).Adapt(s_texts);
        var loaded = LoadBytes(SavedBytes(TextModel(vectorizer, length))).TextVectorizer;
        Assert.NotNull(loaded);
        Assert.Equal(vectorizer.Vocabulary, loaded.Vocabulary);
        Assert.Equal((vectorizer.MaxTokens, vectorizer.OutputSequenceLength, vectorizer.StandardizeMode, vectorizer.SplitMode),
            (loaded.MaxTokens, loaded.OutputSequenceLength, loaded.StandardizeMode, loaded.SplitMode));
        string[] probe = ["the cat, the DOG", "unseen words here", ""];
        Assert.Equal(vectorizer.Vectorize(probe).ToIntArray(), loaded.Vectorize(probe).ToIntArray());
    }

    [Fact]
    public void AModelWithoutAVectorizerLoadsWithoutOne()
    {
        var model = new Sequential(new Dense(2, inputShape: [3]));
        model.Build(new Shape(3));
        Assert.Null(LoadBytes(SavedBytes(model)).TextVectorizer);
    }

    [Fact]
    public void ACharacterVocabularyKeepsItsIdsAsAVectorizer()
    {
        var vocabulary = CharVocabulary.Build(["anna", "bob", "émile"], ".");
        var vectorizer = vocabulary.ToTextVectorizer(8);
        foreach (var text in new[] { ".anna", "zoé.", "", "bob." })
            Assert.Equal(vocabulary.Encode(text), vectorizer.Ids(text));
        Assert.Equal(vocabulary.VocabularySize, vectorizer.VocabularySize);
        Assert.Throws<InvalidOperationException>(() => CharVocabulary.Build(["ab"], "<end>").ToTextVectorizer());
    }

    [Fact]
    public void SetVocabularyRefusesBadTokens()
    {
        Assert.Throws<ArgumentException>(() => new TextVectorizer().SetVocabulary(["a", "a"]));
        Assert.Throws<ArgumentException>(() => new TextVectorizer().SetVocabulary(["a", ""]));
        Assert.Throws<ArgumentException>(() => new TextVectorizer().SetVocabulary(["[UNK]"]));
        Assert.Throws<ArgumentException>(() => new TextVectorizer(maxTokens: 3).SetVocabulary(["a", "b"]));
        Assert.Equal([1, 3, 2], new TextVectorizer(split: Split.Character, standardize: Standardize.None).SetVocabulary(["x", "y"]).Ids("zyx"));
    }

    [Fact]
    public void AVectorizerWithATokenizerIsNotSavedSilently()
    {
        var vectorizer = new TextVectorizer(outputSequenceLength: 4, tokenizer: CharVocabulary.Build(["ab"]));
        var model = TextModel(vectorizer, 4);
        var e = Assert.Throws<InvalidOperationException>(() => model.Save(_folder.File("t.safetensors")));
        Assert.Contains("tokenizer", e.Message);
    }

    [Fact]
    public void AWordPieceVectorizerComesBackWithItsPieces()
    {
        var tokenizer = WordPieceTokenizer.Train(s_texts.Concat(["the cats sat down", "a dog sat"]), vocabularySize: 30, maxCharactersPerWord: 12);
        var vectorizer = new TextVectorizer(outputSequenceLength: 6, tokenizer: tokenizer);
        var loaded = LoadBytes(SavedBytes(TextModel(vectorizer, 6))).TextVectorizer;
        var pieces = Assert.IsType<WordPieceTokenizer>(loaded!.Tokenizer);
        Assert.Equal(tokenizer.Pieces, pieces.Pieces);
        Assert.Equal(12, pieces.MaxCharactersPerWord);
        string[] probe = ["the cat, the DOG", "unseen words here", "", "a supercalifragilistic cat"];
        Assert.Equal(vectorizer.Vectorize(probe).ToIntArray(), loaded.Vectorize(probe).ToIntArray());
        Assert.Equal(vectorizer.VocabularySize, loaded.VocabularySize);
    }

    [Fact]
    public void ABpeVectorizerComesBackByItsEncodingName()
    {
        var vectorizer = new TextVectorizer(outputSequenceLength: 6, standardize: Standardize.None, tokenizer: BpeTokenizer.Gpt2());
        var loaded = LoadBytes(SavedBytes(TextModel(vectorizer, 6))).TextVectorizer;
        Assert.Equal("gpt2", Assert.IsType<BpeTokenizer>(loaded!.Tokenizer).Name);
        Assert.Equal(vectorizer.Vectorize(["Hello, world of tokens"]).ToIntArray(), loaded.Vectorize(["Hello, world of tokens"]).ToIntArray());
    }

    [Fact]
    public void AWordPieceVectorizerTrainedOnEmojiIsSavedAndComesBack()
    {
        // Half of a surrogate pair is no piece a file can keep: such words are left out of training.
        var tokenizer = WordPieceTokenizer.Train(["fun 😀😀 times 😀", "fun times", "x😀y fun"], vocabularySize: 30);
        Assert.DoesNotContain(tokenizer.Pieces, p => p.Any(char.IsSurrogate));
        var vectorizer = new TextVectorizer(outputSequenceLength: 6, tokenizer: tokenizer);
        var loaded = LoadBytes(SavedBytes(TextModel(vectorizer, 6))).TextVectorizer;
        Assert.Equal(tokenizer.Pieces, Assert.IsType<WordPieceTokenizer>(loaded!.Tokenizer).Pieces);
        Assert.Equal(vectorizer.Vectorize(["fun 😀 times"]).ToIntArray(), loaded.Vectorize(["fun 😀 times"]).ToIntArray());
    }

    [Fact]
    public void ATrainedBpeVectorizerComesBackWithItsMerges()
    {
        var tokenizer = SubwordTokenizer.Train(s_texts.Concat(["the cats sat down", "a dog sat", "the lower lowest"]), vocabularySize: 30);
        var vectorizer = new TextVectorizer(outputSequenceLength: 6, tokenizer: tokenizer);
        var loaded = LoadBytes(SavedBytes(TextModel(vectorizer, 6))).TextVectorizer;
        var subwords = Assert.IsType<SubwordTokenizer>(loaded!.Tokenizer);
        Assert.Equal(tokenizer.Vocabulary, subwords.Vocabulary);
        Assert.Equal(tokenizer.Merges, subwords.Merges);
        string[] probe = ["the cat, the DOG", "unseen words here", "", "a lowest cat"];
        Assert.Equal(vectorizer.Vectorize(probe).ToIntArray(), loaded.Vectorize(probe).ToIntArray());
        Assert.Equal(vectorizer.VocabularySize, loaded.VocabularySize);
    }

    private const string Head = "{\"max_tokens\":null,\"output_sequence_length\":6,\"standardize\":\"none\",\"split\":\"whitespace\"";

    public static TheoryData<string, string> HostileTokenizers => new()
    {
        { Head + ""","tokenizer":{"type":"wordpiece","max_characters_per_word":100,"pieces":["a"]},"vocabulary":["a"]}""", "both a 'tokenizer' and a 'vocabulary'" },
        { Head + ""","tokenizer":[]}""", "expected an object" },
        { Head + ""","tokenizer":{"type":"sentencepiece"}}""", "expected 'wordpiece', 'bpe' or 'subword_bpe'" },
        { Head + ""","tokenizer":{"type":"subword_bpe","alphabet":["a","b</w>"],"merges":[["a","c"]]}}""", "uses a symbol that no earlier merge or the alphabet made" },
        { Head + ""","tokenizer":{"type":"subword_bpe","alphabet":["a","b</w>"],"merges":[["a","b</w>","a"]]}}""", "merge 0 holds 3 strings" },
        { Head + ""","tokenizer":{"type":"subword_bpe","alphabet":["a","b</w>"],"merges":"ab"}}""", "expected an array of pairs" },
        { Head + ""","tokenizer":{"type":"subword_bpe","alphabet":["a","a"],"merges":[]}}""", "already in the vocabulary" },
        { Head + ""","tokenizer":{"type":"subword_bpe","alphabet":["a"],"merges":[[1,"a"]]}}""", "merge 0 side 0 is Number" },
        { Head + ""","tokenizer":{"type":"subword_bpe","merges":[]}}""", "not a text vectorizer" },
        { Head + ""","tokenizer":{"type":1}}""", "'type'" },
        { Head + ""","tokenizer":{"type":"bpe","encoding":"o200k"}}""", "expected 'gpt2' or 'cl100k_base'" },
        { Head + ""","tokenizer":{"type":"bpe","encoding":"gpt2","pieces":["a"]}}""", "unknown key 'pieces' in the bpe tokenizer" },
        { Head + ""","tokenizer":{"type":"bpe","encoding":"gpt2"}}""", "takes ids below" },
        { Head + ""","tokenizer":{"type":"wordpiece","pieces":["a"]}}""", "needs 'max_characters_per_word'" },
        { Head + ""","tokenizer":{"type":"wordpiece","max_characters_per_word":0,"pieces":["a"]}}""", "'max_characters_per_word'" },
        { Head + ""","tokenizer":{"type":"wordpiece","max_characters_per_word":100000,"pieces":["a"]}}""", "'max_characters_per_word'" },
        { Head + ""","tokenizer":{"type":"wordpiece","max_characters_per_word":100}}""", "not a text vectorizer" },
        { Head + ""","tokenizer":{"type":"wordpiece","max_characters_per_word":100,"pieces":[]}}""", "holds 0 tokens" },
        { Head + ""","tokenizer":{"type":"wordpiece","max_characters_per_word":100,"pieces":"abc"}}""", "expected an array of strings" },
        { Head + ""","tokenizer":{"type":"wordpiece","max_characters_per_word":100,"pieces":["a",2]}}""", "WordPiece piece 2 is Number" },
        { Head + ""","tokenizer":{"type":"wordpiece","max_characters_per_word":100,"pieces":["a","a"]}}""", "repeated" },
        { Head + ""","tokenizer":{"type":"wordpiece","max_characters_per_word":100,"pieces":["a","##"]}}""", "\"##\"" },
        { Head + ""","tokenizer":{"type":"wordpiece","max_characters_per_word":100,"pieces":["a b"]}}""", "whitespace" },
        { Head + ""","tokenizer":{"type":"wordpiece","max_characters_per_word":100,"pieces":["a","[UNK]"]}}""", "[UNK]" },
        { Head + ""","tokenizer":{"type":"wordpiece","max_characters_per_word":100,"pieces":["a"],"merges":[]}}""", "unknown key 'merges'" },
        { Head + ""","tokenizer":{"type":"wordpiece","max_characters_per_word":100,"pieces":["a","b","c","d","e","f","g","h","i","j","k","l","m","n"]}}""", "takes ids below" },
    };

    [Theory]
    [MemberData(nameof(HostileTokenizers))]
    public void AHostileTokenizerIsRefusedNamingTheFile(string json, string expected)
    {
        var vectorizer = new TextVectorizer(outputSequenceLength: 6).Adapt(s_texts);
        var bytes = WithVectorizer(SavedBytes(TextModel(vectorizer, 6)), json);
        var e = Assert.Throws<DataFormatException>(() => LoadBytes(bytes));
        Assert.Contains("Model file", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void MutatedWordPieceVectorizersLoadOrAreRefused()
    {
        var tokenizer = WordPieceTokenizer.Train(s_texts, vocabularySize: 12);
        var original = SavedBytes(TextModel(new TextVectorizer(outputSequenceLength: 6, tokenizer: tokenizer), 6));
        string json = SafetensorsFile.Parse(original, "memory").Metadata[ModelFileFormat.TextVectorizerKey];
        string[] pieces = ["null", "0", "-1", "1001", "\"\"", "\"##\"", "\"[UNK]\"", "[", "]", "{", "}", ",", "\"bpe\"", "\"gpt2\"", "\"wordpiece\"", "\ud800", "\u0000", "\"a b\""];
        new FuzzHarness(output).Run("text_vectorizer wordpiece metadata", 200, seed: 23, random =>
        {
            var text = new StringBuilder(json);
            for (int k = 1 + random.Next(3); k > 0; k--)
            {
                int at = random.Next(text.Length);
                if (random.Next(2) == 0) text.Remove(at, Math.Min(text.Length - at, 1 + random.Next(6)));
                text.Insert(Math.Min(at, text.Length), pieces[random.Next(pieces.Length)]);
            }
            return WithVectorizer(original, text.ToString());
        }, bytes =>
        {
            var model = LoadBytes(bytes);
            if (model.TextVectorizer is { } loaded) model.Predict(loaded.Vectorize(["the cat sat", "zzz", "a-very-long-word-indeed"]));
        });
    }

    public static TheoryData<string, string> HostileVectorizers => new()
    {
        { "not json", "text_vectorizer" },
        { "[]", "expected a JSON object" },
        { "{}", "not a text vectorizer" },
        { """{"max_tokens":null,"output_sequence_length":6,"standardize":"none","split":"whitespace","vocabulary":[]}""", "holds 0 tokens" },
        { """{"max_tokens":null,"output_sequence_length":6,"standardize":"none","split":"whitespace","vocabulary":["a","a"]}""", "repeated" },
        { """{"max_tokens":null,"output_sequence_length":6,"standardize":"none","split":"whitespace","vocabulary":["a",""]}""", "empty" },
        { """{"max_tokens":null,"output_sequence_length":6,"standardize":"none","split":"whitespace","vocabulary":["[UNK]"]}""", "[UNK]" },
        { """{"max_tokens":null,"output_sequence_length":6,"standardize":"none","split":"whitespace","vocabulary":[1]}""", "expected a string" },
        { """{"max_tokens":3,"output_sequence_length":6,"standardize":"none","split":"whitespace","vocabulary":["a","b"]}""", "maxTokens" },
        { """{"max_tokens":-1,"output_sequence_length":6,"standardize":"none","split":"whitespace","vocabulary":["a"]}""", "'max_tokens'" },
        { """{"max_tokens":null,"output_sequence_length":0,"standardize":"none","split":"whitespace","vocabulary":["a"]}""", "'output_sequence_length'" },
        { """{"max_tokens":null,"output_sequence_length":1e300,"standardize":"none","split":"whitespace","vocabulary":["a"]}""", "'output_sequence_length'" },
        { """{"max_tokens":null,"output_sequence_length":7,"standardize":"none","split":"whitespace","vocabulary":["a"]}""", "sequences of 7 ids, but the model takes 6" },
        { """{"max_tokens":null,"output_sequence_length":6,"standardize":"upper","split":"whitespace","vocabulary":["a"]}""", "'standardize'" },
        { """{"max_tokens":null,"output_sequence_length":6,"standardize":"none","split":null,"vocabulary":["a"]}""", "'split'" },
        { """{"max_tokens":null,"output_sequence_length":6,"standardize":"none","split":"whitespace","vocabulary":["a"],"extra":1}""", "unknown key" },
        { """{"max_tokens":null,"output_sequence_length":6,"standardize":"none","split":"whitespace","vocabulary":[["a"]]}""", "expected a string" },
        { """{"vocabulary":[[[[[["a"]]]]]]}""", "text_vectorizer" },
        { """{"max_tokens":null,"output_sequence_length":6,"standardize":"none","split":"whitespace","vocabulary":["a","b","c","d","e","f","g","h","i","j","k","l","m","n"]}""", "takes ids below" },
    };

    [Theory]
    [MemberData(nameof(HostileVectorizers))]
    public void AHostileVectorizerIsRefusedNamingTheFile(string json, string expected)
    {
        var vectorizer = new TextVectorizer(outputSequenceLength: 6).Adapt(s_texts);
        var bytes = WithVectorizer(SavedBytes(TextModel(vectorizer, 6)), json);
        var e = Assert.Throws<DataFormatException>(() => LoadBytes(bytes));
        Assert.Contains("Model file", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void AVectorizerOnANonSequenceModelIsRefused()
    {
        var model = new Sequential(new Dense(2, inputShape: [3, 2]));
        model.Build(new Shape(3, 2));
        var json = Encoding.UTF8.GetString(Encoding.UTF8.GetBytes("""{"max_tokens":null,"output_sequence_length":null,"standardize":"none","split":"whitespace","vocabulary":["a"]}"""));
        var e = Assert.Throws<DataFormatException>(() => LoadBytes(WithVectorizer(SavedBytes(model), json)));
        Assert.Contains("not a sequence of token ids", e.Message);
    }

    [Fact]
    public void AHugeVocabularyIsRefusedWithinBounds()
    {
        var vectorizer = new TextVectorizer(outputSequenceLength: 6).Adapt(s_texts);
        var tokens = string.Join(",", Enumerable.Range(0, TextVectorizerLimits + 1).Select(i => "\"t" + i + "\""));
        var bytes = WithVectorizer(SavedBytes(TextModel(vectorizer, 6)), "{\"max_tokens\":null,\"output_sequence_length\":6,\"standardize\":\"none\",\"split\":\"whitespace\",\"vocabulary\":[" + tokens + "]}");
        var e = Assert.Throws<DataFormatException>(() => LoadBytes(bytes));
        Assert.Contains("tokens", e.Message);
        var longToken = WithVectorizer(SavedBytes(TextModel(vectorizer, 6)), "{\"max_tokens\":null,\"output_sequence_length\":6,\"standardize\":\"none\",\"split\":\"whitespace\",\"vocabulary\":[\"" + new string('x', 5000) + "\"]}");
        Assert.Contains("characters", Assert.Throws<DataFormatException>(() => LoadBytes(longToken)).Message);
    }

    private const int TextVectorizerLimits = 500_000;

    [Fact]
    public void MutatedVectorizersLoadOrAreRefused()
    {
        var vectorizer = new TextVectorizer(maxTokens: 12, outputSequenceLength: 6).Adapt(s_texts);
        var original = SavedBytes(TextModel(vectorizer, 6));
        string json = SafetensorsFile.Parse(original, "memory").Metadata[ModelFileFormat.TextVectorizerKey];
        string[] pieces = ["null", "0", "-1", "2147483648", "1e308", "\"\"", "\"[UNK]\"", "[", "]", "{", "}", ",", "\"none\"", "\"character\"", "\ud800", "\u0000", "true"];
        new FuzzHarness(output).Run("text_vectorizer metadata", 300, seed: 17, random =>
        {
            var text = new StringBuilder(json);
            for (int k = 1 + random.Next(3); k > 0; k--)
            {
                int at = random.Next(text.Length);
                if (random.Next(2) == 0) text.Remove(at, Math.Min(text.Length - at, 1 + random.Next(6)));
                text.Insert(Math.Min(at, text.Length), pieces[random.Next(pieces.Length)]);
            }
            return WithVectorizer(original, text.ToString());
        }, bytes =>
        {
            var model = LoadBytes(bytes);
            if (model.TextVectorizer is { } loaded) model.Predict(loaded.Vectorize(["the cat sat", "zzz"]));
        });
    }
}
