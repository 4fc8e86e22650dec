using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn.Recurrent;

/// <summary>
/// Masks from Embedding(maskZero) through models: padding changes nothing, pass-through layers
/// carry the mask, layers without masking support drop it, merges combine it, Fit trains on padded data.
/// </summary>
public class MaskingTests
{
    private static Tensor Tokens(int[][] rows)
    {
        int time = rows[0].Length;
        var data = new int[rows.Length * time];
        for (int b = 0; b < rows.Length; b++) rows[b].CopyTo(data, b * time);
        return Tensor.FromArray(data, rows.Length, time);
    }

    [Theory]
    [InlineData("LSTM")]
    [InlineData("GRU")]
    [InlineData("SimpleRNN")]
    public void PaddingOnEitherSideEqualsTheUnpaddedSequence(string type)
    {
        RandomGenerator.SetGlobalSeed(5);
        var embedding = new Embedding(10, 4, maskZero: true);
        RecurrentLayer Make() => type switch { "LSTM" => new Lstm(3), "GRU" => new Gru(3), _ => new SimpleRnn(3) };
        var padded = Make();
        var model = new Sequential(embedding, padded);
        var y = model.Call(Tokens([[3, 5, 7, 0, 0], [0, 0, 3, 5, 7], [3, 0, 5, 0, 7]]));

        var plain = Make();
        plain.Build(new Shape(3, 4));
        for (int i = 0; i < plain.Parameters.Count; i++) padded.Parameters[i].Value.Span.CopyTo(plain.Parameters[i].Value.Span);
        var expected = plain.Call(Ops.Embedding(embedding.Parameters[0].Value, Tokens([[3, 5, 7]]))).ToArray();
        for (int b = 0; b < 3; b++)
            for (int u = 0; u < 3; u++)
                Assert.True(Math.Abs(expected[u] - y[b, u]) < 1e-6, $"row {b} unit {u}: {y[b, u]} vs {expected[u]}");
    }

    [Fact]
    public void MaskPassesThroughDenseAndDropoutAndReachesTheNextRecurrentLayer()
    {
        RandomGenerator.SetGlobalSeed(6);
        var embedding = new Embedding(9, 4, maskZero: true);
        var first = new Lstm(3, returnSequences: true);
        var dense = new Dense(3, Activation.Tanh);
        var dropout = new DeepSharp.Nn.Layers.Dropout(0.5f);
        var last = new Gru(2);
        var model = new Sequential(embedding, first, dense, dropout, last);
        var tokens = Tokens([[1, 2, 0, 0], [4, 5, 6, 7]]);
        var y = model.Call(tokens).ToArray();

        var mask = embedding.ComputeMask(tokens, null)!;
        Assert.Equal([1f, 1f, 0f, 0f, 1f, 1f, 1f, 1f], mask.ToArray());
        var manual = last.Call(dense.Call(first.Call(embedding.Call(tokens), mask)), mask).ToArray();
        Assert.Equal(manual, y);
        var unmasked = last.Call(dense.Call(first.Call(embedding.Call(tokens)))).ToArray();
        Assert.NotEqual(unmasked[..2], y[..2]);   // the padded row differs without its mask
        Assert.Equal(unmasked[2..], y[2..]);      // the full row does not
    }

    [Fact]
    public void LayersWithoutMaskingDropTheMask()
    {
        RandomGenerator.SetGlobalSeed(7);
        var tokens = Tokens([[1, 2, 0, 0]]);
        var embedding = new Embedding(5, 2, maskZero: true);
        var (_, afterFlatten) = new Flatten().CallMasked(embedding.Call(tokens), embedding.ComputeMask(tokens, null));
        Assert.Null(afterFlatten);
        var (_, afterLast) = new Lstm(2).CallMasked(embedding.Call(tokens), embedding.ComputeMask(tokens, null));
        Assert.Null(afterLast);                    // a last output has no time axis to mask
        Assert.Null(new Embedding(5, 2).CallMasked(tokens, null).Mask);
        var model = new Sequential(new Embedding(5, 2, maskZero: true), new Flatten(), new Dense(2));
        Assert.Equal(new Shape(1, 2), model.Call(tokens).Shape);
    }

    [Fact]
    public void FunctionalModelsCarryMasksAndMergesCombineThem()
    {
        RandomGenerator.SetGlobalSeed(8);
        var input = Model.Input([4], dtype: DType.Int32);
        var embedding = new Embedding(9, 3, maskZero: true);
        var left = new Lstm(2, returnSequences: true);
        var right = new Gru(2, returnSequences: true);
        var top = new SimpleRnn(2);
        var e = embedding.Call(input);
        var output = top.Call(new Add().Call(left.Call(e), right.Call(e)));
        var model = new Functional(input, output);
        var tokens = Tokens([[1, 2, 0, 0], [3, 0, 4, 5]]);
        var y = model.Call(tokens).ToArray();

        var vectors = embedding.Call(tokens);
        var mask = embedding.ComputeMask(tokens, null);
        var sum = Ops.Add(left.Call(vectors, mask), right.Call(vectors, mask));
        Assert.Equal(top.Call(sum, mask).ToArray(), y);   // Add passes on the AND of its inputs' masks (Keras): the top layer skips padding
        Assert.NotEqual(top.Call(sum).ToArray(), y);

        var single = new Functional(input, new Gru(2, name: "masked_gru").Call(embedding.Call(input)));
        var gru = (Gru)single.Layers.Single(l => l.Name == "masked_gru");
        Assert.Equal(gru.Call(vectors, mask).ToArray(), single.Call(tokens).ToArray());
    }

    [Fact]
    public void FitTrainsOnPaddedSequences()
    {
        // Label: whether token 1 occurs in a sequence of random length, zero-padded on the right.
        RandomGenerator.SetGlobalSeed(9);
        var rng = new RandomGenerator(10);
        int n = 256, time = 6;
        var tokens = Tensor.IntZeros(new Shape(n, time));
        var labels = Tensor.IntZeros(new Shape(n));
        for (int i = 0; i < n; i++)
        {
            int length = 1 + rng.NextInt(time);
            for (int t = 0; t < length; t++) tokens.IntSpan[i * time + t] = 1 + rng.NextInt(4);
            labels.IntSpan[i] = tokens.IntSpan.Slice(i * time, time).Contains(1) ? 1 : 0;
        }
        var model = new Sequential(new Embedding(5, 8, maskZero: true, inputShape: [time]), new Lstm(16), new Dense(2, Activation.Softmax));
        model.Compile(new Adam(0.02f), new SparseCategoricalCrossentropy());
        var history = model.Fit(tokens, labels, batchSize: 32, epochs: 6, verbose: 0);
        Assert.True(history["loss"][^1] < 0.5 * history["loss"][0], $"loss {history["loss"][0]} → {history["loss"][^1]}");
    }
}
