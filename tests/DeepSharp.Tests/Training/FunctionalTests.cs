using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Training;

/// <summary>Functional models: residual and two-input graphs train, Summary shows connections, configs round-trip.</summary>
public class FunctionalTests
{
    private static (Tensor X, Tensor Y) Blobs(int samples, int features, int seed)
    {
        var rng = new RandomGenerator(seed);
        var x = Tensor.RandomNormal(new Shape(samples, features), generator: rng);
        var y = Tensor.IntZeros(new Shape(samples));
        for (int i = 0; i < samples; i++) y.IntSpan[i] = x[i, 0] + x[i, 1] > 0 ? 1 : 0;
        return (x, y);
    }

    private static Functional Residual()
    {
        var input = Model.Input([8]);
        var h = new Dense(16, Activation.Relu).Call(input);
        var r = new Dense(16).Call(new BatchNormalization().Call(h));
        var sum = new Add().Call(h, r);
        var output = new Dense(2, Activation.Softmax).Call(new ActivationLayer("gelu").Call(sum));
        return new Functional(input, output, name: "residual");
    }

    [Fact]
    public void ResidualModelTrainsWithFit()
    {
        RandomGenerator.SetGlobalSeed(1);
        var model = Residual();
        var (x, y) = Blobs(256, 8, 2);
        model.Compile(new Adam(0.01f), new SparseCategoricalCrossentropy());
        var history = model.Fit(x, y, batchSize: 32, epochs: 4, verbose: 0);
        var losses = history["loss"];
        Assert.True(losses[^1] < 0.7 * losses[0], $"loss {losses[0]} → {losses[^1]}");
        Assert.Equal(new Shape(256, 2), model.Predict(x).Shape);
    }

    [Fact]
    public void TwoInputModelTrains()
    {
        RandomGenerator.SetGlobalSeed(3);
        var a = Model.Input([4], name: "a");
        var b = Model.Input([3], name: "b");
        var joined = new Concatenate().Call(new Dense(6, Activation.Tanh).Call(a), b);
        var gate = new Dense(9, Activation.Sigmoid).Call(joined);
        var output = new Dense(1).Call(new Multiply().Call(joined, gate));
        var model = new Functional([a, b], [output]);

        var rng = new RandomGenerator(4);
        var xa = Tensor.RandomNormal(new Shape(64, 4), generator: rng);
        var xb = Tensor.RandomNormal(new Shape(64, 3), generator: rng);
        var target = Tensor.Zeros(64, 1);
        for (int i = 0; i < 64; i++) target.Span[i] = xa[i, 0] - 2 * xb[i, 2];
        var optimizer = new Adam(0.02f);
        float Step()
        {
            var d = Ops.Subtract(model.Call([xa, xb], training: true)[0], target);
            var loss = Ops.Mean(Ops.Multiply(d, d));
            foreach (var p in model.Parameters) p.Value.Grad?.Span.Clear();
            loss.Backward();
            optimizer.Apply(model.TrainableParameters);
            return loss.Item();
        }
        float first = Step(), last = first;
        for (int i = 0; i < 60; i++) last = Step();
        Assert.True(last < 0.3f * first, $"loss {first} → {last}");
        Assert.Throws<InvalidOperationException>(() => model.Call(xa));
    }

    [Fact]
    public void SummaryShowsConnections()
    {
        var model = Residual();
        string text = model.Summary(_ => { });
        Assert.Contains("Connected to", text);
        Assert.Contains("input_layer (InputLayer)", text);
        Assert.Contains("add (Add)", text);
        Assert.Contains("dense[0][0]", text);
        Assert.Contains("dense_1[0][0]", text);
        Assert.Contains("input_layer[0][0]", text);
        Assert.Contains("(None, 16)", text);
        // moving statistics are parameters but not trainable
        Assert.Contains("Non-trainable params: 32", text);
    }

    [Fact]
    public void ConfigRoundTripRebuildsTheGraph()
    {
        RandomGenerator.SetGlobalSeed(5);
        var model = Residual();
        var config = model.GetConfig();
        Assert.Equal("Add", (string?)config["layers"]![4]!["class_name"]);
        var clone = Functional.FromConfig(config);
        Assert.Equal(config.ToJsonString(), clone.GetConfig().ToJsonString());
        Assert.Equal(model.Parameters.Select(p => p.Shape), clone.Parameters.Select(p => p.Shape));

        // Same weights → same outputs.
        foreach (var (from, to) in model.Parameters.Zip(clone.Parameters)) from.Value.Span.CopyTo(to.Value.Span);
        var x = GradCheck.Random(1, 5, 8);
        Assert.Equal(model.Predict(x).ToArray(), clone.Predict(x).ToArray());
    }

    [Fact]
    public void SharedLayerAndDisconnectedGraph()
    {
        var a = Model.Input([3]);
        var b = Model.Input([3]);
        var shared = new Dense(2);
        var model = new Functional([a, b], [new Add().Call(shared.Call(a), shared.Call(b))]);
        Assert.Equal(8, model.Parameters.Sum(p => p.Value.Size));
        var clone = Functional.FromConfig(model.GetConfig());
        Assert.Equal(model.GetConfig().ToJsonString(), clone.GetConfig().ToJsonString());

        var c = Model.Input([3]);
        var e = Assert.Throws<ArgumentException>(() => new Functional(a, new Add().Call(new Dense(3).Call(a), c)));
        Assert.Contains("disconnected", e.Message);
    }
}
