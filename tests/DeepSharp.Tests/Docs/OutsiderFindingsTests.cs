using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Docs;

/// <summary>
/// What a Keras user tried next after the README's examples and found wanting (the docs audit): integer 0/1
/// targets for binary losses and metrics, <c>count_params()</c>, and the messages of two common mistakes.
/// </summary>
public sealed class OutsiderFindingsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static Sequential Xor(int seed)
    {
        RandomGenerator.SetGlobalSeed(seed);
        return new Sequential(new Dense(8, Activation.Tanh, inputShape: [2]), new Dense(1, Activation.Sigmoid));
    }

    private static readonly Tensor s_x = Tensor.FromArray([0f, 0, 0, 1, 1, 0, 1, 1, 0.5f, 0.2f], 5, 2);

    [Fact]
    public void IntegerZeroOneTargetsTrainAsFloatTargets()
    {
        // Keras casts y_true to the predictions' dtype; int32 labels once threw "BinaryCrossentropy needs float targets".
        var ints = Tensor.FromArray([0, 1, 1, 0, 1], 5, 1);
        var floats = Tensor.FromArray([0f, 1, 1, 0, 1], 5, 1);
        History Run(Tensor y)
        {
            var model = Xor(11);
            model.Compile(new Adam(0.05f), new BinaryCrossentropy(),
                [new Accuracy(), new BinaryAccuracy(), new Auc(), new Precision(), new Recall(), new F1Score(), new DeepSharp.Metrics.MeanSquaredError()]);
            return model.Fit(s_x, y, batchSize: 5, epochs: 4, verbose: 0);
        }
        var withInts = Run(ints);
        var withFloats = Run(floats);
        Assert.Equal(withFloats.Values.Keys, withInts.Values.Keys);
        foreach (var (name, values) in withFloats.Values) Assert.Equal(values, withInts[name]);
    }

    [Theory]
    [InlineData("mse")]
    [InlineData("mae")]
    [InlineData("huber")]
    [InlineData("binary_crossentropy")]
    public void EveryElementwiseLossTakesIntegerTargets(string name)
    {
        var prediction = Tensor.FromArray([0.2f, 0.7f, 0.9f], 3, 1);
        float fromInts = Loss.FromName(name).Compute(Tensor.FromArray([0, 1, 1], 3, 1), prediction).Item();
        float fromFloats = Loss.FromName(name).Compute(Tensor.FromArray([0f, 1, 1], 3, 1), prediction).Item();
        Assert.Equal(fromFloats, fromInts);
    }

    [Fact]
    public void CountParamsIsTheSummarysTotal()
    {
        var model = new Sequential(new Conv2D(4, 3, inputShape: [8, 8, 1]), new BatchNormalization(), new Flatten(), new Dense(3));
        long expected = (3 * 3 * 1 * 4 + 4) + 4 * 4 + (6 * 6 * 4 * 3 + 3);
        Assert.Equal(expected, model.CountParams());
        Assert.Contains($"Total params: {expected:N0} ", model.Summary(_ => { }));
        Assert.Equal(0, new Sequential(new Dense(3)).CountParams());
    }

    [Fact]
    public void OneSampleWithoutItsBatchAxisIsToldToAddIt()
    {
        var model = Xor(1);
        var e = Assert.Throws<ShapeMismatchException>(() => model.Predict(Tensor.FromArray([1f, 0], 2)));
        Assert.Contains("a single sample (2,) needs one, as shape (1, 2)", e.Message);
        var input = Model.Input([4]);
        var functional = new Model(input, new Dense(2).Call(input));
        var graph = Assert.Throws<ShapeMismatchException>(() => functional.Predict(Tensor.Ones(4)));
        Assert.Contains("a single sample needs one, as shape (1, 4)", graph.Message);
        // Another mismatch (a missing channel axis) gets no such hint.
        var conv = new Sequential(new Conv2D(2, 3, inputShape: [6, 6, 1]));
        var other = Assert.Throws<ShapeMismatchException>(() => conv.Predict(Tensor.Zeros(2, 6, 6)));
        Assert.DoesNotContain("single sample", other.Message);
    }

    [Fact]
    public void ALoadedModelIsToldWhyItIsNotCompiled()
    {
        var model = Xor(1);
        string path = Path.Combine(_temp.Path, "xor.safetensors");
        model.Save(path);
        var e = Assert.Throws<InvalidOperationException>(() => Model.Load(path).Evaluate(s_x, Tensor.Zeros(5, 1)));
        Assert.Contains("from a file saved uncompiled", e.Message);
    }
}
