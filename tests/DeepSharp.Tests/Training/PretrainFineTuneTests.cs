using DeepSharp.Data;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Tests.Training;

/// <summary>
/// Pre-train, then fine-tune: a masked-language model's trunk loaded by layer name into a classifier,
/// freezing of layers and of sublayers inside a block, and a tiny end-to-end run.
/// </summary>
public class PretrainFineTuneTests
{
    private const int Vocabulary = 24, Length = 12, Dim = 16;

    private static (SymbolicTensor Tokens, SymbolicTensor X) Trunk(int dim = Dim)
    {
        var tokens = Model.Input([Length], name: "tokens", dtype: DType.Int32);
        var x = new Embedding(Vocabulary + 1, dim, name: "token_embedding", maskZero: true).Call(tokens);
        x = new Add(name: "embedding_sum").Call(x, new PositionEmbedding(Length, name: "position_embedding").Call(x));
        x = new TransformerEncoderBlock(numHeads: 2, intermediateDim: 32, name: "encoder_0").Call(x);
        return (tokens, x);
    }

    private static Functional MaskedLanguageModel(int dim = Dim)
    {
        var (tokens, x) = Trunk(dim);
        return new Functional(tokens, new Dense(Vocabulary, name: "mlm_logits").Call(x));
    }

    private static Functional Classifier()
    {
        var (tokens, x) = Trunk();
        x = new GlobalAveragePooling1D(name: "pool").Call(x);
        return new Functional(tokens, new Dense(1, Activation.Sigmoid, name: "classifier").Call(x));
    }

    /// <summary>Rows of two kinds: even ids 2..12 ("ham") or odd ids 13..23 ("spam"), padded at the end.</summary>
    private static (Tensor X, Tensor Y) Sentences(int rows, int seed)
    {
        var random = new Random(seed);
        var ids = new int[rows * Length];
        var labels = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            labels[r] = r % 2;
            int length = random.Next(Length / 2, Length + 1);
            for (int t = 0; t < length; t++)
                ids[r * Length + t] = r % 2 == 0 ? 2 + 2 * random.Next(6) : 13 + 2 * random.Next(6);
        }
        return (Tensor.FromArray(ids, rows, Length), Tensor.FromArray(labels, rows, 1));
    }

    private static float[] Weights(Layer layer) => layer.Parameters.SelectMany(p => p.Value.ToArray()).ToArray();

    [Fact]
    public void WeightsLoadedByNameLandInTheLayersOfThatName()
    {
        using var folder = new TempFolder();
        RandomGenerator.SetGlobalSeed(1);
        var pretrained = MaskedLanguageModel();
        string path = folder.File("encoder.safetensors");
        pretrained.Save(path);
        RandomGenerator.SetGlobalSeed(2);
        var classifier = Classifier();
        var head = Weights(classifier.GetLayer("classifier"));

        var left = classifier.LoadWeights(path, byName: true);

        foreach (var name in new[] { "token_embedding", "position_embedding", "encoder_0" })
            Assert.Equal(Weights(pretrained.GetLayer(name)), Weights(classifier.GetLayer(name)));
        Assert.Equal(head, Weights(classifier.GetLayer("classifier"))); // not in the file: kept
        Assert.Equal(["classifier/kernel", "classifier/bias"], left.Select(l => l.Split(':')[0]));
        // The sublayers of the block too: each weight by its full path ("encoder_0/self_attention_layer/...").
        var byPath = classifier.Parameters.ToDictionary(p => p.Path);
        var attention = pretrained.GetLayer("encoder_0").Parameters.Where(p => p.Path.Contains("/self_attention_layer/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(attention);
        foreach (var p in attention) Assert.Equal(p.Value.ToArray(), byPath[p.Path].Value.ToArray());
    }

    [Fact]
    public void AnEncoderOfOtherSizesFailsWithTheWeightsNamed()
    {
        using var folder = new TempFolder();
        string path = folder.File("wide.safetensors");
        MaskedLanguageModel(dim: 8).Save(path);
        var classifier = Classifier();
        var before = Weights(classifier.GetLayer("token_embedding"));
        var error = Assert.Throws<WeightMismatchException>(() => classifier.LoadWeights(path, byName: true));
        Assert.Contains("token_embedding/embeddings", error.Message);
        Assert.Equal(before, Weights(classifier.GetLayer("token_embedding"))); // nothing loaded
        // skipMismatch leaves them and says which.
        var left = classifier.LoadWeights(path, skipMismatch: true, byName: true);
        Assert.Contains(left, l => l.StartsWith("token_embedding/embeddings: file (25, 8), model (25, 16)", StringComparison.Ordinal));
    }

    [Fact]
    public void FrozenLayersAndSublayersAreUnchangedAfterFit()
    {
        RandomGenerator.SetGlobalSeed(3);
        var model = Classifier();
        var (x, y) = Sentences(32, 1);
        var embedding = model.GetLayer("token_embedding");
        var block = model.GetLayer("encoder_0");
        var feedforward = block.Sublayers.First(l => l.Name == "feedforward_intermediate_dense");
        embedding.Trainable = false;
        feedforward.Trainable = false; // a sublayer inside a block
        var attention = block.Sublayers.First(l => l.Name == "self_attention_layer");
        var (frozenEmbedding, frozenFeedforward, attentionBefore, headBefore) =
            (Weights(embedding), Weights(feedforward), Weights(attention), Weights(model.GetLayer("classifier")));
        Assert.Equal(model.Parameters.Count() - embedding.Parameters.Count - feedforward.Parameters.Count, model.TrainableParameters.Count());

        model.Compile(new Adam(0.01f), new BinaryCrossentropy());
        model.Fit(x, y, batchSize: 8, epochs: 2, verbose: 0);

        Assert.Equal(frozenEmbedding, Weights(embedding));
        Assert.Equal(frozenFeedforward, Weights(feedforward));
        Assert.NotEqual(attentionBefore, Weights(attention));
        Assert.NotEqual(headBefore, Weights(model.GetLayer("classifier")));

        // The whole block frozen: every sublayer stays, the head still learns.
        block.Trainable = false;
        var blockBefore = Weights(block);
        headBefore = Weights(model.GetLayer("classifier"));
        model.Compile(new Adam(0.01f), new BinaryCrossentropy());
        model.Fit(x, y, batchSize: 8, epochs: 1, verbose: 0);
        Assert.Equal(blockBefore, Weights(block));
        Assert.NotEqual(headBefore, Weights(model.GetLayer("classifier")));
    }

    [Fact]
    public void TinyPretrainThenFineTune()
    {
        using var folder = new TempFolder();
        RandomGenerator.SetGlobalSeed(4);
        var (text, _) = Sentences(256, 2);
        var masking = new MaskedLanguageModelMasking(Vocabulary, maskTokenId: Vocabulary, selectionRate: 0.3f);
        var mlm = MaskedLanguageModel();
        mlm.Compile(new Adam(0.01f), new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: MaskedLanguageModelMasking.IgnoredLabel));
        var held = masking.Mask(Sentences(64, 3).X, seed: 99);
        double before = mlm.Evaluate(held.Inputs, held.Labels)["loss"];
        for (int epoch = 0; epoch < 6; epoch++)
        {
            var (x, y) = masking.Mask(text, epoch);
            mlm.Fit(x, y, batchSize: 32, epochs: epoch + 1, initialEpoch: epoch, verbose: 0);
        }
        double after = mlm.Evaluate(held.Inputs, held.Labels)["loss"];
        // A masked word's kind (even or odd ids) follows from its neighbours: 6 candidates instead of 22, ln 6 ≈ 1.8.
        Assert.True(after < 2.2 && after < before - 0.8, $"held-out masked-word loss {before:F3} → {after:F3}");
        string path = folder.File("encoder.safetensors");
        mlm.Save(path);

        var classifier = Classifier();
        classifier.LoadWeights(path, byName: true);
        Assert.Equal(Weights(mlm.GetLayer("encoder_0")), Weights(classifier.GetLayer("encoder_0")));
        var (few, fewLabels) = Sentences(8, 5);
        classifier.Compile(new Adam(0.01f), new BinaryCrossentropy(), [new DeepSharp.Metrics.BinaryAccuracy()]);
        classifier.Fit(few, fewLabels, batchSize: 8, epochs: 15, verbose: 0);
        var (test, testLabels) = Sentences(64, 6);
        Assert.True(classifier.Evaluate(test, testLabels)["binary_accuracy"] >= 0.9);
    }

    [Fact]
    public void StratifiedSampleKeepsEachClassShareAndOrder()
    {
        var items = Enumerable.Range(0, 1000).ToArray();
        int Label(int i) => i % 10 == 0 ? 1 : 0; // 100 of class 1, 900 of class 0
        var sample = StratifiedSample.Take(items, Label, 0.05, seed: 7);
        Assert.Equal(50, sample.Count);
        Assert.Equal(5, sample.Count(i => Label(i) == 1));
        Assert.Equal(sample.Order(), sample); // original order
        Assert.Equal(sample, StratifiedSample.Take(items, Label, 0.05, seed: 7));
        Assert.NotEqual(sample, StratifiedSample.Take(items, Label, 0.05, seed: 8));
        Assert.Equal(2, StratifiedSample.Take(items, Label, 0.0001, seed: 7).Count); // at least one of each class
        Assert.Equal(items, StratifiedSample.Take(items, Label, 1, seed: 7));
        Assert.Throws<ArgumentOutOfRangeException>(() => StratifiedSample.Take(items, Label, 0, seed: 7));
        Assert.Throws<ArgumentOutOfRangeException>(() => StratifiedSample.Take(items, Label, 1.5, seed: 7));
    }

    [Fact]
    public void SetVocabularyRestoresTheIdsAdaptLearned()
    {
        string[] texts = ["the cat sat on the mat", "a dog and the cat"];
        var adapted = new TextVectorizer().Adapt(texts);
        var restored = new TextVectorizer().SetVocabulary(adapted.Vocabulary.ToArray());
        Assert.Equal(adapted.Ids("the dog sat on a zebra"), restored.Ids("the dog sat on a zebra"));
        Assert.Throws<ArgumentException>(() => new TextVectorizer().SetVocabulary(["", "[UNK]", "a", "a"]));
        Assert.Throws<ArgumentException>(() => new TextVectorizer().SetVocabulary(["a", "[UNK]", "b"]));
        Assert.Throws<ArgumentException>(() => new TextVectorizer(maxTokens: 3).SetVocabulary(["", "[UNK]", "a", "b"]));
    }
}
