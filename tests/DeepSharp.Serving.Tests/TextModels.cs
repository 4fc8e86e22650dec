using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Serving.Tests;

/// <summary>
/// Two tiny text models trained in a second or two, saved to model files and loaded back (so their
/// vectorizers come from the files, as <c>deepsharp serve</c> gets them): a sentiment classifier of
/// words (one sigmoid output) and a character model that has learned the one word "abc".
/// </summary>
internal static class TextModels
{
    private static readonly string[] s_good = ["good", "great", "fine", "lovely", "nice"], s_bad = ["bad", "awful", "poor", "nasty", "ugly"];

    private static readonly Lazy<Model> s_classifier = new(TrainClassifier);
    private static readonly Lazy<Model> s_generator = new(TrainGenerator);
    private static readonly Lazy<Model> s_subword = new(() => TrainClassifier(subwords: true));
    private static readonly Lazy<Model> s_words = new(TrainWordGenerator);
    private static readonly Lazy<Model> s_subwordGenerator = new(TrainSubwordGenerator);

    /// <summary>
    /// A WordPiece model (16 positions, pieces kept in the model file) that learned the cycle "bright clown
    /// bright clown ...": the two words share no letter, so every piece has one successor whatever the pieces are.
    /// </summary>
    public static Model SubwordGenerator => s_subwordGenerator.Value;

    /// <summary>A word model (6 positions) that learned the cycle one → two → three → four → five → one.</summary>
    public static Model WordGenerator => s_words.Value;

    /// <summary>Texts of good words → 1, of bad words → 0; sequences of 6 word ids.</summary>
    public static Model Classifier => s_classifier.Value;

    /// <summary>A character model (a functional graph over int32 ids, 8 positions) that continues "" with "abc" and "ab" with "c".</summary>
    public static Model Generator => s_generator.Value;

    /// <summary>The same sentiment task through a WordPiece tokenizer trained on its texts (pieces kept in the model file); sequences of 8 ids.</summary>
    public static Model SubwordClassifier => s_subword.Value;

    private static Model TrainClassifier() => TrainClassifier(subwords: false);

    private static Model TrainClassifier(bool subwords)
    {
        var random = new Random(3);
        var texts = new List<string>();
        var labels = new List<float>();
        for (int i = 0; i < 400; i++)
        {
            bool good = i % 2 == 0;
            var words = good ? s_good : s_bad;
            texts.Add(string.Join(" ", Enumerable.Range(0, 1 + random.Next(5)).Select(_ => words[random.Next(words.Length)])) + (random.Next(3) == 0 ? "!" : ""));
            labels.Add(good ? 1 : 0);
        }
        int length = subwords ? 8 : 6;
        var vectorizer = subwords
            ? new TextVectorizer(outputSequenceLength: length, tokenizer: WordPieceTokenizer.Train(texts, vocabularySize: 24))
            : new TextVectorizer(outputSequenceLength: length).Adapt(texts);
        RandomGenerator.SetGlobalSeed(5);
        var model = new Sequential(new Embedding(vectorizer.VocabularySize, 8, inputShape: [length], maskZero: true), new GlobalAveragePooling1D(), new Dense(1, Activation.Sigmoid));
        model.TextVectorizer = vectorizer;
        model.Compile(new Adam(0.05f), new BinaryCrossentropy());
        model.Fit(vectorizer.Vectorize(texts), Tensor.FromArray([.. labels], labels.Count, 1), batchSize: 32, epochs: 20, verbose: 0);
        return SavedAndLoaded(model, subwords ? "sentiment-subwords" : "sentiment");
    }

    private static Model TrainGenerator()
    {
        var vocabulary = CharVocabulary.Build(["abcxyz"], CharLanguageModelData.Marker.ToString());
        var data = new CharLanguageModelData(vocabulary, 8);
        var (x, y) = data.Sequences(Enumerable.Repeat("abc", 64).ToArray());
        RandomGenerator.SetGlobalSeed(6);
        var tokens = Model.Input([8], name: "tokens", dtype: DType.Int32);
        var model = new Functional(tokens, new Dense(vocabulary.VocabularySize).Call(new Embedding(vocabulary.VocabularySize, 16).Call(tokens)), name: "abc");
        model.TextVectorizer = vocabulary.ToTextVectorizer(8);
        model.Compile(new Adam(0.05f), new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: 0));
        model.Fit(x, y, batchSize: 16, epochs: 20, verbose: 0);
        return SavedAndLoaded(model, "abc");
    }

    private static Model TrainWordGenerator()
    {
        string[] cycle = ["one", "two", "three", "four", "five"];
        var vectorizer = new TextVectorizer(outputSequenceLength: 6).Adapt([string.Join(' ', cycle)]);
        var texts = Enumerable.Range(0, 5).Select(s => string.Join(' ', Enumerable.Range(s, 7).Select(i => cycle[i % 5]))).ToArray();
        var next = texts.SelectMany(t => vectorizer.Ids(t).Skip(1).Take(6)).ToArray();
        RandomGenerator.SetGlobalSeed(7);
        var model = new Sequential([new Embedding(vectorizer.VocabularySize, 16, inputShape: [6]), new Dense(vectorizer.VocabularySize)], name: "cycle");
        model.TextVectorizer = vectorizer;
        model.Compile(new Adam(0.05f), new SparseCategoricalCrossentropy(fromLogits: true));
        model.Fit(vectorizer.Vectorize(texts), Tensor.Wrap(next, 5, 6), batchSize: 5, epochs: 150, verbose: 0);
        return SavedAndLoaded(model, "cycle");
    }

    private static Model TrainSubwordGenerator()
    {
        const int length = 16;
        string cycle = string.Join(' ', Enumerable.Repeat("bright clown", 12));
        var tokenizer = WordPieceTokenizer.Train([cycle, "brightly clowns bright clown"], vocabularySize: 26);
        var vectorizer = new TextVectorizer(outputSequenceLength: length, tokenizer: tokenizer);
        var ids = vectorizer.Ids(cycle);
        int windows = ids.Length - length - 1;
        var x = new float[windows * length];
        var y = new float[windows * length];
        for (int s = 0; s < windows; s++)
            for (int t = 0; t < length; t++) (x[s * length + t], y[s * length + t]) = (ids[s + t], ids[s + t + 1]);
        RandomGenerator.SetGlobalSeed(8);
        var model = new Sequential([new Embedding(vectorizer.VocabularySize, 16, inputShape: [length]), new Dense(vectorizer.VocabularySize)], name: "bright-clown");
        model.TextVectorizer = vectorizer;
        model.Compile(new Adam(0.05f), new SparseCategoricalCrossentropy(fromLogits: true));
        model.Fit(Tensor.Wrap(x, windows, length), Tensor.Wrap(y, windows, length), batchSize: 16, epochs: 60, verbose: 0);
        return SavedAndLoaded(model, "bright-clown");
    }

    private static Model SavedAndLoaded(Model model, string name)
    {
        string file = Path.Combine(Directory.CreateTempSubdirectory("deepsharp-serving-text-").FullName, name + ".safetensors");
        model.Save(file);
        var loaded = Model.Load(file);
        Assert.NotNull(loaded.TextVectorizer);
        return loaded;
    }
}
