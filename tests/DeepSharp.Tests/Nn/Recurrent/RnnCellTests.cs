using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Docs;
using DeepSharp.Tests.Nn;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn.Recurrent;

/// <summary>
/// Keras's generic recurrent API: RNN over SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells and a cell
/// of your own (docs/custom.md's MinimalRnnCell). The built-in cells against the SimpleRNN/LSTM/GRU layers
/// given the same weights (fused path, and the step-by-step path through a stack of one), a stack against a
/// naive loop over the cells' own steps, hand-computed steps, gradient checks, training, configs and files.
/// </summary>
public class RnnCellTests
{
    private const int Batch = 3, Time = 5, Features = 4, Units = 3;

    public static TheoryData<string, bool, bool, bool, bool> Options()
    {
        var data = new TheoryData<string, bool, bool, bool, bool>();
        foreach (var type in new[] { "SimpleRNN", "LSTM", "GRU" })
            foreach (var (sequences, backwards, masked, state) in new[]
                { (false, false, false, false), (true, false, true, true), (true, true, true, false), (false, true, true, true), (false, false, true, false) })
                data.Add(type, sequences, backwards, masked, state);
        return data;
    }

    private static RecurrentLayer LayerOf(string type, bool sequences, bool backwards, bool state) => type switch
    {
        "SimpleRNN" => new SimpleRnn(Units, returnSequences: sequences, goBackwards: backwards, returnState: state),
        "LSTM" => new Lstm(Units, returnSequences: sequences, goBackwards: backwards, returnState: state),
        _ => new Gru(Units, returnSequences: sequences, goBackwards: backwards, returnState: state),
    };

    private static FusedRnnCell CellOf(string type) => type switch
    {
        "SimpleRNN" => new SimpleRnnCell(Units),
        "LSTM" => new LstmCell(Units),
        _ => new GruCell(Units),
    };

    /// <summary>(batch, time): sample 1 skips steps 1 and 4, sample 2 its first two (left padding).</summary>
    private static Tensor Mask() => Tensor.FromArray(new float[] { 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1, 1 }, Batch, Time);

    [Theory]
    [MemberData(nameof(Options))]
    public void RnnOverACellIsTheLayerGivenTheSameWeights(string type, bool sequences, bool backwards, bool masked, bool state)
    {
        RandomGenerator.SetGlobalSeed(5);
        var x = GradCheck.Random(11, Batch, Time, Features);
        var mask = masked ? Mask() : null;
        var layer = LayerOf(type, sequences, backwards, state);
        var fused = new Rnn(CellOf(type), returnSequences: sequences, goBackwards: backwards, returnState: state);
        var stepped = new Rnn(new StackedRnnCells([CellOf(type)]), returnSequences: sequences, goBackwards: backwards, returnState: state);
        var expected = layer.CallWithState(x, mask);
        var initial = new Tensor[layer.StateCount];
        for (int k = 0; k < initial.Length; k++) initial[k] = GradCheck.Random(20 + k, Batch, Units);
        var expectedFromStates = layer.CallWithState(x, mask, initial);
        foreach (var rnn in new[] { fused, stepped })
        {
            rnn.Build(new Shape(Time, Features));
            rnn.SetWeights(layer.GetWeights());
            Assert.Equal(layer.Parameters.Select(p => p.Value.Shape), rnn.Parameters.Select(p => p.Value.Shape));
            AssertSame(expected, rnn.CallWithState(x, mask));
            AssertSame(expectedFromStates, rnn.CallWithState(x, mask, initial));
            if (!state) AssertClose(layer.Call(x, mask), rnn.Call(x, mask), 1e-5f);
        }
        Assert.Equal(expected[0].Shape.WithoutBatch(), state ? fused.ComputeOutputShapes(new Shape(Time, Features))[0] : fused.ComputeOutputShape(new Shape(Time, Features)));
    }

    [Fact]
    public void CellWeightsHaveTheLayersNamesAndCounts()
    {
        var rnn = new Rnn(new LstmCell(Units));
        rnn.Build(new Shape(Time, Features));
        Assert.Equal(["rnn/lstm_cell/kernel", "rnn/lstm_cell/recurrent_kernel", "rnn/lstm_cell/bias"], rnn.Parameters.Select(p => p.Path));
        Assert.Equal(4 * (Features * Units + Units * Units + Units), rnn.ParameterCount);
        var gru = new Rnn(new GruCell(64));
        gru.Build(new Shape(10, 32));
        Assert.Equal(18_816, gru.ParameterCount);        // Keras's summary of GRU(64) on (None, 10, 32)
        var stack = new Rnn([new LstmCell(Units), new LstmCell(2)]);
        stack.Build(new Shape(Time, Features));
        Assert.Equal("rnn/stacked_rnn_cells/lstm_cell_1/kernel", stack.Parameters[3].Path);
        Assert.Equal(4 * (Features * Units + Units * Units + Units) + 4 * (Units * 2 + 2 * 2 + 2), stack.ParameterCount);
        // Unit forget bias as the LSTM layer's: the f block starts at 1.
        Assert.Equal(new float[] { 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0 }, rnn.Parameters[2].Value.ToArray());
    }

    [Fact] public void RnnHarnessLstmCell() => LayerHarness.Run(() => new Rnn(new LstmCell(3)), [4, 2], [3], 4 * (2 * 3 + 3 * 3 + 3));
    [Fact] public void RnnHarnessStackedSequences() => LayerHarness.Run(() => new Rnn([new GruCell(2), new SimpleRnnCell(3)], returnSequences: true), [4, 2], [4, 3], 3 * (2 * 2 + 2 * 2) + 12 + 2 * 3 + 9 + 3);
    [Fact] public void RnnHarnessCustomCell() => LayerHarness.Run(() => new Rnn(new MinimalRnnCell(3), goBackwards: true), [4, 2], [3], 2 * 3 + 3 * 3);

    [Fact]
    public void SimpleRnnCellStepIsTheFormula()
    {
        var cell = new SimpleRnnCell(2, biasInitializer: Initializer.Ones);
        var x = Tensor.FromArray(new float[] { 0.5f, -1f, 2f }, 1, 3);
        var h = Tensor.FromArray(new float[] { 0.25f, -0.5f }, 1, 2);
        cell.Build(new Shape(3));
        cell.SetWeights([Tensor.FromArray(new float[] { 0.1f, 0.2f, -0.3f, 0.4f, 0.5f, -0.6f }, 3, 2), Tensor.FromArray(new float[] { 1f, 2f, 3f, 4f }, 2, 2), Tensor.FromArray(new float[] { 0.1f, -0.1f }, 2)]);
        var (output, states) = cell.Call(x, [h]);
        // x·W = [0.05 + 0.3 + 1.0, 0.1 − 0.4 − 1.2] = [1.35, −1.5]; h·U = [0.25 − 1.5, 0.5 − 2] = [−1.25, −1.5]
        float h0 = MathF.Tanh(1.35f - 1.25f + 0.1f), h1 = MathF.Tanh(-1.5f - 1.5f - 0.1f);
        AssertClose(Tensor.FromArray(new[] { h0, h1 }, 1, 2), output, 1e-6f);
        AssertClose(output, states[0], 0f);
    }

    [Fact]
    public void LstmCellStepByHandIsTheLayerStepByStep()
    {
        // PyTorch's loop: h, c = cell(x[:, t], (h, c)) — the same numbers as the layer's whole sequence.
        RandomGenerator.SetGlobalSeed(9);
        var x = GradCheck.Random(3, Batch, Time, Features);
        var layer = new Lstm(Units, returnSequences: true, returnState: true);
        var expected = layer.CallWithState(x);
        var cell = new LstmCell(Units);
        cell.Build(new Shape(Features));
        cell.SetWeights(layer.GetWeights());
        IReadOnlyList<Tensor> states = cell.GetInitialState(Batch);
        for (int t = 0; t < Time; t++)
        {
            var step = cell.Call(Ops.Reshape(Ops.Slice(x, 1, t, 1), Batch, Features), states);
            AssertClose(Ops.Reshape(Ops.Slice(expected[0], 1, t, 1), Batch, Units), step.Output, 1e-5f);
            states = step.States;
        }
        AssertClose(expected[1], states[0], 1e-5f);
        AssertClose(expected[2], states[1], 1e-5f);
        // Call(x) alone steps from zero states.
        var first = Ops.Reshape(Ops.Slice(x, 1, 0, 1), Batch, Features);
        AssertClose(Ops.Reshape(Ops.Slice(expected[0], 1, 0, 1), Batch, Units), cell.Call(first), 1e-5f);
    }

    [Fact]
    public void StackedCellsAreANaiveLoopOverTheCells()
    {
        RandomGenerator.SetGlobalSeed(2);
        var x = GradCheck.Random(4, Batch, Time, Features);
        var mask = Mask();
        var rnn = new Rnn([new LstmCell(Units), new GruCell(2), new MinimalRnnCell(3)], returnSequences: true, returnState: true);
        var got = rnn.CallWithState(x, mask);
        var stack = (StackedRnnCells)rnn.Cell;
        Assert.Equal([Units, Units, 2, 3], stack.StateSize);
        var kept = mask.ToArray();
        var states = stack.Cells.SelectMany(c => c.GetInitialState(Batch)).Select(t => t.ToArray()).ToList();
        var previous = new float[Batch * 3];
        for (int t = 0; t < Time; t++)
        {
            var input = Ops.Reshape(Ops.Slice(x, 1, t, 1), Batch, Features);
            var stateTensors = states.Select((s, k) => Tensor.FromArray(s, Batch, stack.StateSize[k])).ToList();
            int offset = 0;
            var next = new List<Tensor>();
            foreach (var cell in stack.Cells)
            {
                int n = cell.StateSize.Count;
                var step = cell.Call(input, stateTensors.Skip(offset).Take(n).ToList());
                next.AddRange(step.States);
                input = step.Output;
                offset += n;
            }
            var output = input.ToArray();
            for (int b = 0; b < Batch; b++)
            {
                if (kept[b * Time + t] == 0f) continue;          // a masked step keeps this sample's states and output
                for (int k = 0; k < states.Count; k++)
                {
                    int w = stack.StateSize[k];
                    Array.Copy(next[k].ToArray(), b * w, states[k], b * w, w);
                }
                Array.Copy(output, b * 3, previous, b * 3, 3);
            }
            AssertClose(Tensor.FromArray((float[])previous.Clone(), Batch, 3), Ops.Reshape(Ops.Slice(got[0], 1, t, 1), Batch, 3), 1e-5f);
        }
        for (int k = 0; k < states.Count; k++) AssertClose(Tensor.FromArray(states[k], Batch, stack.StateSize[k]), got[1 + k], 1e-5f);
    }

    [Fact]
    public void CustomCellGradientsMatchFiniteDifferences()
    {
        RandomGenerator.SetGlobalSeed(6);
        var rnn = new Rnn(new MinimalRnnCell(2), returnSequences: true, goBackwards: true);
        var x = GradCheck.Random(7, 2, 4, 3);
        rnn.Build(new Shape(4, 3));
        var mask = Tensor.FromArray(new float[] { 1, 1, 0, 1, 0, 1, 1, 1 }, 2, 4);
        var h0 = GradCheck.Random(8, 2, 2);
        GradCheck.Check(t => rnn.CallWithState(t[0], mask, [t[3]])[0], [x, rnn.Parameters[0].Value, rnn.Parameters[1].Value, h0], epsilon: 1e-2f);
    }

    [Fact]
    public void StackedCellGradientsMatchFiniteDifferences()
    {
        RandomGenerator.SetGlobalSeed(7);
        var rnn = new Rnn([new LstmCell(2), new MinimalRnnCell(2)], returnState: true);
        var x = GradCheck.Random(9, 2, 3, 3);
        rnn.Build(new Shape(3, 3));
        var inputs = new List<Tensor> { x };
        inputs.AddRange(rnn.Parameters.Select(p => p.Value));
        GradCheck.Check(t =>
        {
            var outputs = rnn.CallWithState(t[0]);
            return Ops.Concatenate([outputs[0], outputs[1], outputs[2], outputs[3]], -1);
        }, [.. inputs], epsilon: 1e-2f);
    }

    [Fact]
    public void CustomCellTrainsSavesAndLoads()
    {
        RandomGenerator.SetGlobalSeed(3);
        var x = Tensor.RandomUniform(new Shape(64, 10, 5), -1f, 1f, new RandomGenerator(1));
        var y = Ops.Reshape(Ops.Sum(Ops.Slice(x, 1, 9, 1), [1, 2]), 64, 1);
        using var folder = new DeepSharp.Tests.Data.TempFolder();
        var path = folder.File("minimal.safetensors");
        var (loaded, history) = CustomExamples.TrainMinimalRnnCell(x, y, path);
        Assert.True(history["loss"][^1] < 0.7 * history["loss"][0], $"loss {history["loss"][0]} -> {history["loss"][^1]}");
        var rnn = Assert.IsType<Rnn>(loaded.Layers[0]);
        Assert.IsType<MinimalRnnCell>(rnn.Cell);
        Assert.Equal(new Shape(64, 64), CustomExamples.StackedCells(x).Shape);
    }

    [Fact]
    public void ConfigsRoundTripWithTheCellNestedAsKerasDoes()
    {
        var rnn = new Rnn([new LstmCell(4, unitForgetBias: false, dropout: 0.25f, seed: 3), new GruCell(2, activation: Activation.Relu), new SimpleRnnCell(5, useBias: false)],
            returnSequences: true, goBackwards: true, unroll: true, zeroOutputForMask: true, name: "seq");
        var config = rnn.GetConfig();
        Assert.Equal("StackedRNNCells", config["cell"]!["class_name"]!.GetValue<string>());
        Assert.Equal("LSTMCell", config["cell"]!["config"]!["cells"]![0]!["class_name"]!.GetValue<string>());
        Assert.False(config["cell"]!["config"]!["cells"]![0]!["config"]!["unit_forget_bias"]!.GetValue<bool>());
        var again = LayerRegistry.Create("RNN", JsonNode.Parse(config.ToJsonString())!.AsObject());
        Assert.Equal(config.ToJsonString(), again.GetConfig().ToJsonString());

        var custom = new Rnn(new MinimalRnnCell(3, name: "mini"), returnState: true);
        var customConfig = custom.GetConfig();
        var error = Assert.ThrowsAny<DeepSharpException>(() => LayerRegistry.Create("RNN", customConfig));
        Assert.Contains("MinimalRNNCell", error.Message);
        using (new CustomObjects().AddLayer("MinimalRNNCell", MinimalRnnCell.FromConfig).Scope())
            Assert.Equal(customConfig.ToJsonString(), LayerRegistry.Create("RNN", customConfig).GetConfig().ToJsonString());

        // A Keras 3 file's RNN config: the cell with its module, stateful and unroll false.
        var keras = JsonNode.Parse("""
            {"name": "rnn", "trainable": true, "return_sequences": false, "return_state": false, "go_backwards": false, "stateful": false,
             "unroll": false, "zero_output_for_mask": false,
             "cell": {"module": "keras.layers", "class_name": "GRUCell", "registered_name": null,
                      "config": {"name": "gru_cell", "trainable": true, "units": 8, "activation": "tanh", "recurrent_activation": "sigmoid",
                                 "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}},
                                 "recurrent_initializer": {"module": "keras.initializers", "class_name": "Orthogonal", "config": {"seed": null, "gain": 1.0}},
                                 "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}},
                                 "kernel_regularizer": null, "recurrent_regularizer": null, "bias_regularizer": null, "kernel_constraint": null,
                                 "recurrent_constraint": null, "bias_constraint": null, "dropout": 0.0, "recurrent_dropout": 0.0, "reset_after": true, "seed": null}}}
            """)!.AsObject();
        var fromKeras = Assert.IsType<Rnn>(LayerRegistry.Create("RNN", keras));
        Assert.Equal(8, Assert.IsType<GruCell>(fromKeras.Cell).Units);
    }

    [Fact]
    public void ModelFilesKeepStackedCellsAndTheirWeights()
    {
        RandomGenerator.SetGlobalSeed(8);
        var model = new Sequential(
            new Rnn([new LstmCell(4), new GruCell(3)], returnSequences: true, inputShape: [Time, Features]),
            new Rnn(new SimpleRnnCell(2), goBackwards: true),
            new Dense(1));
        var x = GradCheck.Random(5, Batch, Time, Features);
        using var folder = new DeepSharp.Tests.Data.TempFolder();
        var path = folder.File("cells.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        Assert.Equal(model.Parameters.Select(p => p.Path), loaded.Parameters.Select(p => p.Path));
        string summary = model.Summary(_ => { });
        var row = summary.Split('\n').Single(l => l.Contains("rnn (RNN)"));    // the stack's sequence: the last cell's 3 units
        Assert.Contains("(None, 5, 3)", row);
        Assert.Contains(" 225 ", row);                                           // LSTMCell(4) 4(4·4 + 16 + 4) + GRUCell(3) 3(4·3 + 9) + 18
        Assert.Contains("Total params: 240", summary);                           // + SimpleRNNCell(2) 3·2 + 4 + 2 + Dense 3
    }

    [Fact]
    public void FunctionalInitialStatesAndReturnedStates()
    {
        RandomGenerator.SetGlobalSeed(4);
        var source = Model.Input([Time, Features]);
        var target = Model.Input([Time, Features]);
        var encoder = new Rnn(new LstmCell(Units), returnState: true);
        var encoded = encoder.CallWithState(source);
        var decoded = new Rnn(new StackedRnnCells([new LstmCell(Units)]), returnSequences: true).Call(target, [encoded[1], encoded[2]]);
        var model = new Model([source, target], new Dense(1).Call(decoded));
        var y = model.Predict([GradCheck.Random(1, Batch, Time, Features), GradCheck.Random(2, Batch, Time, Features)]);
        Assert.Equal(new Shape(Batch, Time, 1), y[0].Shape);
    }

    [Fact]
    public void BadCellsAndShapesGetClearErrors()
    {
        Assert.Contains("stateful", Assert.Throws<ArgumentException>(() => new Rnn(new LstmCell(2), stateful: true)).Message);
        Assert.Contains("reset_after", Assert.Throws<ArgumentException>(() => new GruCell(2, resetAfter: false)).Message);
        var rnn = new Rnn(new LstmCell(2), name: "enc");
        var e = Assert.Throws<ShapeMismatchException>(() => rnn.Call(Tensor.Zeros(2, 3)));
        Assert.Contains("'enc'", e.Message);
        rnn.Call(Tensor.Zeros(2, 3, 4));
        Assert.Contains("4", Assert.Throws<ShapeMismatchException>(() => rnn.Call(Tensor.Zeros(2, 3, 5))).Message);
        var states = Assert.Throws<ArgumentException>(() => rnn.CallWithState(Tensor.Zeros(2, 3, 4), initialState: [Tensor.Zeros(2, 2)]));
        Assert.Contains("takes 2 initial state", states.Message);
        var cell = new LstmCell(2, name: "step");
        var wrong = Assert.Throws<ShapeMismatchException>(() => cell.Call(Tensor.Zeros(2, 3), [Tensor.Zeros(2, 2), Tensor.Zeros(2, 5)]));
        Assert.Contains("'step'", wrong.Message);
        Assert.Contains("(2, 2)", wrong.Message);
        var bad = new Rnn(new WrongSizeCell());
        var returned = Assert.Throws<ShapeMismatchException>(() => bad.Call(Tensor.Zeros(1, 2, 3)));
        Assert.Contains("WrongSizeCell", returned.Message);
        var owned = new LstmCell(2);
        _ = new Rnn(owned);
        Assert.Throws<ArgumentException>(() => new Rnn(owned));
        Assert.Throws<InvalidOperationException>(() => new Rnn(new LstmCell(2), returnState: true).Call(Tensor.Zeros(1, 2, 3)));
    }

    [Fact]
    public void DropoutInsideTheRnnDrawsOneMaskPerSequence()
    {
        // Same seeds: the fused Rnn and the LSTM layer draw the same masks in the same order.
        var x = GradCheck.Random(3, Batch, Time, Features);
        RandomGenerator.SetGlobalSeed(1);
        var layer = new Lstm(Units, dropout: 0.3f, recurrentDropout: 0.2f, seed: 42);
        var rnn = new Rnn(new LstmCell(Units, dropout: 0.3f, recurrentDropout: 0.2f, seed: 42));
        layer.Build(new Shape(Time, Features));
        rnn.Build(new Shape(Time, Features));
        rnn.SetWeights(layer.GetWeights());
        AssertClose(layer.Call(x, training: true), rnn.Call(x, training: true), 1e-5f);
        // Through the step loop: a stack of one draws its masks once per sequence, so inference-free runs differ from eval only by dropout.
        var stacked = new Rnn(new StackedRnnCells([new LstmCell(Units, dropout: 0.3f, recurrentDropout: 0.2f, seed: 42)]));
        stacked.Build(new Shape(Time, Features));
        stacked.SetWeights(layer.GetWeights());
        var layer2 = new Lstm(Units, dropout: 0.3f, recurrentDropout: 0.2f, seed: 42);
        layer2.Build(new Shape(Time, Features));
        layer2.SetWeights(layer.GetWeights());
        AssertClose(layer2.Call(x, training: true), stacked.Call(x, training: true), 1e-5f);
        AssertClose(layer.Call(x), stacked.Call(x), 1e-5f);
    }

    [Fact]
    public void SavingAnRnnOverAnUnregisteredCellFailsAtSaveTime()
    {
        var model = new Sequential(new Rnn(new EchoCell(), inputShape: [3, 2]), new Dense(1));
        model.Predict(Tensor.Zeros(1, 3, 2));
        using var folder = new DeepSharp.Tests.Data.TempFolder();
        var e = Assert.Throws<InvalidOperationException>(() => model.Save(folder.File("echo.safetensors")));
        Assert.Contains("EchoCell", e.Message);
        Assert.Contains("Register", e.Message);
    }

    /// <summary>h = tanh(x + h_prev), unregistered.</summary>
    private sealed class EchoCell() : RnnCell(null)
    {
        public override string TypeName => "EchoCell";
        public override IReadOnlyList<int> StateSize => [2];
        protected override CellStep Forward(Tensor inputs, IReadOnlyList<Tensor> states, bool training)
        {
            var h = Ops.Tanh(Ops.Add(inputs, states[0]));
            return new(h, [h]);
        }
    }

    private sealed class WrongSizeCell() : RnnCell(null)
    {
        public override string TypeName => "WrongSizeCell";
        public override IReadOnlyList<int> StateSize => [2];
        protected override CellStep Forward(Tensor inputs, IReadOnlyList<Tensor> states, bool training) => new(inputs, [states[0]]);
    }

    private static void AssertSame(IReadOnlyList<Tensor> expected, IReadOnlyList<Tensor> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++) AssertClose(expected[i], actual[i], 1e-5f);
    }

    private static void AssertClose(Tensor expected, Tensor actual, float tolerance)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.ToArray();
        var a = actual.ToArray();
        for (int i = 0; i < e.Length; i++)
            Assert.True(MathF.Abs(e[i] - a[i]) <= tolerance, $"element {i}: expected {e[i]}, got {a[i]}");
    }
}
