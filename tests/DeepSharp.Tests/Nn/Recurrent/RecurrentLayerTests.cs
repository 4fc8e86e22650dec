using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Nn;

namespace DeepSharp.Tests.Nn.Recurrent;

/// <summary>
/// SimpleRNN, LSTM, GRU and Bidirectional through the layer harness (parameter counts are Keras's:
/// SimpleRNN F·U + U² + U, LSTM 4(F·U + U² + U), GRU 3(F·U + U²) + 6U), plus Keras's weight layout
/// and names, defaults, the output shapes of every option, and the layer-level Keras reference.
/// </summary>
public class RecurrentLayerTests
{
    [Fact] public void SimpleRnnHarness() => LayerHarness.Run(() => new SimpleRnn(4), [5, 3], [4], 3 * 4 + 4 * 4 + 4);
    [Fact] public void SimpleRnnSequencesBackwardsRelu() => LayerHarness.Run(() => new SimpleRnn(3, Activation.Relu, returnSequences: true, goBackwards: true), [4, 2], [4, 3], 2 * 3 + 9 + 3);
    [Fact] public void LstmHarness() => LayerHarness.Run(() => new Lstm(3), [4, 2], [3], 4 * (2 * 3 + 3 * 3 + 3));
    [Fact] public void LstmSequencesWithoutBias() => LayerHarness.Run(() => new Lstm(2, returnSequences: true, useBias: false), [3, 3], [3, 2], 4 * (3 * 2 + 2 * 2));
    [Fact] public void GruHarness() => LayerHarness.Run(() => new Gru(3), [4, 2], [3], 3 * (2 * 3 + 3 * 3) + 6 * 3);
    [Fact] public void GruSequencesBackwards() => LayerHarness.Run(() => new Gru(2, returnSequences: true, goBackwards: true), [3, 4], [3, 2], 3 * (4 * 2 + 2 * 2) + 6 * 2);
    [Fact] public void BidirectionalLstmConcat() => LayerHarness.Run(() => new Bidirectional(new Lstm(3)), [4, 2], [6], 2 * 4 * (2 * 3 + 3 * 3 + 3));
    [Fact] public void BidirectionalGruSequencesSum() => LayerHarness.Run(() => new Bidirectional(new Gru(2, returnSequences: true), MergeMode.Sum), [3, 2], [3, 2], 2 * (3 * (2 * 2 + 2 * 2) + 12));
    [Fact] public void BidirectionalSimpleRnnMul() => LayerHarness.Run(() => new Bidirectional(new SimpleRnn(3, returnSequences: true), MergeMode.Mul), [4, 2], [4, 3], 2 * (6 + 9 + 3));
    [Fact] public void BidirectionalLstmAve() => LayerHarness.Run(() => new Bidirectional(new Lstm(2), MergeMode.Ave), [3, 3], [2], 2 * 4 * (3 * 2 + 2 * 2 + 2));

    [Fact]
    public void BidirectionalWithItsOwnBackwardLayer() => LayerHarness.Run(
        () => new Bidirectional(new Lstm(2, returnSequences: true), backwardLayer: new Lstm(3, returnSequences: true, goBackwards: true, name: "rev")),
        [3, 2], [3, 5], 4 * (2 * 2 + 2 * 2 + 2) + 4 * (2 * 3 + 3 * 3 + 3));

    [Fact]
    public void ParameterCountsMatchKerasSummaries()
    {
        // Keras 3 model.summary() for inputs (None, 10, 32).
        Assert.Equal(6_208, Built(new SimpleRnn(64)).ParameterCount);
        Assert.Equal(24_832, Built(new Lstm(64)).ParameterCount);
        Assert.Equal(18_816, Built(new Gru(64)).ParameterCount);
        Assert.Equal(49_664, Built(new Bidirectional(new Lstm(64))).ParameterCount);
    }

    [Fact]
    public void WeightsHaveKerasLayoutsAndPaths()
    {
        var lstm = Built(new Lstm(5, name: "lstm"), 7);
        Assert.Equal(["lstm/lstm_cell/kernel (7, 20)", "lstm/lstm_cell/recurrent_kernel (5, 20)", "lstm/lstm_cell/bias (20,)"], lstm.Parameters.Select(p => p.ToString()));
        var gru = Built(new Gru(5, name: "gru"), 7);
        Assert.Equal(["gru/gru_cell/kernel (7, 15)", "gru/gru_cell/recurrent_kernel (5, 15)", "gru/gru_cell/bias (2, 15)"], gru.Parameters.Select(p => p.ToString()));
        var rnn = Built(new SimpleRnn(5, name: "simple_rnn"), 7);
        Assert.Equal("simple_rnn/simple_rnn_cell/recurrent_kernel (5, 5)", rnn.Parameters[1].ToString());
        var bi = Built(new Bidirectional(new Lstm(5), name: "bidirectional"), 7);
        Assert.Equal("bidirectional/forward_lstm/lstm_cell/kernel", bi.Parameters[0].Path);
        Assert.Equal("bidirectional/backward_lstm/lstm_cell/bias", bi.Parameters[5].Path);
    }

    [Fact]
    public void DefaultsAreKeras()
    {
        var lstm = new Lstm(4);
        Assert.Equal(("tanh", "sigmoid", "glorot_uniform", "orthogonal", "zeros"),
            (lstm.Activation.Name, lstm.RecurrentActivation.Name, lstm.KernelInitializer.Name, lstm.RecurrentInitializer.Name, lstm.BiasInitializer.Name));
        Built(lstm, 3);
        var bias = lstm.Parameters[2].Value.ToArray();
        Assert.Equal([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0], bias);   // unit_forget_bias
        var u = lstm.Parameters[1].Value;                                      // orthogonal (4, 16): orthonormal rows
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
            {
                double dot = 0;
                for (int k = 0; k < 16; k++) dot += u[i, k] * u[j, k];
                Assert.True(Math.Abs(dot - (i == j ? 1 : 0)) < 1e-5, $"row {i}·row {j} = {dot}");
            }
        Assert.All(Built(new Lstm(4, unitForgetBias: false), 3).Parameters[2].Value.ToArray(), v => Assert.Equal(0f, v));
        Assert.Equal((false, true), (new SimpleRnn(2).GetConfig().ContainsKey("recurrent_activation"), new Gru(2).GetConfig()["reset_after"]!.GetValue<bool>()));
    }

    [Fact]
    public void OrthogonalInitializerTallAndWide()
    {
        foreach (var shape in new[] { new Shape(9, 4), new Shape(4, 9), new Shape(2, 3, 5), new Shape(6, 6) })
        {
            var w = Tensor.Empty(shape);
            Initializer.Orthogonal.Fill(w.Span, shape, new RandomGenerator(3));
            int cols = shape[-1], rows = shape.Size / cols;
            bool tall = rows >= cols;
            int n = Math.Min(rows, cols), m = Math.Max(rows, cols);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    double dot = 0;
                    for (int k = 0; k < m; k++)
                        dot += tall ? w.Span[k * cols + i] * w.Span[k * cols + j] : w.Span[i * cols + k] * w.Span[j * cols + k];
                    Assert.True(Math.Abs(dot - (i == j ? 1 : 0)) < 1e-5, $"{shape}: {i}·{j} = {dot}");
                }
        }
    }

    [Theory]
    [InlineData("SimpleRNN")]
    [InlineData("LSTM")]
    [InlineData("GRU")]
    public void OutputShapesOfEveryOption(string type)
    {
        var x = GradCheck.Random(1, 2, 5, 3);
        RecurrentLayer Make(bool sequences, bool state) => type switch
        {
            "LSTM" => new Lstm(4, returnSequences: sequences, returnState: state),
            "GRU" => new Gru(4, returnSequences: sequences, returnState: state),
            _ => new SimpleRnn(4, returnSequences: sequences, returnState: state),
        };
        Assert.Equal(new Shape(2, 4), Make(false, false).Call(x).Shape);
        Assert.Equal(new Shape(2, 5, 4), Make(true, false).Call(x).Shape);
        var withState = Make(true, true);
        var outputs = withState.CallWithState(x);
        int states = type == "LSTM" ? 2 : 1;
        Assert.Equal(1 + states, outputs.Count);
        Assert.Equal(new Shape(2, 5, 4), outputs[0].Shape);
        Assert.All(outputs.Skip(1), s => Assert.Equal(new Shape(2, 4), s.Shape));
        Assert.Equal([new Shape(5, 4), .. Enumerable.Repeat(new Shape(4), states)], withState.ComputeOutputShapes(new Shape(5, 3)));
        // The last state is the last output; states fed back in continue the sequence.
        Assert.Equal(outputs[0].ToArray()[(4 * 4)..(5 * 4)], outputs[1].ToArray()[..4]);
        var again = withState.CallWithState(x, initialState: outputs.Skip(1).ToArray());
        Assert.NotEqual(outputs[1].ToArray(), again[1].ToArray());
    }

    [Fact]
    public void BidirectionalShapesAndStates()
    {
        var x = GradCheck.Random(1, 2, 5, 3);
        Assert.Equal(new Shape(2, 8), new Bidirectional(new Lstm(4)).Call(x).Shape);
        Assert.Equal(new Shape(2, 5, 8), new Bidirectional(new Gru(4, returnSequences: true)).Call(x).Shape);
        foreach (var mode in new[] { MergeMode.Sum, MergeMode.Mul, MergeMode.Ave })
            Assert.Equal(new Shape(2, 5, 4), new Bidirectional(new SimpleRnn(4, returnSequences: true), mode).Call(x).Shape);
        var bi = new Bidirectional(new Lstm(4, returnState: true));
        var outputs = bi.CallWithState(x);
        Assert.Equal([new Shape(2, 8), new Shape(2, 4), new Shape(2, 4), new Shape(2, 4), new Shape(2, 4)], outputs.Select(o => o.Shape));
        Assert.Equal(5, bi.ComputeOutputShapes(new Shape(5, 3)).Count);
        // Concat puts the forward last state, then the backward last state.
        Assert.Equal(outputs[1].ToArray()[..4], outputs[0].ToArray()[..4]);
        Assert.Equal(outputs[3].ToArray()[..4], outputs[0].ToArray()[4..8]);
    }

    [Theory]
    [InlineData("SimpleRNN")]
    [InlineData("LSTM")]
    [InlineData("GRU")]
    public void LayerMatchesKerasReferenceWithMask(string type)
    {
        var x = GradCheck.Random(4, 5, 4, 3);
        var mask = Problem.MaskPattern(5, 4);
        RecurrentLayer layer = type switch
        {
            "LSTM" => new Lstm(3, returnSequences: true),
            "GRU" => new Gru(3, returnSequences: true),
            _ => new SimpleRnn(3, returnSequences: true),
        };
        var y = layer.Call(x, mask);
        var expected = KerasRecurrentReference.Run(Case(type, layer, x, mask, goBackwards: false, zeroOutput: false)).Output;
        AssertClose(expected, y.ToArray());
    }

    [Fact]
    public void BidirectionalMatchesTwoKerasReferencesFlippedAndConcatenated()
    {
        var x = GradCheck.Random(8, 5, 4, 3);
        var mask = Problem.MaskPattern(5, 4);
        var bi = new Bidirectional(new Gru(2, returnSequences: true));
        var y = bi.Call(x, mask).ToArray();
        var forward = KerasRecurrentReference.Run(Case("GRU", (RecurrentLayer)bi.ForwardLayer, x, mask, goBackwards: false, zeroOutput: true)).Output;
        var backward = KerasRecurrentReference.Run(Case("GRU", (RecurrentLayer)bi.BackwardLayer, x, mask, goBackwards: true, zeroOutput: true)).Output;
        var expected = new double[5 * 4 * 4];
        for (int b = 0; b < 5; b++)
            for (int t = 0; t < 4; t++)
                for (int u = 0; u < 2; u++)
                {
                    expected[(b * 4 + t) * 4 + u] = forward[(b * 4 + t) * 2 + u];
                    expected[(b * 4 + t) * 4 + 2 + u] = backward[(b * 4 + 3 - t) * 2 + u];
                }
        AssertClose(expected, y);
    }

    [Theory]
    [InlineData("LSTM")]
    [InlineData("GRU")]
    [InlineData("SimpleRNN")]
    public void GradientsWithMaskAndWithRecurrentDropoutUnderAFixedMask(string type)
    {
        var x = GradCheck.Random(2, 5, 4, 3);
        var mask = Problem.MaskPattern(5, 4);
        RecurrentLayer Make(float dropout, float recurrentDropout) => type switch
        {
            "LSTM" => new Lstm(3, returnSequences: true, dropout: dropout, recurrentDropout: recurrentDropout, seed: 7),
            "GRU" => new Gru(3, returnSequences: true, dropout: dropout, recurrentDropout: recurrentDropout, seed: 7),
            _ => new SimpleRnn(3, returnSequences: true, dropout: dropout, recurrentDropout: recurrentDropout, seed: 7),
        };
        var masked = Make(0f, 0f);
        masked.Build(new Shape(4, 3));
        GradCheck.Check(t => masked.Call(t[0], mask), [x, .. masked.Parameters.Select(p => p.Value)], epsilon: 1e-3f, maxElementsPerInput: 25);

        // Training draws one mask per sequence; restoring the generator replays the same masks.
        var dropped = Make(0.3f, 0.4f);
        dropped.Build(new Shape(4, 3));
        var state = dropped.Generator.GetState();
        Tensor Run(Tensor[] t)
        {
            dropped.Generator.SetState(state);
            return dropped.Call(t[0], mask, training: true);
        }
        GradCheck.Check(Run, [x, .. dropped.Parameters.Select(p => p.Value)], epsilon: 1e-3f, maxElementsPerInput: 25);
        Assert.NotEqual(Run([x]).ToArray(), dropped.Call(x, mask).ToArray());     // dropout acts only in training
        Assert.Equal(dropped.Call(x, mask).ToArray(), dropped.Call(x, mask).ToArray());
    }

    [Fact]
    public void DropoutUsesOneMaskPerSequence()
    {
        // With a constant input and a zero recurrent kernel, each step sees the same dropped input.
        var layer = new SimpleRnn(6, Activation.Linear, useBias: false, recurrentInitializer: Initializer.Zeros, dropout: 0.5f, returnSequences: true, seed: 3);
        var x = Tensor.Ones(4, 5, 8);
        var y = layer.Call(x, training: true).ToArray();
        for (int b = 0; b < 4; b++)
            for (int t = 1; t < 5; t++)
                for (int u = 0; u < 6; u++)
                    Assert.Equal(y[(b * 5) * 6 + u], y[(b * 5 + t) * 6 + u]);
        Assert.NotEqual(y[..6], y[30..36]); // samples get different masks
    }

    [Fact]
    public void BadInputsNameTheLayerAndShapes()
    {
        var lstm = new Lstm(3, name: "encoder");
        lstm.Call(Tensor.Zeros(2, 4, 5));
        var e = Assert.Throws<ShapeMismatchException>(() => lstm.Call(Tensor.Zeros(2, 4, 6)));
        Assert.Contains("encoder", e.Message);
        Assert.Contains("(None, 4, 5)", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => new Gru(2, name: "g").Call(Tensor.Zeros(2, 5)));
        Assert.Contains("'g'", e.Message);
        e = Assert.Throws<ShapeMismatchException>(() => lstm.Call(Tensor.Zeros(2, 4, 5), Tensor.Ones(2, 3)));
        Assert.Contains("mask", e.Message);
        Assert.Contains("encoder", e.Message);
        var s = Assert.Throws<ShapeMismatchException>(() => lstm.CallWithState(Tensor.Zeros(2, 4, 5), initialState: [Tensor.Zeros(2, 3), Tensor.Zeros(2, 4)]));
        Assert.Contains("initial states", s.Message);
        Assert.Throws<ArgumentException>(() => lstm.CallWithState(Tensor.Zeros(2, 4, 5), initialState: [Tensor.Zeros(2, 3)]));
        var state = Assert.Throws<InvalidOperationException>(() => new Lstm(2, returnState: true, name: "st").Call(Tensor.Zeros(1, 2, 2)));
        Assert.Contains("CallWithState", state.Message);
        Assert.Throws<InvalidOperationException>(() => new Bidirectional(new Gru(2, returnState: true)).Call(Tensor.Zeros(1, 2, 2)));
        var act = Assert.Throws<ArgumentException>(() => new Lstm(2, Activation.Gelu));
        Assert.Contains("gelu", act.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Gru(2, recurrentDropout: 1f));
        Assert.Throws<ArgumentException>(() => new Bidirectional(new Lstm(2), backwardLayer: new Lstm(2)));
        Assert.Throws<ArgumentException>(() => new Bidirectional(new Lstm(2), MergeMode.Sum, new Lstm(3, goBackwards: true)));
    }

    [Fact]
    public void ConfigsKerasCannotExpressHereAreClearErrors()
    {
        var gru = new Gru(2).GetConfig();
        gru["reset_after"] = false;
        Assert.Contains("reset_after", Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("GRU", gru)).Message);
        var lstm = new Lstm(2).GetConfig();
        lstm["stateful"] = true;
        Assert.Contains("stateful", Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("LSTM", lstm)).Message);
        var bi = new Bidirectional(new Lstm(2)).GetConfig();
        bi["merge_mode"] = "none"; // Keras writes null for merge_mode=None (BidirectionalMergeNoneTests), never a string
        Assert.Contains("merge_mode", Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("Bidirectional", bi)).Message);
        bi["merge_mode"] = "concat";
        bi["layer"] = new System.Text.Json.Nodes.JsonObject { ["class_name"] = "Dense", ["config"] = new Dense(2).GetConfig() };
        Assert.Contains("recurrent", Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("Bidirectional", bi)).Message);
    }

    private static T Built<T>(T layer, int features = 32) where T : Layer
    {
        layer.Build(new Shape(10, features));
        return layer;
    }

    private static KerasRecurrentReference.Case Case(string type, RecurrentLayer layer, Tensor x, Tensor? mask, bool goBackwards, bool zeroOutput) =>
        new(type, x.Shape[0], x.Shape[1], x.Shape[2], layer.Units)
        {
            X = x.ToArray(),
            Kernel = layer.Parameters[0].Value.ToArray(),
            Recurrent = layer.Parameters[1].Value.ToArray(),
            Bias = layer.Parameters[2].Value.ToArray(),
            Mask = mask?.ToArray(),
            ReturnSequences = true,
            GoBackwards = goBackwards,
            ZeroOutputForMask = zeroOutput,
        };

    private static void AssertClose(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 + 1e-5 * Math.Abs(expected[i]), $"at {i}: expected {expected[i]}, got {actual[i]}");
    }
}
