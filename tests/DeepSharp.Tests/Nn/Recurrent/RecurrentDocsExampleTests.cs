using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn.Recurrent;

/// <summary>The examples of docs/layers.md ("Recurrent layers"), at small sizes.</summary>
public class RecurrentDocsExampleTests
{
    [Fact]
    public void TextClassifierExampleTrains()
    {
        RandomGenerator.SetGlobalSeed(31);
        var rng = new RandomGenerator(32);
        var tokens = Tensor.IntZeros(new Shape(64, 12));
        var labels = Tensor.IntZeros(new Shape(64));
        for (int i = 0; i < 64; i++)
        {
            int length = 3 + rng.NextInt(10);
            for (int t = 0; t < length; t++) tokens.IntSpan[i * 12 + t] = 1 + rng.NextInt(49);
            labels.IntSpan[i] = rng.NextInt(2);
        }
        var model = new Sequential(
            new Embedding(50, 8, maskZero: true, inputShape: [12]),
            new Bidirectional(new Lstm(8, returnSequences: true, dropout: 0.2f)),
            new Lstm(4, recurrentDropout: 0.2f),
            new Dense(2, Activation.Softmax));
        model.Compile(new Adam(), new SparseCategoricalCrossentropy());
        var history = model.Fit(tokens, labels, batchSize: 32, epochs: 2, validationSplit: 0.1f, verbose: 0);
        Assert.Equal(2, history["loss"].Count);
        Assert.Contains("bidirectional (Bidirectional)", model.Summary(_ => { }));
    }

    [Fact]
    public void EncoderDecoderStatesExampleRuns()
    {
        var source = GradCheck.Random(1, 2, 5, 3);
        var target = GradCheck.Random(2, 2, 4, 3);
        var encoder = new Lstm(6, returnState: true);
        var states = encoder.CallWithState(source);
        var decoder = new Lstm(6, returnSequences: true, returnState: true);
        var decoded = decoder.CallWithState(target, initialState: [states[1], states[2]]);
        Assert.Equal(new Shape(2, 4, 6), decoded[0].Shape);
    }
}
