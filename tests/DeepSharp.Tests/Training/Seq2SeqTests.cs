using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Training;

/// <summary>
/// Keras's classic encoder–decoder in a functional model: an LSTM with returnState encodes the
/// source, its final h and c start the decoder LSTM (initial_state), which reads the target shifted
/// right (teacher forcing). The task: output the four source symbols reversed (the example of
/// docs/training.md, "Encoder–decoder (seq2seq)", at smaller sizes).
/// </summary>
public class Seq2SeqTests
{
    private const int Length = 4, Symbols = 6, Vocabulary = Symbols + 1, Start = 0;

    private sealed record Parts(Functional Model, Embedding SourceEmbedding, Lstm Encoder, Embedding TargetEmbedding, Lstm Decoder, Dense Head);

    private static Parts Seq2Seq(int units = 24)
    {
        var source = Model.Input([Length], name: "source", dtype: DType.Int32);
        var target = Model.Input([Length], name: "target_in", dtype: DType.Int32);
        var sourceEmbedding = new Embedding(Vocabulary, 8, name: "source_embedding");
        var encoder = new Lstm(units, returnState: true, name: "encoder");
        var states = encoder.CallWithState(sourceEmbedding.Call(source));            // [output, h, c]
        var targetEmbedding = new Embedding(Vocabulary, 8, name: "target_embedding");
        var decoder = new Lstm(units, returnSequences: true, name: "decoder");
        var decoded = decoder.Call(targetEmbedding.Call(target), initialState: [states[1], states[2]]);
        var head = new Dense(Vocabulary, Activation.Softmax, name: "next");
        var model = new Functional([source, target], [head.Call(decoded)], name: "seq2seq");
        return new Parts(model, sourceEmbedding, encoder, targetEmbedding, decoder, head);
    }

    /// <summary>Sources (n, 4), decoder inputs (n, 4) = [start, y0, y1, y2], targets (n, 4) = the source reversed.</summary>
    private static (Tensor Source, Tensor TargetIn, Tensor Target) Data(int n, int seed)
    {
        var rng = new RandomGenerator(seed);
        var source = Tensor.IntZeros(new Shape(n, Length));
        var targetIn = Tensor.IntZeros(new Shape(n, Length));
        var target = Tensor.IntZeros(new Shape(n, Length));
        for (int b = 0; b < n; b++)
        {
            for (int i = 0; i < Length; i++) source.IntSpan[b * Length + i] = 1 + rng.NextInt(Symbols);
            for (int i = 0; i < Length; i++) target.IntSpan[b * Length + i] = source.IntSpan[b * Length + Length - 1 - i];
            targetIn.IntSpan[b * Length] = Start;
            for (int i = 1; i < Length; i++) targetIn.IntSpan[b * Length + i] = target.IntSpan[b * Length + i - 1];
        }
        return (source, targetIn, target);
    }

    [Fact]
    public void EncoderDecoderTrainsWithFit()
    {
        RandomGenerator.SetGlobalSeed(11);
        var parts = Seq2Seq();
        var (source, targetIn, target) = Data(512, 12);
        parts.Model.Compile(new Adam(0.02f), new SparseCategoricalCrossentropy());
        var history = parts.Model.Fit([source, targetIn], [target], batchSize: 32, epochs: 12, verbose: 0);
        var losses = history["loss"];
        Assert.True(losses[^1] < 0.25 * losses[0], $"loss {losses[0]:F3} → {losses[^1]:F3}");
    }

    [Fact]
    public void GraphEqualsEagerCallWithState()
    {
        RandomGenerator.SetGlobalSeed(13);
        var p = Seq2Seq(units: 6);
        var (source, targetIn, _) = Data(5, 14);
        var graph = p.Model.Predict([source, targetIn])[0];

        var encoded = p.Encoder.CallWithState(p.SourceEmbedding.Call(source));
        var decoded = p.Decoder.CallWithState(p.TargetEmbedding.Call(targetIn), initialState: [encoded[1], encoded[2]]);
        var eager = p.Head.Call(decoded[0]);
        Assert.Equal(new Shape(5, Length, Vocabulary), graph.Shape);
        Assert.Equal(eager.ToArray(), graph.ToArray());

        // The states matter: from zero states the decoder gives other predictions.
        var zero = p.Head.Call(p.Decoder.CallWithState(p.TargetEmbedding.Call(targetIn))[0]);
        Assert.NotEqual(zero.ToArray(), graph.ToArray());
    }

    [Fact]
    public void OneFitStepMovesTheEncoderThroughItsStatesOnly()
    {
        RandomGenerator.SetGlobalSeed(15);
        var p = Seq2Seq(units: 6);
        var (source, targetIn, target) = Data(16, 16);
        var before = p.Encoder.Parameters.Select(w => w.Value.ToArray()).ToArray();
        p.Model.Compile(new Sgd(0.5f), new SparseCategoricalCrossentropy());
        p.Model.Fit([source, targetIn], [target], batchSize: 16, epochs: 1, verbose: 0, shuffle: false);
        // The encoder's output feeds nothing: every change comes through h and c.
        for (int i = 0; i < before.Length; i++)
            Assert.NotEqual(before[i], p.Encoder.Parameters[i].Value.ToArray());
    }

    [Fact]
    public void GradientThroughInitialStatesMatchesFiniteDifferences()
    {
        RandomGenerator.SetGlobalSeed(17);
        var source = Model.Input([5, 3]);
        var target = Model.Input([4, 2]);
        var states = new Lstm(3, returnState: true).CallWithState(source);
        var decoded = new Lstm(3, returnSequences: true).Call(target, [states[1], states[2]]);
        var model = new Functional([source, target], [decoded]);
        // The source reaches the output through the encoder's final h and c alone.
        GradCheck.Check(xs => model.Call([xs[0], xs[1]])[0], [GradCheck.Random(18, 2, 5, 3), GradCheck.Random(19, 2, 4, 2)]);
    }

    [Fact]
    public void SavesAndLoadsWithTheSamePredictions()
    {
        RandomGenerator.SetGlobalSeed(19);
        var p = Seq2Seq(units: 5);
        var (source, targetIn, _) = Data(6, 20);
        using var folder = new TempFolder();
        string path = folder.File("seq2seq.safetensors");
        p.Model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(p.Model.GetConfig().ToJsonString(), loaded.GetConfig().ToJsonString());
        Assert.Equal(p.Model.Predict([source, targetIn])[0].ToArray(), loaded.Predict([source, targetIn])[0].ToArray());
        Assert.Equal(p.Model.Summary(_ => { }), loaded.Summary(_ => { }));

        // Keras's format: the decoder's call takes the encoder's outputs 1 and 2 as a list keyword.
        var decoder = loaded.GetConfig()["layers"]!.AsArray().Single(l => (string?)l!["name"] == "decoder")!;
        var kwargs = decoder["inbound_nodes"]![0]!["kwargs"]!;
        var initial = kwargs["initial_state"]!.AsArray();
        Assert.Equal("""["encoder",0,1]""", initial[0]!["config"]!["keras_history"]!.ToJsonString());
        Assert.Equal("""["encoder",0,2]""", initial[1]!["config"]!["keras_history"]!.ToJsonString());
    }

    [Fact]
    public void SummaryShowsEachOutputAndItsTensorIndex()
    {
        var p = Seq2Seq(units: 5);
        string text = p.Model.Summary(_ => { });
        Assert.Contains("encoder[0][1]", text);
        Assert.Contains("encoder[0][2]", text);
        Assert.DoesNotContain("encoder[0][0]", text);   // the encoder's output feeds nothing
        // The encoder's row lists its three outputs: (None, 5) each, one per line.
        var lines = text.Split('\n');
        int row = Array.FindIndex(lines, l => l.Contains("encoder (LSTM)"));
        Assert.Contains("(None, 5)", lines[row]);
        Assert.Contains("(None, 5)", lines[row + 1]);
        Assert.Contains("(None, 5)", lines[row + 2]);
        int decoderRow = Array.FindIndex(lines, l => l.Contains("decoder (LSTM)"));
        Assert.Contains("(None, 4, 5)", lines[decoderRow]);
        Assert.Contains("target_embedding[0][0]", lines[decoderRow]);
        Assert.Contains("encoder[0][1]", lines[decoderRow + 1]);
        Assert.Contains("encoder[0][2]", lines[decoderRow + 2]);
    }
}
