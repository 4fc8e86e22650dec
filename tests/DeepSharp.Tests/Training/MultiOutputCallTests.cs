using System.Text.Json.Nodes;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Training;

/// <summary>
/// Layer calls with several outputs in functional models: recurrent states (GRU, SimpleRNN,
/// Bidirectional) and attention scores as model outputs equal the eager calls; initial states from
/// model inputs; masks still reach state-returning calls; configs keep tensor indices; clear errors.
/// </summary>
public class MultiOutputCallTests
{
    private static float[] Values(Tensor t) => t.ToArray();

    [Fact]
    public void GruOutputAndStateAsModelOutputsEqualEagerCallWithState()
    {
        RandomGenerator.SetGlobalSeed(31);
        var x = Model.Input([5, 3]);
        var h0 = Model.Input([4], name: "h0");
        var gru = new Gru(4, returnSequences: true, returnState: true);
        var outputs = gru.CallWithState(x, initialState: [h0]);
        Assert.Equal([0, 1], outputs.Select(o => o.TensorIndex));
        Assert.Equal("gru[0][1]", outputs[1].History);
        var model = new Functional([x, h0], [outputs[0], outputs[1]]);
        Assert.Equal(["gru", "gru_1"], model.OutputNames);

        var xs = GradCheck.Random(32, 3, 5, 3);
        var hs = GradCheck.Random(33, 3, 4);
        var graph = model.Predict([xs, hs]);
        var eager = gru.CallWithState(xs, initialState: [hs]);
        Assert.Equal(new Shape(3, 5, 4), graph[0].Shape);
        Assert.Equal(new Shape(3, 4), graph[1].Shape);
        Assert.Equal(Values(eager[0]), Values(graph[0]));
        Assert.Equal(Values(eager[1]), Values(graph[1]));
        Assert.NotEqual(Values(gru.CallWithState(xs)[1]), Values(graph[1]));   // the initial state is used
    }

    [Fact]
    public void SimpleRnnStateKeepsTheEmbeddingMask()
    {
        RandomGenerator.SetGlobalSeed(34);
        var tokens = Model.Input([6], dtype: DType.Int32);
        var embedding = new Embedding(9, 3, maskZero: true);
        var rnn = new SimpleRnn(4, returnState: true);
        var outputs = rnn.CallWithState(embedding.Call(tokens));
        var model = new Functional([tokens], [outputs[0], outputs[1]]);

        // Right-padded: the masked steps must be skipped, so the state equals that of the unpadded prefix.
        var x = Tensor.FromArray(new[] { 3, 1, 4, 0, 0, 0, /**/ 5, 2, 6, 8, 7, 1 }, 2, 6);
        var graph = model.Predict([x]);
        var mask = Tensor.FromArray(new[] { 1f, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1 }, 2, 6);
        var eager = rnn.CallWithState(embedding.Call(x), mask);
        Assert.Equal(Values(eager[0]), Values(graph[0]));
        Assert.Equal(Values(eager[1]), Values(graph[1]));
        Assert.NotEqual(Values(rnn.CallWithState(embedding.Call(x))[1]), Values(graph[1]));   // unmasked differs
    }

    [Fact]
    public void BidirectionalStatesAsModelOutputs()
    {
        RandomGenerator.SetGlobalSeed(35);
        var x = Model.Input([4, 3]);
        var bi = new Bidirectional(new Lstm(2, returnState: true));
        var outputs = bi.CallWithState(x);
        Assert.Equal([new Shape(4), new Shape(2), new Shape(2), new Shape(2), new Shape(2)], outputs.Select(o => o.Shape));
        var model = new Functional([x], [.. outputs]);
        var xs = GradCheck.Random(36, 2, 4, 3);
        var graph = model.Predict([xs]);
        var eager = bi.CallWithState(xs);
        for (int i = 0; i < 5; i++) Assert.Equal(Values(eager[i]), Values(graph[i]));

        // States from inputs start both directions (forward h, c, then backward h, c).
        var s = Enumerable.Range(0, 4).Select(i => Model.Input([2], name: $"s{i}")).ToArray();
        var started = new Bidirectional(new Gru(2, returnSequences: true), MergeMode.Sum);
        var y = started.Call(x, [s[0], s[1]]);
        var startedModel = new Functional([x, s[0], s[1]], [y]);
        var h = new[] { GradCheck.Random(37, 2, 2), GradCheck.Random(38, 2, 2) };
        Assert.Equal(Values(started.CallWithState(xs, initialState: h)[0]), Values(startedModel.Predict([xs, h[0], h[1]])[0]));
        var count = Assert.Throws<ArgumentException>(() => started.Call(x, [s[0], s[1], s[2]]));
        Assert.Contains("forward h, then backward h", count.Message);
    }

    [Fact]
    public void AttentionScoresAsModelOutputEqualEagerScores()
    {
        RandomGenerator.SetGlobalSeed(39);
        var query = Model.Input([3, 4]);
        var value = Model.Input([5, 4]);
        var mha = new MultiHeadAttention(2, 3);
        var (output, scores) = mha.CallWithScores(query, value, useCausalMask: false);
        Assert.Equal(new Shape(2, 3, 5), scores.Shape);
        var model = new Functional([query, value], [new Dense(2).Call(output), scores]);
        var q = GradCheck.Random(40, 2, 3, 4);
        var v = GradCheck.Random(41, 2, 5, 4);
        var graph = model.Predict([q, v]);
        var (_, eagerScores) = mha.CallWithScores(q, v);
        Assert.Equal(Values(eagerScores), Values(graph[1]));

        var clone = Functional.FromConfig(model.GetConfig());
        Assert.Equal(model.GetConfig().ToJsonString(), clone.GetConfig().ToJsonString());
        Assert.Contains("\"return_attention_scores\":true", model.GetConfig().ToJsonString());
    }

    [Fact]
    public void ModelsWithStateOutputsSaveLoadAndTrain()
    {
        RandomGenerator.SetGlobalSeed(42);
        var x = Model.Input([5, 2]);
        var outputs = new Lstm(3, returnState: true, name: "lstm").CallWithState(x);
        var model = new Functional([x], [new Dense(1, name: "out").Call(outputs[0]), outputs[2]]);
        using var folder = new TempFolder();
        string path = folder.File("states.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        var xs = GradCheck.Random(43, 4, 5, 2);
        var expected = model.Predict([xs]);
        var actual = loaded.Predict([xs]);
        for (int i = 0; i < 2; i++) Assert.Equal(Values(expected[i]), Values(actual[i]));
        Assert.Equal(["out", "lstm"], loaded.OutputNames);

        // A loss on the cell state alone trains the LSTM through it.
        loaded.Compile(new Adam(0.05f), [null, new MeanSquaredError()]);
        var history = loaded.Fit([xs], [null, Tensor.Full(new Shape(4, 3), 0.5f)], epochs: 20, verbose: 0);
        Assert.True(history["loss"][^1] < 0.5 * history["loss"][0], $"loss {history["loss"][0]} → {history["loss"][^1]}");
    }

    [Fact]
    public void ConfigsReadKerasFormsOfInitialState()
    {
        RandomGenerator.SetGlobalSeed(44);
        var x = Model.Input([3, 2]);
        var h0 = Model.Input([4], name: "h0");
        var model = new Functional([x, h0], [new Gru(4, name: "gru").Call(x, [h0])]);
        var config = model.GetConfig();
        // A single tensor (not a list) for a one-state layer reads the same.
        var kwargs = (JsonObject)config["layers"]![2]!["inbound_nodes"]![0]!["kwargs"]!;
        kwargs["initial_state"] = kwargs["initial_state"]![0]!.DeepClone();
        var clone = Functional.FromConfig(config);
        var xs = GradCheck.Random(45, 2, 3, 2);
        var hs = GradCheck.Random(46, 2, 4);
        foreach (var (from, to) in model.Parameters.Zip(clone.Parameters)) from.Value.Span.CopyTo(to.Value.Span);
        Assert.Equal(Values(model.Predict([xs, hs])[0]), Values(clone.Predict([xs, hs])[0]));

        // A tensor index beyond the call's outputs is named.
        var bad = model.GetConfig();
        bad["output_layers"] = new JsonArray(new JsonArray("gru", 0, 1));
        var e = Assert.Throws<DeepSharpException>(() => Functional.FromConfig(bad));
        Assert.Contains("output 1 of layer 'gru'", e.Message);
    }

    [Fact]
    public void WrongInitialStatesAndReturnStateMisuseAreClearErrors()
    {
        var x = Model.Input([4, 3]);
        var encoder = new Lstm(6, returnState: true, name: "encoder");
        var states = encoder.CallWithState(x);
        var decoder = new Lstm(8, returnSequences: true, name: "decoder");
        var shape = Assert.Throws<ShapeMismatchException>(() => decoder.Call(x, [states[1], states[2]]));
        Assert.Contains("'decoder'", shape.Message);
        Assert.Contains("(None, 8)", shape.Message);
        Assert.Contains("(None, 6)", shape.Message);
        var count = Assert.Throws<ArgumentException>(() => decoder.Call(x, [states[1]]));
        Assert.Contains("'decoder'", count.Message);
        Assert.Contains("takes 2 initial state tensors (h, c); got 1", count.Message);
        Assert.Throws<ArgumentException>(() => decoder.Call(x, []));

        var noState = Assert.Throws<InvalidOperationException>(() => decoder.CallWithState(x));
        Assert.Contains("returnState: false", noState.Message);
        var needsStates = Assert.Throws<InvalidOperationException>(() => encoder.Call(x));
        Assert.Contains("CallWithState", needsStates.Message);
        Assert.Throws<InvalidOperationException>(() => new Bidirectional(new Gru(2)).CallWithState(x));
        Assert.Throws<InvalidOperationException>(() => new Sequential(new Lstm(2, returnState: true, inputShape: [4, 3])).Build(new Shape(4, 3)));
    }

    [Fact]
    public void StepAndOnnxRefuseCallsWithSeveralOutputsOrInitialStates()
    {
        RandomGenerator.SetGlobalSeed(47);
        var x = Model.Input([4, 3]);
        var states = new Lstm(2, returnState: true, name: "encoder").CallWithState(x);
        var model = new Functional(x, new Dense(2).Call(states[0]), name: "encoded");
        var step = Assert.Throws<InvalidOperationException>(() => model.Step(GradCheck.Random(48, 1, 4, 3), new KvCache(4)));
        Assert.Contains("'encoder' (LSTM)", step.Message);
        Assert.Contains("3 outputs", step.Message);

        using var folder = new TempFolder();
        var onnx = Assert.Throws<DeepSharpException>(() => model.ExportOnnx(folder.File("m.onnx")));
        Assert.Contains("'encoder' (LSTM) is called with 3 outputs", onnx.Message);
        var h0 = Model.Input([2]);
        var started = new Functional([x, h0], [new Gru(2, name: "started").Call(x, [h0])]);
        onnx = Assert.Throws<DeepSharpException>(() => started.ExportOnnx(folder.File("s.onnx")));
        Assert.Contains("'started' (GRU) is called with initial states", onnx.Message);
    }
}
