using System.Globalization;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Tests.Cli;

/// <summary>
/// `deepsharp predict MODEL texts/` with the vectorizer kept in the model file, for the vectorizers a Keras user
/// writes: ids without an output sequence length (the model's positions decide), and a bag of words ("multi_hot").
/// </summary>
public class TextPredictCommandTests
{
    private static readonly string[] s_good = ["good great", "lovely nice", "great"], s_bad = ["awful bad", "poor ugly nasty", "bad"];

    private static (string[] Texts, Tensor Labels) Data()
    {
        string[] texts = [.. s_good, .. s_bad];
        return (texts, Tensor.FromArray([1f, 1, 1, 0, 0, 0], 6, 1));
    }

    /// <summary>Writes each text to its own file and runs predict on the folder; the printed class of each file, in file order.</summary>
    private static async Task<int[]> PredictFolder(Model model, string[] texts)
    {
        using var folder = new TempFolder();
        string path = folder.File("model.safetensors");
        model.Save(path);
        string inputs = Directory.CreateDirectory(folder.File("texts")).FullName;
        for (int i = 0; i < texts.Length; i++) File.WriteAllText(Path.Combine(inputs, $"t{i}.txt"), texts[i]);
        var (code, stdout, stderr) = await CliTests.Run(null, "predict", path, inputs);
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(texts.Length, lines.Length);
        return [.. lines.Select(l => int.Parse(l.Split(": ")[1].Split(' ')[0], CultureInfo.InvariantCulture))];
    }

    private static int[] Classes(Tensor sigmoid) => [.. sigmoid.ToArray().Select(p => p >= 0.5f ? 1 : 0)];

    [Fact]
    public async Task IdsWithoutASequenceLengthArePaddedToTheModelsPositions()
    {
        var (texts, labels) = Data();
        var vectorizer = new TextVectorizer().Adapt(texts); // no output_sequence_length: Vectorize pads to the longest text (3)
        RandomGenerator.SetGlobalSeed(21);
        var model = new Sequential(new Embedding(vectorizer.VocabularySize, 8, inputShape: [5], maskZero: true), new GlobalAveragePooling1D(), new Dense(1, Activation.Sigmoid));
        model.TextVectorizer = vectorizer;
        model.Compile(new Adam(0.05f), new BinaryCrossentropy());
        var ids = vectorizer.Vectorize(texts);
        var rows = new int[texts.Length * 5];
        for (int i = 0; i < texts.Length; i++) ids.IntSpan.Slice(i * ids.Shape[1], ids.Shape[1]).CopyTo(rows.AsSpan(i * 5));
        var padded = Tensor.Wrap(rows, texts.Length, 5);
        model.Fit(padded, labels, epochs: 30, batchSize: 6, verbose: 0);

        var printed = await PredictFolder(model, texts);
        Assert.Equal(Classes(model.Predict(padded)), printed);
    }

    [Fact]
    public async Task ABagOfWordsVectorizerFeedsItsVectors()
    {
        var (texts, labels) = Data();
        var vectorizer = new TextVectorizer(outputMode: "multi_hot").Adapt(texts);
        var vectors = vectorizer.Vectorize(texts);
        RandomGenerator.SetGlobalSeed(22);
        var model = new Sequential(new Dense(4, Activation.Relu, inputShape: [vectors.Shape[1]]), new Dense(1, Activation.Sigmoid));
        model.TextVectorizer = vectorizer;
        model.Compile(new Adam(0.05f), new BinaryCrossentropy());
        model.Fit(vectors, labels, epochs: 40, batchSize: 6, verbose: 0);

        var printed = await PredictFolder(model, texts);
        Assert.Equal(Classes(model.Predict(vectors)), printed);
        Assert.Equal([1, 1, 1, 0, 0, 0], printed);
    }
}
