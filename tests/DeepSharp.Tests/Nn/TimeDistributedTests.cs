using System.Text.Json.Nodes;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>TimeDistributed: one layer, the same weights, at every step.</summary>
public class TimeDistributedTests
{
    [Fact] public void OverDense() => LayerHarness.Run(() => new TimeDistributed(new Dense(3, Activation.Tanh)), [4, 5], [4, 3], 5 * 3 + 3);
    [Fact] public void OverConv2D() => LayerHarness.Run(() => new TimeDistributed(new Conv2D(2, 3)), [3, 5, 5, 1], [3, 3, 3, 2], 3 * 3 * 2 + 2, batch: 2);
    [Fact] public void OverFlatten() => LayerHarness.Run(() => new TimeDistributed(new Flatten()), [2, 3, 4], [2, 12], 0);

    [Fact]
    public void EachStepIsTheWrappedLayerOnThatStep()
    {
        var conv = new Conv2D(2, 2, name: "conv");
        var wrapper = new TimeDistributed(conv);
        var x = GradCheck.Random(6, 2, 3, 4, 4, 1);
        var y = wrapper.Call(x).ToArray();
        Assert.Equal(new Shape(3, 3, 3, 2), wrapper.ComputeOutputShape(new Shape(3, 4, 4, 1)));
        for (int b = 0; b < 2; b++)
            for (int t = 0; t < 3; t++)
            {
                var frame = Tensor.FromArray(x.ToArray().AsSpan((b * 3 + t) * 16, 16).ToArray(), 1, 4, 4, 1);
                var expected = conv.Call(frame).ToArray();
                Assert.Equal(expected, y.AsSpan((b * 3 + t) * 18, 18).ToArray());
            }
        Assert.Equal(["time_distributed/conv/kernel", "time_distributed/conv/bias"], wrapper.Parameters.Select(p => p.Path));
    }

    [Fact]
    public void MasksPassOnAndTheInnerConfigRoundTrips()
    {
        var layer = new TimeDistributed(new Dense(2, name: "per_step"), name: "td");
        var mask = Tensor.FromArray([1f, 1f, 0f], 1, 3);
        var (_, outputMask) = layer.CallMasked(GradCheck.Random(1, 1, 3, 4), mask);
        Assert.Same(mask, outputMask);
        var config = layer.GetConfig();
        Assert.Equal("Dense", config["layer"]!["class_name"]!.GetValue<string>());
        Assert.Equal("per_step", config["layer"]!["config"]!["name"]!.GetValue<string>());
        var clone = (TimeDistributed)LayerRegistry.Create("TimeDistributed", config);
        Assert.IsType<Dense>(clone.Layer);
    }

    [Fact]
    public void AnEmbeddingMaskReachesARecurrentLayerThroughTheWrapper()
    {
        Sequential Create(bool maskZero) => new(
            new Embedding(6, 3, maskZero: maskZero, inputShape: [5]),
            new TimeDistributed(new Dense(4)),
            new Lstm(2));
        RandomGenerator.SetGlobalSeed(4);
        var masked = Create(maskZero: true);
        var unmasked = Create(maskZero: false);
        var tokens = Tensor.FromArray(new[] { 1, 2, 3, 0, 0, 1, 2, 3, 4, 5 }, 2, 5);
        var withMask = masked.Predict(tokens).ToArray();
        unmasked.SetWeights(masked.GetWeights());
        var withoutMask = unmasked.Predict(tokens).ToArray();
        // The padded sample differs only if the LSTM skipped its masked steps; the full one is the same.
        Assert.NotEqual(withMask[0], withoutMask[0]);
        Assert.Equal(withMask[2], withoutMask[2]);
        Assert.Equal(withMask[3], withoutMask[3]);
    }

    /// <summary>The examples of docs/layers.md ("Sequences, noise, activation layers and TimeDistributed"), at small sizes.</summary>
    [Fact]
    public void DocsExamplesTrain()
    {
        RandomGenerator.SetGlobalSeed(8);
        var frames = new Sequential(
            new TimeDistributed(new Conv2D(4, 3, activation: Activation.Relu), inputShape: [4, 8, 8, 3]),
            new TimeDistributed(new GlobalAveragePooling2D()),
            new SpatialDropout1D(0.2f),
            new Conv1D(6, 3),
            new LeakyRelu(),
            new GlobalMaxPooling1D(),
            new Dense(5, Activation.Softmax));
        frames.Compile(new Adam(), new SparseCategoricalCrossentropy());
        var labels = Tensor.FromArray(Enumerable.Range(0, 16).Select(i => i % 5).ToArray(), 16);
        var history = frames.Fit(GradCheck.Random(1, 16, 4, 8, 8, 3), labels, batchSize: 8, epochs: 2, verbose: 0);
        Assert.Equal(2, history["loss"].Count);
        Assert.Equal(new Shape(16, 5), frames.Predict(GradCheck.Random(2, 16, 4, 8, 8, 3)).Shape);

        var seq2seq = new Sequential(
            new Lstm(6, inputShape: [5, 3]),
            new RepeatVector(4),
            new Lstm(6, returnSequences: true),
            new TimeDistributed(new Dense(3)));
        seq2seq.Compile(new Adam(), new MeanSquaredError());
        history = seq2seq.Fit(GradCheck.Random(3, 8, 5, 3), GradCheck.Random(4, 8, 4, 3), batchSize: 4, epochs: 2, verbose: 0);
        Assert.All(history["loss"], l => Assert.True(double.IsFinite(l)));
        string summary = seq2seq.Summary(_ => { });
        Assert.Contains("│ time_distributed (TimeDistribu… │ (None, 4, 3)", summary); // Keras cuts long names too
    }

    [Fact]
    public void BadConfigsAndInputsNameTheLayer()
    {
        Assert.Throws<ArgumentNullException>(() => new TimeDistributed(null!));
        Assert.Throws<ArgumentException>(() => new TimeDistributed(new Add()));
        var flat = Assert.Throws<ShapeMismatchException>(() => new TimeDistributed(new Dense(2), name: "td").Call(Tensor.Zeros(2, 3)));
        Assert.Contains("'td'", flat.Message);
        Assert.Contains("(None, 3)", flat.Message);
        var e = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("TimeDistributed", new JsonObject { ["name"] = "td" }));
        Assert.Contains("'td'", e.Message);
        Assert.Contains("layer", e.Message);
        var unknown = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("TimeDistributed",
            new JsonObject { ["layer"] = new JsonObject { ["class_name"] = "Nope", ["config"] = new JsonObject() } }));
        Assert.Contains("Nope", unknown.Message);
    }
}
