using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Tests.Docs;

/// <summary>
/// The examples of docs/applications.md ("## Pre-training and fine-tuning"), run as written: a subword
/// tokenizer learned from a toy corpus, and on two made-up topics, pre-trained without labels, the
/// classifier learning them from 8 labelled texts.
/// </summary>
public sealed class PretrainDocTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void EveryExampleOfTheSectionIsHere() =>
        MarkdownExamples.AssertAllIn("applications.md", "Docs/PretrainDocTests.cs", expectedBlocks: 2, section: "## Pre-training and fine-tuning");

    [Fact]
    public void SubwordsOfYourOwnTexts()
    {
        string[] corpus = ["low low low low low lower lower", "newest newest newest newest newest newest widest widest widest"];
        var subwords = SubwordTokenizer.Train(corpus, vocabularySize: 40);   // [UNK], 11 characters, then merges
        IReadOnlyList<string> parts = subwords.Tokenize("lowest");            // ["lo", "west</w>"]: never seen, two known parts
        var bodies = new TextVectorizer(outputSequenceLength: 64, tokenizer: subwords);
        Tensor subwordIds = bodies.Vectorize(["Lowest, newest."]);           // (1, 64) int32: subword ids + 1, then padding

        Assert.Equal(11, subwords.Alphabet.Count); // l o w</w> w e r</w> n s t</w> i d
        Assert.Equal(["lo", "west</w>"], parts);
        Assert.Equal((DType.Int32, new Shape(1, 64)), (subwordIds.DType, subwordIds.Shape));
        Assert.Equal([.. subwords.Encode("lowest newest").Select(id => id + 1), 0], subwordIds.IntSpan[..4].ToArray());
    }

    /// <summary>Texts of 20 to 40 words, each from one of two vocabularies; topic 1 is "spam".</summary>
    private static (string[] Texts, Tensor Spam) Texts(int count, int seed)
    {
        string[][] topics = [["meeting", "lunch", "report", "notes", "draft", "agenda", "budget", "review"], ["cheap", "offer", "money", "click", "free", "winner", "credit", "prize"]];
        var random = new Random(seed);
        var texts = new string[count];
        var spam = new float[count];
        for (int i = 0; i < count; i++)
        {
            spam[i] = i % 2;
            texts[i] = string.Join(' ', Enumerable.Range(0, random.Next(20, 41)).Select(_ => topics[i % 2][random.Next(8)]));
        }
        return (texts, Tensor.FromArray(spam, count, 1));
    }

    [Fact]
    public void PretrainedTrunkLoadsByNameAndLearnsFromFewLabels()
    {
        RandomGenerator.SetGlobalSeed(5);
        var (unlabelled, _) = Texts(160, 1);
        var (labelledTexts, spam) = Texts(8, 2);
        string encoderPath = _temp.File("encoder.safetensors");

        // Words of the unlabelled texts; [MASK] is the id just above them.
        var vectorizer = new TextVectorizer(maxTokens: 2000, outputSequenceLength: 64).Adapt(unlabelled);
        int words = vectorizer.VocabularySize;

        // One trunk, built twice: the same layer names let the classifier load the pre-trained weights by name.
        (SymbolicTensor Tokens, SymbolicTensor X) Trunk()
        {
            var tokens = Model.Input([64], name: "tokens", dtype: DType.Int32);
            var x = new Embedding(words + 1, 64, name: "token_embedding", maskZero: true).Call(tokens);
            x = new Add().Call(x, new PositionEmbedding(64, name: "position_embedding").Call(x));
            x = new TransformerEncoderBlock(numHeads: 4, intermediateDim: 128, dropout: 0.1f, name: "encoder_0").Call(x);
            return (tokens, x);
        }

        // 1. Pre-train: predict the chosen words; the loss ignores every other position (label -1).
        var (tokens, x) = Trunk();
        var mlm = new Functional(tokens, new Dense(words, name: "mlm_logits").Call(new LayerNormalization(name: "mlm_norm").Call(x)));
        mlm.Compile(new Adam(1e-3f), new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: MaskedLanguageModelMasking.IgnoredLabel));
        var masking = new MaskedLanguageModelMasking(words, maskTokenId: words);   // 15 % chosen: 80 % [MASK], 10 % random, 10 % kept
        var ids = vectorizer.Vectorize(unlabelled);
        for (int epoch = 0; epoch < 4; epoch++)
        {
            var (masked, labels) = masking.Mask(ids, seed: epoch);   // new masks every epoch
            mlm.Fit(masked, labels, batchSize: 32, epochs: epoch + 1, initialEpoch: epoch, verbose: 0);
        }
        mlm.Save(encoderPath);

        // 2. Fine-tune on a few labels: the trunk's weights by layer name, a fresh head.
        (tokens, x) = Trunk();
        x = new GlobalAveragePooling1D().Call(x);   // the mean over the real words (Embedding's padding mask)
        var classifier = new Functional(tokens, new Dense(1, Activation.Sigmoid, name: "classifier").Call(x));
        var notLoaded = classifier.LoadWeights(encoderPath, byName: true);   // "classifier/kernel: missing from the file ...", "classifier/bias: ..."
        // classifier.GetLayer("encoder_0").Trainable = false;   // to train the head alone
        classifier.Compile(new Adam(1e-3f), new BinaryCrossentropy(), [new BinaryAccuracy()]);
        classifier.Fit(vectorizer.Vectorize(labelledTexts), spam, batchSize: 8, epochs: 20, verbose: 0);

        Assert.Equal(["classifier/kernel", "classifier/bias"], notLoaded.Select(l => l.Split(':')[0]));
        var (testTexts, testSpam) = Texts(64, 3);
        double accuracy = classifier.Evaluate(vectorizer.Vectorize(testTexts), testSpam)["binary_accuracy"];
        Assert.True(accuracy >= 0.9, $"accuracy {accuracy} on two topics after pre-training and 8 labels");
    }
}
