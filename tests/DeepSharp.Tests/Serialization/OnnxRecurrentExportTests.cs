using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using Tensor = DeepSharp.Tensors.Tensor;

namespace DeepSharp.Tests.Serialization;

/// <summary>SimpleRNN, LSTM, GRU and Bidirectional exported to ONNX agree with Predict in ONNX Runtime (1e-4 relative).</summary>
public class OnnxRecurrentExportTests
{
    private const int Vocabulary = 20;

    internal static RecurrentLayer Cell(string type, int units, bool sequences = false, bool backwards = false, Activation? activation = null,
        Activation? recurrentActivation = null, bool useBias = true, bool zeroOutputForMask = false, int[]? inputShape = null) => type switch
        {
            "SimpleRNN" => new SimpleRnn(units, activation, useBias, returnSequences: sequences, goBackwards: backwards,
                zeroOutputForMask: zeroOutputForMask, inputShape: inputShape),
            "LSTM" => new Lstm(units, activation, recurrentActivation, useBias, returnSequences: sequences, goBackwards: backwards,
                zeroOutputForMask: zeroOutputForMask, inputShape: inputShape),
            _ => new Gru(units, activation, recurrentActivation, useBias, returnSequences: sequences, goBackwards: backwards,
                zeroOutputForMask: zeroOutputForMask, inputShape: inputShape),
        };

    /// <summary>Biases away from their zero (or one) start, so that their export is checked too.</summary>
    internal static void PerturbBiases(Model model)
    {
        var rng = new RandomGenerator(9);
        foreach (var p in model.Parameters)
        {
            if (p.Name.EndsWith("bias", StringComparison.Ordinal) || p.Name.EndsWith("beta", StringComparison.Ordinal))
                Tensor.RandomUniform(p.Shape, -0.5f, 0.5f, rng).Span.CopyTo(p.Value.Span);
            else if (p.Name.EndsWith("gamma", StringComparison.Ordinal))
                Tensor.RandomUniform(p.Shape, 0.5f, 1.5f, rng).Span.CopyTo(p.Value.Span);
        }
    }

    private static Tensor Features(int batch, int steps, int features, int seed = 5) =>
        Tensor.RandomUniform(new Shape(batch, steps, features), -1f, 1f, new RandomGenerator(seed));

    /// <summary>Tokens in [1, Vocabulary) followed by zeros (padding): sample b has lengths[b] real tokens.</summary>
    internal static Tensor RightPadded(int steps, params int[] lengths)
    {
        var rng = new RandomGenerator(13);
        var tokens = new float[lengths.Length * steps];
        for (int b = 0; b < lengths.Length; b++)
            for (int t = 0; t < lengths[b]; t++) tokens[b * steps + t] = 1 + rng.NextInt(Vocabulary - 1);
        return Tensor.FromArray(tokens, lengths.Length, steps);
    }

    public static TheoryData<string, bool, bool, int, int> Directions()
    {
        var data = new TheoryData<string, bool, bool, int, int>();
        foreach (string cell in (string[])["SimpleRNN", "LSTM", "GRU"])
            foreach (bool sequences in (bool[])[false, true])
                foreach (bool backwards in (bool[])[false, true])
                    foreach (var (steps, batch) in ((int, int)[])[(1, 1), (7, 3)])
                        data.Add(cell, sequences, backwards, steps, batch);
        return data;
    }

    [Theory]
    [MemberData(nameof(Directions))]
    public void RecurrentLayersMatchPredict(string cell, bool sequences, bool backwards, int steps, int batch)
    {
        RandomGenerator.SetGlobalSeed(11);
        var model = new Sequential(Cell(cell, 5, sequences, backwards, inputShape: [steps, 3]));
        PerturbBiases(model);
        OnnxRunner.AssertMatches(model, [Features(batch, steps, 3)], $"{cell} sequences={sequences} backwards={backwards} T={steps} B={batch}");
    }

    public static TheoryData<string, string, string, bool> Activations() => new()
    {
        { "SimpleRNN", "relu", "sigmoid", true },
        { "SimpleRNN", "linear", "sigmoid", false },
        { "LSTM", "relu", "sigmoid", true },
        { "LSTM", "tanh", "linear", false },
        { "GRU", "linear", "sigmoid", true },
        { "GRU", "tanh", "relu", false },
    };

    [Theory]
    [MemberData(nameof(Activations))]
    public void ActivationsAndMissingBiasesMatchPredict(string cell, string activation, string recurrentActivation, bool useBias)
    {
        RandomGenerator.SetGlobalSeed(12);
        var model = new Sequential(Cell(cell, 6, sequences: true, activation: Activation.FromName(activation),
            recurrentActivation: Activation.FromName(recurrentActivation), useBias: useBias, inputShape: [5, 4]));
        PerturbBiases(model);
        OnnxRunner.AssertMatches(model, [Features(2, 5, 4)], $"{cell} {activation}/{recurrentActivation} bias={useBias}");
    }

    public static TheoryData<string, MergeMode, bool> Merges()
    {
        var data = new TheoryData<string, MergeMode, bool>();
        foreach (string cell in (string[])["SimpleRNN", "LSTM", "GRU"])
            foreach (var mode in Enum.GetValues<MergeMode>().Where(m => m != MergeMode.None)) // None has two outputs: refused by name (BidirectionalMergeNoneTests)
                foreach (bool sequences in (bool[])[false, true])
                    data.Add(cell, mode, sequences);
        return data;
    }

    [Theory]
    [MemberData(nameof(Merges))]
    public void BidirectionalMatchesPredictInEveryMergeMode(string cell, MergeMode mode, bool sequences)
    {
        RandomGenerator.SetGlobalSeed(13);
        var model = new Sequential(new Bidirectional(Cell(cell, 7, sequences), mode, inputShape: [11, 3]));
        PerturbBiases(model);
        OnnxRunner.AssertMatches(model, [Features(3, 11, 3)], $"Bidirectional({cell}) {mode} sequences={sequences}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BidirectionalOverABackwardsLayerMatchesPredict(bool sequences)
    {
        RandomGenerator.SetGlobalSeed(14);
        // The wrapped layer goes backwards, so the forward direction does and the backward one does not.
        var model = new Sequential(new Bidirectional(Cell("LSTM", 5, sequences, backwards: true), inputShape: [7, 3]), new Dense(2));
        PerturbBiases(model);
        OnnxRunner.AssertMatches(model, [Features(2, 7, 3)], $"wrapped goBackwards, sequences={sequences}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BidirectionalWithItsOwnBackwardLayerMatchesPredict(bool sequences)
    {
        RandomGenerator.SetGlobalSeed(15);
        var model = new Sequential(
            new Bidirectional(Cell("GRU", 3, sequences), backwardLayer: Cell("SimpleRNN", 4, sequences, backwards: true), inputShape: [7, 3]),
            new Dense(2));
        PerturbBiases(model);
        OnnxRunner.AssertMatches(model, [Features(2, 7, 3)], $"GRU forwards, SimpleRNN backwards, sequences={sequences}");
    }

    /// <summary>Models fed right-padded tokens through Embedding(maskZero): every case of Keras's mask rules.</summary>
    private static Model Masked(string name, int steps)
    {
        Layer Tokens() => new Embedding(Vocabulary, 6, maskZero: true, inputShape: [steps]);
        return name switch
        {
            "spam" => new Sequential(Tokens(), new Bidirectional(Cell("LSTM", 5)), new Dense(1, Activation.Sigmoid)),
            "lstm-last" => new Sequential(Tokens(), Cell("LSTM", 5)),
            "lstm-last-zero" => new Sequential(Tokens(), Cell("LSTM", 5, zeroOutputForMask: true)),
            "gru-sequences" => new Sequential(Tokens(), Cell("GRU", 5, sequences: true)),
            "rnn-sequences-zero" => new Sequential(Tokens(), Cell("SimpleRNN", 5, sequences: true, zeroOutputForMask: true)),
            "backwards-sequences" => new Sequential(Tokens(), Cell("LSTM", 5, sequences: true, backwards: true)),
            "backwards-last" => new Sequential(Tokens(), Cell("GRU", 5, backwards: true)),
            "bidirectional-sum" => new Sequential(Tokens(), new Bidirectional(Cell("GRU", 4, sequences: true), MergeMode.Sum), Cell("LSTM", 3)),
            _ => new Sequential(Tokens(), Cell("LSTM", 5, sequences: true), new Dropout(0.3f),
                new Bidirectional(Cell("SimpleRNN", 3, sequences: true)), new Dense(2), Cell("GRU", 4)),
        };
    }

    public static TheoryData<string> MaskedModels() =>
        new(["spam", "lstm-last", "lstm-last-zero", "gru-sequences", "rnn-sequences-zero", "backwards-sequences", "backwards-last", "bidirectional-sum", "stacked"]);

    [Theory]
    [MemberData(nameof(MaskedModels))]
    public void RightPaddedMaskedSequencesMatchPredict(string name)
    {
        RandomGenerator.SetGlobalSeed(15);
        var model = Masked(name, 11);
        PerturbBiases(model);
        // Full, partial, empty, one-token and nearly full samples.
        OnnxRunner.AssertMatches(model, [RightPadded(11, 11, 4, 0, 1, 7)], $"masked {name}");
    }

    [Fact]
    public void MaskedFunctionalModelWithInt32TokensMatchesCall()
    {
        RandomGenerator.SetGlobalSeed(16);
        var tokens = Model.Input([5], name: "tokens", dtype: DType.Int32);
        var vectors = new Embedding(Vocabulary, 4, maskZero: true).Call(tokens);
        var output = new Dense(3).Call(new Bidirectional(Cell("GRU", 3, sequences: true), MergeMode.Ave).Call(vectors));
        var model = new Functional(tokens, output);
        PerturbBiases(model);
        var ids = RightPadded(5, 5, 2, 0);
        var asInts = Tensor.FromArray(ids.ToArray().Select(v => (int)v).ToArray(), 3, 5);
        OnnxRunner.AssertMatches(model, [asInts], "functional masked");
    }

    [Fact]
    public void PaddingThatIsNotAtTheEndGivesNaNRatherThanOtherNumbers()
    {
        RandomGenerator.SetGlobalSeed(17);
        var model = new Sequential(new Embedding(Vocabulary, 4, maskZero: true, inputShape: [5]), Cell("LSTM", 3));
        float[] tokens =
        [
            3, 4, 5, 0, 0,   // right-padded: exported exactly
            0, 0, 3, 4, 5,   // left-padded
            3, 0, 4, 0, 0,   // a gap
        ];
        var x = Tensor.FromArray(tokens, 3, 5);
        var want = model.Predict(x).ToArray();
        var got = OnnxRunner.Run(model, [x])[0];
        OnnxRunner.AssertClose(want[..3], got[..3], "right-padded sample");
        Assert.All(got[3..], v => Assert.True(float.IsNaN(v), $"a sample with padding before real tokens must give NaN, got {v}"));
        Assert.All(want[3..], v => Assert.False(float.IsNaN(v)));
    }

    /// <summary>Layer types this class exports (for the every-type-exports test).</summary>
    internal static IEnumerable<Model> Samples() =>
    [
        new Sequential(Cell("SimpleRNN", 2, inputShape: [3, 2])),
        new Sequential(Cell("LSTM", 2, inputShape: [3, 2])),
        new Sequential(Cell("GRU", 2, inputShape: [3, 2])),
        Masked("spam", 4),
    ];
}
