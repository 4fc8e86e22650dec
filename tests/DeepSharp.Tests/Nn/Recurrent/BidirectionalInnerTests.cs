using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Docs;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn.Recurrent;

/// <summary>
/// Bidirectional over every recurrent layer Keras allows besides SimpleRNN/LSTM/GRU: an RNN over a built-in
/// cell, a stack of cells or a cell of your own, and ConvLSTM1D/2D/3D. Each equals two hand-wired layers — a
/// copy of the forward layer and a copy of the backward one with the same weights, the backward output flipped
/// back in time and merged element by element here — with masks, initial states and returned states.
/// </summary>
public sealed class BidirectionalInnerTests
{
    /// <summary>The inner layer and the per-sample input shape (time, features…) of each case.</summary>
    private static (Layer Layer, int[] Input) Inner(string kind, bool sequences) => kind switch
    {
        "rnn-lstm" => (new Rnn(new LstmCell(3, biasInitializer: Initializer.RandomUniform(-0.5f, 0.5f)), returnSequences: sequences, returnState: true), [4, 2]),
        "rnn-stacked" => (new Rnn([new SimpleRnnCell(2), new GruCell(3, biasInitializer: Initializer.RandomUniform(-0.5f, 0.5f))],
            returnSequences: sequences, returnState: true), [4, 2]),
        "rnn-custom" => (new Rnn(new MinimalRnnCell(3), returnSequences: sequences, returnState: true), [4, 2]),
        "convlstm1d" => (new ConvLstm1D(2, 2, padding: Padding.Same, returnSequences: sequences, returnState: true,
            biasInitializer: Initializer.RandomUniform(-0.5f, 0.5f)), [4, 5, 2]),
        "convlstm2d" => (new ConvLstm2D(2, (2, 3), padding: Padding.Same, returnSequences: sequences, returnState: true), [3, 3, 4, 2]),
        _ => (new ConvLstm3D(2, 2, returnSequences: sequences, returnState: true), [3, 3, 2, 3, 1]),
    };

    private static CustomObjects UserCell() => new CustomObjects().AddLayer("MinimalRNNCell", MinimalRnnCell.FromConfig);

    public static TheoryData<string, MergeMode, bool> Cases() => new()
    {
        { "rnn-lstm", MergeMode.Concat, true }, { "rnn-lstm", MergeMode.Sum, false },
        { "rnn-stacked", MergeMode.Mul, true }, { "rnn-stacked", MergeMode.Concat, false },
        { "rnn-custom", MergeMode.Ave, true }, { "rnn-custom", MergeMode.Concat, false },
        { "convlstm1d", MergeMode.Concat, true }, { "convlstm1d", MergeMode.Sum, false },
        { "convlstm2d", MergeMode.Ave, true }, { "convlstm2d", MergeMode.Concat, false },
        { "convlstm3d", MergeMode.Concat, true }, { "convlstm3d", MergeMode.Mul, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EqualsTheTwoDirectionsWiredByHand(string kind, MergeMode mode, bool sequences)
    {
        using var scope = UserCell().Scope();
        RandomGenerator.SetGlobalSeed(21);
        var (inner, input) = Inner(kind, sequences);
        var bi = new Bidirectional(inner, mode);
        int batch = 5, time = input[0];
        var x = Tensor.RandomUniform(new Shape([batch, .. input]), -1f, 1f, new RandomGenerator(3));
        var mask = Problem.MaskPattern(batch, time);
        var shapes = bi.ComputeOutputShapes(new Shape(input));
        var states = shapes.Skip(1).Select((s, k) => Tensor.RandomUniform(s.WithBatch(batch), -1f, 1f, new RandomGenerator(10 + k))).ToArray();
        var got = bi.CallWithState(x, mask, states);

        // Keras's recreation: "forward_"/"backward_" + name, go_backwards flipped, zero_output_for_mask = return_sequences.
        Assert.StartsWith("forward_", bi.ForwardLayer.Name);
        Assert.StartsWith("backward_", bi.BackwardLayer.Name);
        var forwardConfig = bi.ForwardLayer.GetConfig();
        var backwardConfig = bi.BackwardLayer.GetConfig();
        Assert.False(forwardConfig["go_backwards"]!.GetValue<bool>());
        Assert.True(backwardConfig["go_backwards"]!.GetValue<bool>());
        Assert.Equal(sequences, forwardConfig["zero_output_for_mask"]!.GetValue<bool>());
        Assert.Equal(sequences, backwardConfig["zero_output_for_mask"]!.GetValue<bool>());

        // The two directions by hand: copies of each with the same weights, half of the states each.
        var forward = Copy(bi.ForwardLayer, input);
        var backward = Copy(bi.BackwardLayer, input);
        int half = states.Length / 2;
        var f = Run(forward, x, mask, states[..half]);
        var b = Run(backward, x, mask, states[half..]);
        var want = Merge(f[0], b[0], mode, sequences);
        Assert.Equal(shapes[0].WithBatch(batch), got[0].Shape);
        Assert.Equal(want, got[0].ToArray());
        Tensor[] wantStates = [.. f.Skip(1), .. b.Skip(1)];
        Assert.Equal(wantStates.Length, got.Count - 1);
        for (int k = 0; k < wantStates.Length; k++) Assert.Equal(wantStates[k].ToArray(), got[1 + k].ToArray());

        // Without states the output is the same (Call takes the mask, zeros as initial states).
        var plain = new Bidirectional(Unstated(inner), mode);
        plain.Build(new Shape(input));
        plain.SetWeights(bi.GetWeights());
        var zeros = Merge(Run(forward, x, mask, null)[0], Run(backward, x, mask, null)[0], mode, sequences);
        Assert.Equal(zeros, plain.Call(x, mask).ToArray());
    }

    /// <summary>The same layer with returnState false, from its config.</summary>
    private static Layer Unstated(Layer layer)
    {
        var config = layer.GetConfig();
        config["return_state"] = false;
        config.Remove("name");
        return LayerRegistry.Create(layer.TypeName, config);
    }

    private static Layer Copy(Layer layer, int[] input)
    {
        var copy = LayerRegistry.Clone(layer);
        copy.Build(new Shape(input));
        copy.SetWeights(layer.GetWeights());
        return copy;
    }

    private static IReadOnlyList<Tensor> Run(Layer layer, Tensor x, Tensor mask, Tensor[]? states) => layer switch
    {
        Rnn rnn => rnn.CallWithState(x, mask, states),
        ConvLstm conv => conv.CallWithState(x, mask, states),
        RecurrentLayer recurrent => recurrent.CallWithState(x, mask, states),
        _ => throw new ArgumentException(layer.TypeName),
    };

    /// <summary>Keras's merge, element by element: the backward sequence flipped in time, then concat (last axis), sum, mul or ave.</summary>
    private static float[] Merge(Tensor forward, Tensor backward, MergeMode mode, bool sequences)
    {
        var fw = forward.ToArray();
        var bw = backward.ToArray();
        var dims = forward.Shape.ToArray();
        int batch = dims[0], time = sequences ? dims[1] : 1, width = dims[^1];
        var flipped = new float[bw.Length];
        int backwardInner = bw.Length / (batch * time);
        for (int n = 0; n < batch; n++)
            for (int t = 0; t < time; t++)
                Array.Copy(bw, (n * time + (sequences ? time - 1 - t : t)) * backwardInner, flipped, (n * time + t) * backwardInner, backwardInner);
        if (mode != MergeMode.Concat)
            return [.. fw.Select((v, i) => mode switch
            {
                MergeMode.Sum => v + flipped[i],
                MergeMode.Mul => v * flipped[i],
                _ => (v + flipped[i]) * 0.5f,
            })];
        int backwardWidth = backward.Shape[-1], positions = fw.Length / width;
        var merged = new float[positions * (width + backwardWidth)];
        for (int p = 0; p < positions; p++)
        {
            Array.Copy(fw, p * width, merged, p * (width + backwardWidth), width);
            Array.Copy(flipped, p * backwardWidth, merged, p * (width + backwardWidth) + width, backwardWidth);
        }
        return merged;
    }

    [Theory]
    [InlineData("rnn-lstm", MergeMode.Concat)]
    [InlineData("rnn-custom", MergeMode.Sum)]
    [InlineData("convlstm1d", MergeMode.Ave)]
    public void GradientsMatchFiniteDifferences(string kind, MergeMode mode)
    {
        using var scope = UserCell().Scope();
        RandomGenerator.SetGlobalSeed(22);
        var layer = Unstated(Inner(kind, sequences: true).Layer);
        var input = Inner(kind, true).Input;
        var bi = new Bidirectional(layer, mode);
        bi.Build(new Shape(input));
        var x = GradCheck.Random(4, [2, .. input]);
        var mask = Problem.MaskPattern(2, input[0]);
        GradCheck.Check(t => bi.Call(t[0], mask), [x, .. bi.Parameters.Select(p => p.Value)], epsilon: 1e-3f, maxElementsPerInput: 12);
    }

    [Fact]
    public void WeightsAreNamedAsKerasNamesThem()
    {
        var rnn = new Bidirectional(new Rnn([new LstmCell(2), new GruCell(2)]), name: "bidirectional");
        rnn.Build(new Shape(3, 2));
        Assert.Equal(
            ["bidirectional/forward_rnn/stacked_rnn_cells/lstm_cell/kernel", "bidirectional/forward_rnn/stacked_rnn_cells/lstm_cell/recurrent_kernel",
             "bidirectional/forward_rnn/stacked_rnn_cells/lstm_cell/bias", "bidirectional/forward_rnn/stacked_rnn_cells/gru_cell/kernel",
             "bidirectional/forward_rnn/stacked_rnn_cells/gru_cell/recurrent_kernel", "bidirectional/forward_rnn/stacked_rnn_cells/gru_cell/bias"],
            rnn.Parameters.Take(6).Select(p => p.Path));
        var conv = new Bidirectional(new ConvLstm2D(3, 2, name: "conv_lstm2d"), name: "bidirectional");
        conv.Build(new Shape(2, 5, 5, 1));
        Assert.Equal(
            ["bidirectional/forward_conv_lstm2d/conv_lstm_cell/kernel", "bidirectional/forward_conv_lstm2d/conv_lstm_cell/recurrent_kernel",
             "bidirectional/forward_conv_lstm2d/conv_lstm_cell/bias", "bidirectional/backward_conv_lstm2d/conv_lstm_cell/kernel",
             "bidirectional/backward_conv_lstm2d/conv_lstm_cell/recurrent_kernel", "bidirectional/backward_conv_lstm2d/conv_lstm_cell/bias"],
            conv.Parameters.Select(p => p.Path));
        Assert.Equal(2 * (2 * 2 * 1 * 12 + 2 * 2 * 3 * 12 + 12), conv.ParameterCount);
        Assert.Equal(new Shape(4, 4, 6), conv.ComputeOutputShape(new Shape(2, 5, 5, 1))); // channels concatenated
    }

    [Fact]
    public void AKerasJsonOfBidirectionalRnnAndConvLstmLoads()
    {
        // As Keras 3 writes them: the layer and backward_layer with module, class_name, config and registered_name.
        var rnn = JsonNode.Parse("""
            {"name": "bidirectional", "trainable": true, "dtype": "float32", "merge_mode": "sum",
             "layer": {"module": "keras.layers", "class_name": "RNN", "registered_name": null, "config": {"name": "forward_rnn", "trainable": true,
                "return_sequences": true, "return_state": false, "go_backwards": false, "stateful": false, "unroll": false, "zero_output_for_mask": true,
                "cell": {"module": "keras.layers", "class_name": "LSTMCell", "registered_name": null, "config": {"name": "lstm_cell", "trainable": true,
                   "units": 4, "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": true,
                   "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}},
                   "recurrent_initializer": {"module": "keras.initializers", "class_name": "Orthogonal", "config": {"seed": null, "gain": 1.0}},
                   "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}}, "unit_forget_bias": true,
                   "kernel_regularizer": null, "recurrent_regularizer": null, "bias_regularizer": null, "kernel_constraint": null,
                   "recurrent_constraint": null, "bias_constraint": null, "dropout": 0.0, "recurrent_dropout": 0.0, "seed": null}}}},
             "backward_layer": {"module": "keras.layers", "class_name": "RNN", "registered_name": null, "config": {"name": "backward_rnn", "trainable": true,
                "return_sequences": true, "return_state": false, "go_backwards": true, "stateful": false, "unroll": false, "zero_output_for_mask": true,
                "cell": {"module": "keras.layers", "class_name": "LSTMCell", "registered_name": null, "config": {"name": "lstm_cell", "units": 4}}}}}
            """)!.AsObject();
        var fromRnn = Assert.IsType<Bidirectional>(LayerRegistry.Create("Bidirectional", rnn));
        Assert.Equal(MergeMode.Sum, fromRnn.MergeMode);
        Assert.IsType<LstmCell>(Assert.IsType<Rnn>(fromRnn.BackwardLayer).Cell);
        Assert.True(((Rnn)fromRnn.BackwardLayer).GoBackwards);
        Assert.Equal(new Shape(6, 4), fromRnn.ComputeOutputShape(new Shape(6, 3)));

        var conv = JsonNode.Parse("""
            {"name": "bidirectional_1", "trainable": true, "merge_mode": "concat",
             "layer": {"module": "keras.layers", "class_name": "ConvLSTM2D", "registered_name": null, "config": {"name": "forward_conv_lstm2d",
                "filters": 3, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same", "data_format": "channels_last", "dilation_rate": [1, 1],
                "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": true, "unit_forget_bias": true, "dropout": 0.0,
                "recurrent_dropout": 0.0, "seed": null, "return_sequences": false, "return_state": false, "go_backwards": false,
                "stateful": false, "unroll": null}},
             "backward_layer": {"module": "keras.layers", "class_name": "ConvLSTM2D", "registered_name": null, "config": {"name": "backward_conv_lstm2d",
                "filters": 3, "kernel_size": [3, 3], "padding": "same", "go_backwards": true}}}
            """)!.AsObject();
        var fromConv = Assert.IsType<Bidirectional>(LayerRegistry.Create("Bidirectional", conv));
        Assert.IsType<ConvLstm2D>(fromConv.ForwardLayer);
        Assert.Equal(new Shape(5, 6, 6), fromConv.ComputeOutputShape(new Shape(4, 5, 6, 2)));
        fromConv.Build(new Shape(4, 5, 6, 2));
        Assert.Equal(2 * (3 * 3 * 2 * 12 + 3 * 3 * 3 * 12 + 12), fromConv.ParameterCount);
    }

    [Fact]
    public void ModelFilesSummaryAndConfigsRoundTrip()
    {
        using var folder = new TempFolder();
        using var scope = UserCell().Scope();
        RandomGenerator.SetGlobalSeed(23);
        var model = new Sequential(
        [
            new Bidirectional(new ConvLstm1D(2, 3, padding: Padding.Same, returnSequences: true), inputShape: [4, 6, 2]),
            new TimeDistributed(new Flatten()),
            new Bidirectional(new Rnn(new MinimalRnnCell(3), returnSequences: true), MergeMode.Ave),
            new Bidirectional(new Rnn([new LstmCell(2), new SimpleRnnCell(3)])),
        ]);
        var x = Tensor.RandomUniform(new Shape(3, 4, 6, 2), -1f, 1f, new RandomGenerator(4));
        var y = model.Predict(x);
        Assert.Equal(new Shape(3, 6), y.Shape);
        string summary = model.Summary(_ => { });
        Assert.Contains("bidirectional (Bidirectional)", summary);
        Assert.Contains("(None, 4, 6, 4)", summary);
        string file = folder.File("bi.safetensors");
        model.Save(file);
        var loaded = Model.Load(file);
        Assert.Equal(y.ToArray(), loaded.Predict(x).ToArray());
        foreach (var layer in model.Layers.OfType<Bidirectional>())
        {
            string config = layer.GetConfig().ToJsonString();
            Assert.Equal(config, LayerRegistry.Create("Bidirectional", JsonNode.Parse(config)!.AsObject()).GetConfig().ToJsonString());
        }
    }

    [Fact]
    public void OnnxExportsAnRnnOverABuiltInCellAndRefusesTheOthersByName()
    {
        RandomGenerator.SetGlobalSeed(24);
        var model = new Sequential(new Bidirectional(new Rnn(new GruCell(4), returnSequences: true), inputShape: [6, 3]),
            new Bidirectional(new Rnn(new LstmCell(3)), MergeMode.Sum));
        OnnxRecurrentExportTests.PerturbBiases(model);
        OnnxRunner.AssertMatches(model, [Tensor.RandomUniform(new Shape(2, 6, 3), -1f, 1f, new RandomGenerator(5))], "Bidirectional(RNN(cell))");

        var conv = new Sequential(new Bidirectional(new ConvLstm1D(2, 2), name: "bi_conv", inputShape: [3, 4, 2]));
        var e = Assert.ThrowsAny<DeepSharpException>(() => OnnxRunner.Run(conv, [Tensor.Zeros(1, 3, 4, 2)]));
        Assert.Contains("'bi_conv' (Bidirectional)", e.Message);
        Assert.Contains("ConvLSTM1D", e.Message);
        var stacked = new Sequential(new Bidirectional(new Rnn([new LstmCell(2), new LstmCell(2)]), name: "bi_stack", inputShape: [4, 3]));
        e = Assert.ThrowsAny<DeepSharpException>(() => OnnxRunner.Run(stacked, [Tensor.Zeros(1, 4, 3)]));
        Assert.Contains("'bi_stack' (Bidirectional)", e.Message);
        Assert.Contains("StackedRNNCells", e.Message);
    }

    [Fact]
    public void BadLayersAreClearErrors()
    {
        var dense = Assert.Throws<ArgumentException>(() => new Bidirectional(new Dense(3, name: "dense")));
        Assert.Contains("'dense' (Dense)", dense.Message);
        var backward = Assert.Throws<ArgumentException>(() => new Bidirectional(new Lstm(2), backwardLayer: new Dense(2, name: "d")));
        Assert.Contains("'d' (Dense)", backward.Message);
        // A cell of your own is recreated from its config, as in Keras: unregistered, the error says how to register it.
        var unregistered = Assert.Throws<ArgumentException>(() => new Bidirectional(new Rnn(new UnregisteredCell())));
        Assert.Contains("UnregisteredCell", unregistered.Message);
        Assert.Contains("LayerRegistry.Register", unregistered.Message);
        // Directions whose outputs cannot be merged are named with both shapes.
        var mismatch = new Bidirectional(new ConvLstm2D(2, 3), MergeMode.Sum, new ConvLstm2D(2, 2, goBackwards: true, name: "rev"), name: "bi");
        var e = Assert.Throws<ShapeMismatchException>(() => mismatch.Build(new Shape(3, 6, 6, 1)));
        Assert.Contains("'bi'", e.Message);
        Assert.Contains("(4, 4, 2)", e.Message);
        Assert.Contains("(5, 5, 2)", e.Message);
        Assert.Contains("'rev'", e.Message);
        var wrongRank = Assert.Throws<ShapeMismatchException>(() => new Bidirectional(new ConvLstm2D(2, 3), name: "bi2").Build(new Shape(3, 6, 1)));
        Assert.Contains("'bi2' (Bidirectional)", wrongRank.Message);
        var states = new Bidirectional(new Rnn(new LstmCell(2), returnState: true));
        var count = Assert.Throws<ArgumentException>(() => states.CallWithState(Tensor.Zeros(1, 3, 2), initialState: [Tensor.Zeros(1, 2)]));
        Assert.Contains("takes 4 initial states", count.Message);
    }

    /// <summary>A cell type that no test registers.</summary>
    private sealed class UnregisteredCell() : RnnCell(null)
    {
        public override string TypeName => "UnregisteredCell";
        public override IReadOnlyList<int> StateSize => [2];
        protected override CellStep Forward(Tensor inputs, IReadOnlyList<Tensor> states, bool training) => new(states[0], states);
    }
}
