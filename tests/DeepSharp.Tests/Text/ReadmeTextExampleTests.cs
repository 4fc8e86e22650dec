using DeepSharp.Data;
using DeepSharp.Data.Datasets;
using DeepSharp.Losses;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Tests.Text;

/// <summary>The README's text-generation example, as written there (one epoch instead of ten).</summary>
public class ReadmeTextExampleTests
{
    [Fact]
    public void TheNamesExampleTrainsBeatsTheBigramBaselineAndGenerates()
    {
        RandomGenerator.SetGlobalSeed(5);
        var names = FirstNames.Load();
        var split = DataSplit.Shuffled(names, validationFraction: 0.1, testFraction: 0.1);
        var vocabulary = CharVocabulary.Build(names, ".");
        var data = new CharLanguageModelData(vocabulary, context: 16);

        var tokens = Model.Input([16], dtype: DType.Int32);
        var h = new Embedding(vocabulary.VocabularySize, 96).Call(tokens);
        h = new Add().Call(h, new PositionEmbedding(16).Call(h));
        h = new TransformerDecoderBlock(numHeads: 4, intermediateDim: 384).Call(h);
        var model = new Model(tokens, new Dense(vocabulary.VocabularySize).Call(h));
        model.Compile(new Adam(3e-3f), new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: 0));
        var (x, y) = data.Sequences(split.Train);
        var history = model.Fit(x, y, batchSize: 64, epochs: 3, verbose: 0, validationData: data.Sequences(split.Validation));

        double nats = data.NatsPerCharacter(split.Validation, t => model.Call(t));
        double bigram = data.BigramNatsPerCharacter(split.Train, split.Validation);
        Assert.True(nats < bigram + 0.05, $"{nats:F3} nats/char after 3 epochs; bigram {bigram:F3}; val_loss {string.Join(", ", history["val_loss"])}");

        var generated = TextGenerator.GenerateWords(model, data, 5, new TokenSampler(temperature: 0.8f, topK: 10, generator: new RandomGenerator(1)));
        Assert.Equal(5, generated.Count);
        Assert.All(generated, n => Assert.True(n.Length <= 15 && n.All(c => vocabulary.IdOf(c) > 2), n));
    }
}
