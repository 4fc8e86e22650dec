using DeepSharp.Losses;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Tests.Cli;

/// <summary>`deepsharp generate` with the text vectorizer kept in the model file: word models, and the errors when there is none.</summary>
public class GenerateCommandTests
{
    private const int Positions = 6;
    private static readonly string[] Cycle = ["one", "two", "three", "four", "five"];

    /// <summary>A word model that learned the cycle one → two → … → five → one (each word predicts the next), its vectorizer in the model.</summary>
    private static Sequential CycleModel()
    {
        RandomGenerator.SetGlobalSeed(11);
        var vectorizer = new TextVectorizer(outputSequenceLength: Positions).Adapt([string.Join(' ', Cycle)]);
        int v = vectorizer.VocabularySize;
        var model = new Sequential([new Embedding(v, 16, inputShape: [Positions]), new Dense(v)], name: "word_cycle");
        var texts = Enumerable.Range(0, Cycle.Length).Select(s => string.Join(' ', Enumerable.Range(s, Positions + 1).Select(i => Cycle[i % Cycle.Length]))).ToArray();
        var next = texts.SelectMany(t => vectorizer.Ids(t).Skip(1).Take(Positions)).ToArray();
        model.Compile(new Adam(0.05f), new SparseCategoricalCrossentropy(fromLogits: true));
        model.Fit(vectorizer.Vectorize(texts), Tensor.Wrap(next, Cycle.Length, Positions), epochs: 150, batchSize: Cycle.Length, verbose: 0);
        model.TextVectorizer = vectorizer;
        return model;
    }

    [Fact]
    public async Task AWordModelContinuesItsPromptFromTheVectorizerInItsFile()
    {
        using var folder = new TempFolder();
        string path = folder.File("words.safetensors");
        CycleModel().Save(path);
        var (code, stdout, stderr) = await CliTests.Run(null, "generate", path, "--prompt", "Two", "--max-length", "3", "--temperature", "0", "--count", "2");
        Assert.True(code == 0, stderr);
        Assert.Equal(["Two three four five", "Two three four five"], stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // Without --max-length the continuation fills the model's positions: 2 prompt words + 4.
        (code, stdout, stderr) = await CliTests.Run(null, "generate", path, "--prompt", "four five", "--temperature", "0", "--count", "1");
        Assert.True(code == 0, stderr);
        Assert.Equal("four five one two three four", stdout.Trim());

        // A word model has no start marker: it needs a prompt; and the prompt must leave a position.
        (code, _, stderr) = await CliTests.Run(null, "generate", path, "--count", "1");
        Assert.Equal(1, code);
        Assert.Contains("give a prompt", stderr);
        (code, _, stderr) = await CliTests.Run(null, "generate", path, "--prompt", "one two three four five one", "--count", "1");
        Assert.Equal(1, code);
        Assert.Contains("sees 6 positions", stderr);
    }

    [Fact]
    public void ContinueMatchesGenerateWordsForACharacterModel()
    {
        RandomGenerator.SetGlobalSeed(3);
        var vocabulary = CharVocabulary.Build(["anna", "bob"], CharLanguageModelData.Marker.ToString());
        var model = new Sequential(new Embedding(vocabulary.VocabularySize, 8, inputShape: [Positions]), new Dense(vocabulary.VocabularySize));
        var words = TextGenerator.GenerateWords(model, new CharLanguageModelData(vocabulary, Positions), 4, new TokenSampler(1.5f, generator: new RandomGenerator(5)));
        var sampler = new TokenSampler(1.5f, generator: new RandomGenerator(5));
        var vectorizer = vocabulary.ToTextVectorizer(Positions);
        Assert.Equal(words, Enumerable.Range(0, 4).Select(_ => TextGenerator.Continue(model, vectorizer, "", sampler)));
        Assert.Equal(TextGenerator.MarkerId(vectorizer), vocabulary.SpecialIds["."]);
    }

    [Fact]
    public async Task AModelFileWithoutAVectorizerOrVocabularySaysWhatToGive()
    {
        using var folder = new TempFolder();
        var model = new Sequential(new Embedding(5, 4, inputShape: [Positions]), new Dense(5));
        model.Build(new Shape(Positions));
        model.Save(folder.File("model.safetensors"));
        var (code, _, stderr) = await CliTests.Run(null, "generate", folder.Path, "--count", "1");
        Assert.Equal(1, code);
        Assert.Contains("holds no text vectorizer", stderr);
        Assert.Contains("--vocabulary", stderr);
    }
}
