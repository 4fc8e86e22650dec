using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// ReversibleEmbedding, the tied output head of a masked-language model: the reverse call against a
/// naive product, gradients from both uses into one table, the tie kept through a model file, ONNX.
/// </summary>
public class ReversibleEmbeddingTests
{
    private const int Vocabulary = 11, Dim = 6, Length = 5;

    private static Tensor Tokens(int batch, int seed)
    {
        var rng = new RandomGenerator(seed);
        var ids = new int[batch * Length];
        for (int i = 0; i < ids.Length; i++) ids[i] = rng.NextInt(Vocabulary);
        ids[0] = 0; // padding somewhere
        return Tensor.FromArray(ids, batch, Length);
    }

    /// <summary>tokens → tied embedding → a Dense mixing → the same table in reverse: logits over the vocabulary.</summary>
    private static Functional TiedModel(bool tie = true)
    {
        var tokens = Model.Input([Length], name: "tokens", dtype: DType.Int32);
        var embedding = new ReversibleEmbedding(Vocabulary, Dim, tieWeights: tie, name: "token_embedding", maskZero: true);
        var x = embedding.Call(tokens);
        x = new Dense(Dim, Activation.Tanh, name: "mix").Call(x);
        return new Functional(tokens, embedding.Reverse(x), name: "tied");
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 7, 5)]
    [InlineData(2, 17, 13)]
    [InlineData(4, 1, 33)]
    public void TheReverseCallIsTheProductWithTheTableTransposed(int rows, int vocabulary, int dim)
    {
        RandomGenerator.SetGlobalSeed(rows + vocabulary + dim);
        var layer = new ReversibleEmbedding(vocabulary, dim);
        layer.Build(new Shape(2));
        var x = GradCheck.Random(3, rows, 2, dim);
        var logits = layer.Reverse(x);
        Assert.Equal(new Shape(rows, 2, vocabulary), logits.Shape);
        var table = layer.Embeddings!.Value.ToArray();
        var xs = x.ToArray();
        var y = logits.ToArray();
        for (int r = 0; r < rows * 2; r++)
            for (int v = 0; v < vocabulary; v++)
            {
                double sum = 0;
                for (int d = 0; d < dim; d++) sum += (double)xs[r * dim + d] * table[v * dim + d];
                Assert.True(Math.Abs(sum - y[r * vocabulary + v]) <= 1e-5 + 1e-5 * Math.Abs(sum), $"row {r}, word {v}: {y[r * vocabulary + v]} vs {sum}");
            }
    }

    [Fact]
    public void TheReverseCallPassesTheGradientCheck()
    {
        RandomGenerator.SetGlobalSeed(3);
        var layer = new ReversibleEmbedding(7, 4);
        layer.Build(new Shape(3));
        var table = layer.Embeddings!.Value;
        GradCheck.Check(t => layer.Reverse(t[0]), [GradCheck.Random(5, 2, 3, 4), table]);
    }

    [Fact]
    public void TheTableGetsTheGradientsOfBothUses()
    {
        RandomGenerator.SetGlobalSeed(4);
        var model = TiedModel();
        var tokens = Tokens(3, 9);
        var embedding = (ReversibleEmbedding)model.GetLayer("token_embedding");
        var table = embedding.Embeddings!.Value;
        Assert.Single(embedding.Parameters); // one table, not a copy per use

        table.Grad = null;
        foreach (var p in model.Parameters) p.Value.RequiresGrad = true;
        Ops.Sum(Ops.Multiply(model.Call([tokens])[0], GradCheck.Random(8, 3, Length, Vocabulary))).Backward();
        var both = table.Grad!.ToArray();

        // The same sum with the two uses split over two copies of the table: each copy's gradient is one use's share.
        var mix = model.GetLayer("mix");
        var lookUp = table.Clone();
        var reverse = table.Clone();
        lookUp.RequiresGrad = reverse.RequiresGrad = true;
        var h = mix.Call(Ops.Embedding(lookUp, tokens));
        Ops.Sum(Ops.Multiply(Ops.MatMul(h, Ops.Transpose(reverse)), GradCheck.Random(8, 3, Length, Vocabulary))).Backward();
        var first = lookUp.Grad!.ToArray();
        var second = reverse.Grad!.ToArray();
        Assert.Contains(first, g => g != 0f);
        Assert.Contains(second, g => g != 0f);
        for (int i = 0; i < both.Length; i++)
            Assert.True(Math.Abs(both[i] - (first[i] + second[i])) <= 1e-5 + 1e-4 * Math.Abs(both[i]), $"table element {i}: {both[i]} vs {first[i]} + {second[i]}");
    }

    [Fact]
    public void AModelFileKeepsTheTie()
    {
        RandomGenerator.SetGlobalSeed(5);
        var model = TiedModel();
        model.Compile(new Adam(1e-2f), new SparseCategoricalCrossentropy(fromLogits: true));
        var tokens = Tokens(8, 10);
        model.Fit(tokens, Tensor.FromArray(tokens.IntSpan.ToArray().Select(i => (float)i).ToArray(), tokens.Shape), batchSize: 4, epochs: 2, verbose: 0); // learn to copy the input words
        using var folder = new TempFolder();
        string path = folder.File("tied.safetensors");
        model.Save(path);

        var loaded = Model.Load(path);
        var embedding = Assert.IsType<ReversibleEmbedding>(loaded.GetLayer("token_embedding"));
        Assert.True(embedding.TieWeights);
        Assert.Equal(model.Parameters.Count(), loaded.Parameters.Count());
        Assert.Equal(model.Predict(tokens).ToArray(), loaded.Predict(tokens).ToArray());

        // Still one table for both uses: zeroing it zeroes the logits (the reverse call reads it too).
        embedding.Embeddings!.Value.Span.Clear();
        Assert.All(loaded.Predict(tokens).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void UntiedWeightsHaveAReverseTableOfTheirOwn()
    {
        RandomGenerator.SetGlobalSeed(6);
        var model = TiedModel(tie: false);
        var embedding = (ReversibleEmbedding)model.GetLayer("token_embedding");
        Assert.Equal(["token_embedding/embeddings", "token_embedding/reverse_embeddings"], embedding.Parameters.Select(p => p.Path));
        Assert.Equal(new Shape(Dim, Vocabulary), embedding.Parameters[1].Shape);
        embedding.Embeddings!.Value.Span.Clear();
        Assert.Contains(model.Predict(Tokens(2, 3)).ToArray(), v => v != 0f);
        using var folder = new TempFolder();
        model.Save(folder.File("untied.safetensors"));
        Assert.False(((ReversibleEmbedding)Model.Load(folder.File("untied.safetensors")).GetLayer("token_embedding")).TieWeights);
    }

    [Fact]
    public void MistakesNameTheLayer()
    {
        var layer = new ReversibleEmbedding(5, 3, name: "words");
        var early = Assert.Throws<InvalidOperationException>(() => layer.Reverse(Tensor.Zeros(new Shape(2, 3))));
        Assert.Contains("'words'", early.Message);
        layer.Build(new Shape(4));
        var wide = Assert.Throws<ShapeMismatchException>(() => layer.Reverse(Tensor.Zeros(new Shape(2, 4))));
        Assert.Contains("'words'", wide.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReversibleEmbedding(0, 3));
    }

    [Fact]
    public void ExportsToOnnx()
    {
        foreach (var model in Samples())
            OnnxRunner.AssertMatches(model, [Tokens(3, 12)], model.Name);
    }

    /// <summary>Tied and untied models (also read by OnnxExportTests.EveryRegisteredLayerTypeExports).</summary>
    internal static IEnumerable<Model> Samples()
    {
        RandomGenerator.SetGlobalSeed(7);
        yield return TiedModel();
        yield return TiedModel(tie: false);
    }
}
