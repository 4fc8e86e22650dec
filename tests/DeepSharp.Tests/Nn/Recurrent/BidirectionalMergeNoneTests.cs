using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Docs;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn.Recurrent;

/// <summary>
/// Keras's <c>Bidirectional(merge_mode=None)</c>: the forward and the backward outputs as two tensors (the backward
/// one in time order), then with return_state the states — for every inner layer type, against two hand-wired layers,
/// in functional models, configs, files, Summary and ONNX.
/// </summary>
public sealed class BidirectionalMergeNoneTests
{
    private static (Layer Layer, int[] Input) Inner(string kind, bool sequences, bool state) => kind switch
    {
        "lstm" => (new Lstm(3, returnSequences: sequences, returnState: state), [4, 2]),
        "gru" => (new Gru(3, returnSequences: sequences, returnState: state), [4, 2]),
        "simple" => (new SimpleRnn(3, returnSequences: sequences, returnState: state), [4, 2]),
        "rnn-lstm" => (new Rnn(new LstmCell(3), returnSequences: sequences, returnState: state), [4, 2]),
        "rnn-custom" => (new Rnn(new MinimalRnnCell(3), returnSequences: sequences, returnState: state), [4, 2]),
        "convlstm1d" => (new ConvLstm1D(2, 2, padding: Padding.Same, returnSequences: sequences, returnState: state), [4, 5, 2]),
        "convlstm2d" => (new ConvLstm2D(2, (2, 3), padding: Padding.Same, returnSequences: sequences, returnState: state), [3, 3, 4, 2]),
        _ => (new ConvLstm3D(2, 2, returnSequences: sequences, returnState: state), [3, 3, 2, 3, 1]),
    };

    private static CustomObjects UserCell() => new CustomObjects().AddLayer("MinimalRNNCell", MinimalRnnCell.FromConfig);

    public static TheoryData<string, bool, bool> Cases() => new()
    {
        { "lstm", true, true }, { "lstm", false, false }, { "gru", true, false }, { "simple", false, true },
        { "rnn-lstm", true, true }, { "rnn-custom", false, true }, { "rnn-custom", true, false },
        { "convlstm1d", true, false }, { "convlstm2d", false, true }, { "convlstm3d", true, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReturnsBothDirectionsAsTheHandWiredLayers(string kind, bool sequences, bool state)
    {
        using var scope = UserCell().Scope();
        RandomGenerator.SetGlobalSeed(31);
        var (inner, input) = Inner(kind, sequences, state);
        var bi = new Bidirectional(inner, MergeMode.None);
        int batch = 3, time = input[0];
        var x = Tensor.RandomUniform(new Shape([batch, .. input]), -1f, 1f, new RandomGenerator(4));
        var mask = Problem.MaskPattern(batch, time);
        // On tensors, CallWithState returns the states too (as for every recurrent layer); a functional call records them only with returnState.
        var got = bi.CallWithState(x, mask);
        var shapes = bi.ComputeOutputShapes(new Shape(input));
        Assert.Equal(shapes.Count, got.Count);

        var forward = Copy(bi.ForwardLayer, input);
        var backward = Copy(bi.BackwardLayer, input);
        var f = Run(forward, x, mask);
        var b = Run(backward, x, mask);
        Assert.Equal(shapes[0].WithBatch(batch), got[0].Shape);
        Assert.Equal(shapes[1].WithBatch(batch), got[1].Shape);
        Assert.Equal(f[0].ToArray(), got[0].ToArray());
        Assert.Equal(sequences ? Flip(b[0]) : b[0].ToArray(), got[1].ToArray());
        Tensor[] states = [.. f.Skip(1), .. b.Skip(1)];
        Assert.Equal(2 + states.Length, got.Count);
        for (int k = 0; k < states.Length; k++) Assert.Equal(states[k].ToArray(), got[2 + k].ToArray());
        var symbolic = bi.CallWithState(Model.Input(input));
        Assert.Equal(state ? got.Count : 2, symbolic.Length);

        // One output only is what Call, ComputeOutputShape and a Sequential take: each says to call CallWithState.
        var e = Assert.Throws<InvalidOperationException>(() => bi.Call(x));
        Assert.Contains("CallWithState", e.Message);
        Assert.Throws<InvalidOperationException>(() => bi.ComputeOutputShape(new Shape(input)));
    }

    private static Layer Copy(Layer layer, int[] input)
    {
        var copy = LayerRegistry.Clone(layer);
        copy.Build(new Shape(input));
        copy.SetWeights(layer.GetWeights());
        return copy;
    }

    private static IReadOnlyList<Tensor> Run(Layer layer, Tensor x, Tensor mask) => layer switch
    {
        Rnn rnn => rnn.CallWithState(x, mask),
        ConvLstm conv => conv.CallWithState(x, mask),
        RecurrentLayer recurrent => recurrent.CallWithState(x, mask),
        _ => throw new ArgumentException(layer.TypeName),
    };

    /// <summary>A (batch, time, …) sequence with its time axis reversed, by hand.</summary>
    private static float[] Flip(Tensor t)
    {
        var v = t.ToArray();
        int batch = t.Shape[0], time = t.Shape[1], inner = v.Length / (batch * time);
        var flipped = new float[v.Length];
        for (int n = 0; n < batch; n++)
            for (int s = 0; s < time; s++)
                Array.Copy(v, (n * time + time - 1 - s) * inner, flipped, (n * time + s) * inner, inner);
        return flipped;
    }

    [Fact]
    public void GradientsOfBothOutputsMatchFiniteDifferences()
    {
        RandomGenerator.SetGlobalSeed(32);
        var bi = new Bidirectional(new Gru(2, returnSequences: true), MergeMode.None);
        bi.Build(new Shape(3, 2));
        var x = GradCheck.Random(5, [2, 3, 2]);
        GradCheck.Check(t =>
        {
            var outputs = bi.CallWithState(t[0]);
            // Weigh the two outputs differently, so that a swap or a missing flip shows.
            return Ops.Add(outputs[0], Ops.Multiply(outputs[1], outputs[1]));
        }, [x, .. bi.Parameters.Select(p => p.Value)], epsilon: 1e-3f, maxElementsPerInput: 12);
    }

    private static Functional TwoOutputModel()
    {
        RandomGenerator.SetGlobalSeed(33);
        var input = Model.Input([5, 3]);
        var outputs = new Bidirectional(new Lstm(4, returnSequences: true, returnState: true), MergeMode.None, name: "bi").CallWithState(input);
        Assert.Equal(6, outputs.Length); // forward, backward, h_f, c_f, h_b, c_b
        var head = new Dense(2, name: "head").Call(new Concatenate().Call(outputs[0], outputs[1]));
        return new Functional(input, [head, outputs[2], outputs[4]]);
    }

    [Fact]
    public void AFunctionalModelRunsSavesLoadsAndSummarizesTheTwoOutputs()
    {
        var model = TwoOutputModel();
        var x = Tensor.RandomUniform(new Shape(2, 5, 3), -1f, 1f, new RandomGenerator(6));
        var y = model.Call([x]);
        // By hand: the layer's own outputs, concatenated, through the head.
        var bi = (Bidirectional)model.Layers.Single(l => l.Name == "bi");
        var parts = bi.CallWithState(x);
        Assert.Equal(parts[2].ToArray(), y[1].ToArray());
        Assert.Equal(parts[4].ToArray(), y[2].ToArray());
        var head = model.Layers.Single(l => l.Name == "head");
        Assert.Equal(head.Call(Ops.Concatenate([parts[0], parts[1]], -1)).ToArray(), y[0].ToArray());

        var config = model.GetConfig();
        Assert.Null(config["layers"]!.AsArray().Single(l => l!["config"]!["name"]!.GetValue<string>() == "bi")!["config"]!["merge_mode"]);
        var rebuilt = Functional.FromConfig(config);
        Assert.Equal(config.ToJsonString(), rebuilt.GetConfig().ToJsonString());

        using var folder = new TempFolder();
        string path = folder.File("none.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        var again = loaded.Call([x]);
        for (int i = 0; i < y.Count; i++) Assert.Equal(y[i].ToArray(), again[i].ToArray());

        string summary = model.Summary(_ => { });
        Assert.Contains("(None, 5, 4)", summary);
        Assert.Contains("(None, 4)", summary);
        Assert.Equal(summary, loaded.Summary(_ => { }));
    }

    [Fact]
    public void OnnxExportRefusesTheTwoOutputsNamingTheLayer()
    {
        var model = TwoOutputModel();
        using var folder = new TempFolder();
        var e = Assert.Throws<DeepSharpException>(() => model.ExportOnnx(folder.File("none.onnx")));
        Assert.Contains("'bi' (Bidirectional)", e.Message);
    }

    [Fact]
    public void AKerasJsonWithMergeModeNullLoads()
    {
        // As Keras 3 writes Bidirectional(LSTM(3, return_sequences=True), merge_mode=None).
        const string json = """
            {"name": "bidirectional", "trainable": true, "dtype": "float32", "merge_mode": null,
             "layer": {"module": "keras.layers", "class_name": "LSTM", "registered_name": null, "config": {"name": "forward_lstm", "units": 3, "return_sequences": true,
                "activation": {"module": "keras.activations", "class_name": "function", "config": "tanh", "registered_name": "function"}}},
             "backward_layer": {"module": "keras.layers", "class_name": "LSTM", "registered_name": null, "config": {"name": "backward_lstm", "units": 3,
                "return_sequences": true, "go_backwards": true}}}
            """;
        var bi = (Bidirectional)LayerRegistry.Create("Bidirectional", JsonNode.Parse(json)!.AsObject());
        Assert.Equal(MergeMode.None, bi.MergeMode);
        var shapes = bi.ComputeOutputShapes(new Shape(6, 2));
        Assert.Equal(new Shape(6, 3), shapes[0]);
        Assert.Equal(new Shape(6, 3), shapes[1]);
        // A missing merge_mode is Keras's default, concat.
        var noKey = JsonNode.Parse(json)!.AsObject();
        noKey.Remove("merge_mode");
        Assert.Equal(MergeMode.Concat, ((Bidirectional)LayerRegistry.Create("Bidirectional", noKey)).MergeMode);
    }

    [Fact]
    public void DirectionsOfDifferentWidthsNeedNoMerge()
    {
        RandomGenerator.SetGlobalSeed(34);
        var bi = new Bidirectional(new Lstm(3, returnSequences: true), MergeMode.None, backwardLayer: new Gru(5, returnSequences: true, goBackwards: true));
        var got = bi.CallWithState(Tensor.RandomUniform(new Shape(2, 4, 2), -1f, 1f, new RandomGenerator(8)));
        Assert.Equal(new Shape(2, 4, 3), got[0].Shape);
        Assert.Equal(new Shape(2, 4, 5), got[1].Shape);
        Assert.Throws<ArgumentException>(() => new Bidirectional(new Lstm(3), MergeMode.Sum, backwardLayer: new Gru(5, goBackwards: true)));
    }
}
