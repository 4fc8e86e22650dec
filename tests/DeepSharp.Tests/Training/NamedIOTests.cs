using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using Mse = DeepSharp.Losses.MeanSquaredError;

namespace DeepSharp.Tests.Training;

/// <summary>
/// Compile, Fit, Evaluate and Predict with dictionaries keyed by input and output names (Keras's
/// <c>loss={"out1": ...}</c>, <c>x={"a": ...}</c>): the same numbers as the list overloads, and
/// errors that name the known keys.
/// </summary>
public class NamedIOTests
{
    private const int Samples = MultiIOTests.Samples;

    private static Dictionary<string, Tensor> Named(params (string Name, Tensor Value)[] entries) =>
        entries.ToDictionary(e => e.Name, e => e.Value);

    private static float[][] Weights(Model model) => model.Parameters.Select(p => p.Value.ToArray()).ToArray();

    private static void CompileLists(Model model, bool out2Loss) =>
        model.Compile(new Adam(0.01f), [new SparseCategoricalCrossentropy(), out2Loss ? new Mse() : null],
            lossWeights: [0.5f, 2f],
            metrics: [[new Accuracy()], []],
            weightedMetrics: [[], [new DeepSharp.Metrics.MeanAbsoluteError()]]);

    private static void CompileNamed(Model model, bool out2Loss)
    {
        var losses = new Dictionary<string, Loss> { ["out1"] = new SparseCategoricalCrossentropy() };
        if (out2Loss) losses["out2"] = new Mse();
        model.Compile(new Adam(0.01f), losses,
            lossWeights: new Dictionary<string, float> { ["out1"] = 0.5f, ["out2"] = 2f },
            metrics: new Dictionary<string, IReadOnlyList<Metric>> { ["out1"] = [new Accuracy()] },
            weightedMetrics: new Dictionary<string, IReadOnlyList<Metric>> { ["out2"] = [new DeepSharp.Metrics.MeanAbsoluteError()] });
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void DictionariesGiveTheListOverloadsNumbersBitForBit(bool out2Loss)
    {
        var (xa, xb, labels, value) = MultiIOTests.Data(71);
        var w1 = Tensor.RandomUniform(new Shape(Samples), 0f, 2f, new RandomGenerator(72));
        var w2 = Tensor.RandomUniform(new Shape(Samples), 0f, 2f, new RandomGenerator(73));

        // Each model is made, compiled and trained from the same global seed (Fit forks its shuffling generator from it).
        RandomGenerator.SetGlobalSeed(74);
        var lists = MultiIOTests.TwoByTwo();
        var start = Weights(lists);
        CompileLists(lists, out2Loss);
        var fromLists = lists.Fit([xa, xb], [labels, value], batchSize: 16, epochs: 3, verbose: 0,
            validationSplit: 0.25f, sampleWeights: [w1, w2]);

        RandomGenerator.SetGlobalSeed(74);
        var named = MultiIOTests.TwoByTwo();
        Assert.Equal(start, Weights(named));                             // identical start
        CompileNamed(named, out2Loss);
        Assert.Equal(lists.MetricNames, named.MetricNames);
        // Keys in another order than the model's: the mapping, not the order, decides.
        var fromNames = named.Fit(Named(("b", xb), ("a", xa)), Named(("out2", value), ("out1", labels)), batchSize: 16, epochs: 3, verbose: 0,
            validationSplit: 0.25f, sampleWeights: Named(("out2", w2), ("out1", w1)));
        Assert.NotEqual(start, Weights(named));
        Assert.Equal(fromLists.Values.Keys.Order(), fromNames.Values.Keys.Order());
        foreach (var (name, values) in fromLists.Values) Assert.Equal(values, fromNames[name]);
        Assert.Equal(Weights(lists), Weights(named));
        Assert.Equal(out2Loss, fromLists.Values.ContainsKey("out2_loss"));

        var listScores = lists.Evaluate([xa, xb], [labels, value], batchSize: 32, sampleWeights: [null, w2]);
        var namedScores = named.Evaluate(Named(("a", xa), ("b", xb)), Named(("out1", labels), ("out2", value)), batchSize: 32,
            sampleWeights: Named(("out2", w2)));
        Assert.Equal(listScores, namedScores);

        var listPredictions = lists.Predict([xa, xb]);
        var namedPredictions = named.Predict(Named(("a", xa), ("b", xb)));
        Assert.Equal(["out1", "out2"], namedPredictions.Keys.Order());
        Assert.Equal(listPredictions[0].ToArray(), namedPredictions["out1"].ToArray());
        Assert.Equal(listPredictions[1].ToArray(), namedPredictions["out2"].ToArray());
    }

    [Fact]
    public void ValidationWeightsByNameGiveTheListOverloadsValidationLosses()
    {
        var (xa, xb, labels, value) = MultiIOTests.Data(81);
        var (va, vb, vLabels, vValue) = MultiIOTests.Data(82);
        // Weight 2 on the first half of out2's validation samples, 0 on the rest: val_out2_loss changes.
        var half = new float[Samples];
        for (int i = 0; i < Samples / 2; i++) half[i] = 2f;
        var vw2 = Tensor.FromArray(half, Samples);

        History Train(bool named, bool weighted)
        {
            RandomGenerator.SetGlobalSeed(83);
            var model = MultiIOTests.TwoByTwo();
            CompileLists(model, out2Loss: true);
            if (!named)
                return model.Fit([xa, xb], [labels, value], batchSize: 16, epochs: 2, verbose: 0,
                    validationData: ([va, vb], [vLabels, vValue]), validationSampleWeights: weighted ? [null, vw2] : null);
            return model.Fit(Named(("a", xa), ("b", xb)), Named(("out1", labels), ("out2", value)), batchSize: 16, epochs: 2, verbose: 0,
                validationData: (Named(("a", va), ("b", vb)), Named(("out1", vLabels), ("out2", vValue))),
                validationSampleWeights: weighted ? Named(("out2", vw2)) : null);
        }

        var fromLists = Train(named: false, weighted: true);
        var fromNames = Train(named: true, weighted: true);
        var unweighted = Train(named: true, weighted: false);
        Assert.Equal(fromLists["val_out2_loss"], fromNames["val_out2_loss"]);
        Assert.Equal(fromLists["val_out1_loss"], fromNames["val_out1_loss"]);
        Assert.Equal(unweighted["val_out1_loss"], fromNames["val_out1_loss"]);          // out1 has no validation weights
        Assert.NotEqual(unweighted["val_out2_loss"][^1], fromNames["val_out2_loss"][^1]);
    }

    [Fact]
    public void AMissingOutputTargetIsAllowedOnlyForAnOutputWithoutLossOrMetrics()
    {
        RandomGenerator.SetGlobalSeed(75);
        var model = MultiIOTests.TwoByTwo();
        var (xa, xb, labels, value) = MultiIOTests.Data(76);
        model.Compile(new Adam(0.01f), new Dictionary<string, Loss> { ["out1"] = new SparseCategoricalCrossentropy() });
        Assert.Equal([false, true], model.Losses.Select(l => l is null));
        var history = model.Fit(Named(("a", xa), ("b", xb)), Named(("out1", labels)), batchSize: 32, epochs: 1, verbose: 0);
        Assert.Equal(["loss", "out1_loss"], history.Values.Keys.Order());

        model.Compile(new Adam(0.01f), new Dictionary<string, Loss> { ["out2"] = new Mse() });
        var e = Assert.Throws<ArgumentException>(() => model.Evaluate(Named(("a", xa), ("b", xb)), Named(("out1", labels))));
        Assert.Contains("Evaluate: output 'out2' (output 1) of model 'two_by_two' has a loss and needs a target", e.Message);
        Assert.Equal(["loss", "out2_loss"], model.Evaluate(Named(("a", xa), ("b", xb)), Named(("out2", value))).Keys.Order());
    }

    [Fact]
    public void UnknownAndMissingKeysNameTheKnownOnes()
    {
        var model = MultiIOTests.TwoByTwo();
        var (xa, xb, labels, value) = MultiIOTests.Data(77);
        Assert.Equal(["a", "b"], model.InputNames);
        Assert.Equal(["out1", "out2"], model.OutputNames);

        var e = Assert.Throws<ArgumentException>(() => model.Compile(new Adam(),
            new Dictionary<string, Loss> { ["out1"] = new SparseCategoricalCrossentropy(), ["out3"] = new Mse(), ["dense"] = new Mse() }));
        Assert.Contains("Compile: losses has keys 'out3', 'dense', which are not outputs of model 'two_by_two'; its outputs are out1, out2.", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Compile(new Adam(), new Dictionary<string, Loss> { ["out1"] = new SparseCategoricalCrossentropy() },
            metrics: new Dictionary<string, IReadOnlyList<Metric>> { ["Out2"] = [new Accuracy()] }));
        Assert.Contains("metrics has key 'Out2', which is not an output", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Compile(new Adam(), new Dictionary<string, Loss>()));
        Assert.Contains("no output (out1, out2) has a loss", e.Message);

        model.Compile(new Adam(), new Dictionary<string, Loss> { ["out1"] = new SparseCategoricalCrossentropy(), ["out2"] = new Mse() });
        var x = Named(("a", xa), ("b", xb));
        var y = Named(("out1", labels), ("out2", value));
        e = Assert.Throws<ArgumentException>(() => model.Fit(Named(("a", xa), ("b", xb), ("c", xb)), y, verbose: 0));
        Assert.Contains("Fit: x has key 'c', which is not an input of model 'two_by_two'; its inputs are a, b.", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Evaluate(Named(("a", xa)), y));
        Assert.Contains("Evaluate: x has no tensor for input 'b' of model 'two_by_two' (inputs a, b).", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Evaluate(x, Named(("out1", labels), ("value", value))));
        Assert.Contains("Evaluate: y has key 'value', which is not an output of model 'two_by_two'; its outputs are out1, out2.", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Fit(x, Named(("out1", labels)), verbose: 0));
        Assert.Contains("output 'out2' (output 1) of model 'two_by_two' has a loss and needs a target", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Fit(x, y, verbose: 0, sampleWeights: Named(("out_2", Tensor.Ones(Samples)))));
        Assert.Contains("Fit: sampleWeights has key 'out_2', which is not an output", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Predict(Named(("A", xa), ("b", xb))));
        Assert.Contains("Predict: x has key 'A'", e.Message);

        var sequential = new Sequential(new Dense(1, inputShape: [4], name: "head"));
        sequential.Compile(new Sgd(0.1f), new Dictionary<string, Loss> { ["head"] = new Mse() });
        Assert.Empty(sequential.InputNames);
        e = Assert.Throws<ArgumentException>(() => sequential.Fit(Named(("input", xa)), Named(("head", value)), verbose: 0));
        Assert.Contains("model 'sequential' is a Sequential, whose input has no name", e.Message);
    }
}
