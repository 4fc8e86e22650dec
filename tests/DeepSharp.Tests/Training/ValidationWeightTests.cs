using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Training;

/// <summary>Fit's validation sample weights: Keras's <c>validation_data=(x, y, sample_weight)</c>.</summary>
public class ValidationWeightTests
{
    private static Sequential Classifier(int seed)
    {
        RandomGenerator.SetGlobalSeed(seed);
        var model = new Sequential(new Dense(8, Activation.Relu, inputShape: [2]), new Dense(3, Activation.Softmax));
        model.Compile(new Sgd(0.1f), new CategoricalCrossentropy(), [new Accuracy()], weightedMetrics: [new Accuracy()]);
        return model;
    }

    [Fact]
    public void ZeroWeightsLeaveOutHalfTheValidationSamples()
    {
        var (x, y, _) = ModelTests.Blobs(40, 31);
        var (xv, yv, _) = ModelTests.Blobs(8, 32);
        // Weight 2 on the first half and 0 on the second: the sum over 8 samples divided by 8 is the first half's mean loss.
        var weights = Tensor.FromArray([2f, 2f, 2f, 2f, 0f, 0f, 0f, 0f], 8);
        var model = Classifier(33);
        var history = model.Fit(x, y, batchSize: 8, epochs: 1, verbose: 0, validationData: (xv, yv), validationSampleWeight: weights);

        var firstHalf = model.Evaluate(xv.SliceRows(0, 4), yv.SliceRows(0, 4), batchSize: 8);
        Assert.Equal(firstHalf["loss"], history["val_loss"][0], 5);
        Assert.Equal(firstHalf["accuracy"], history["val_weighted_accuracy"][0], 6);
        Assert.Equal(model.Evaluate(xv, yv, batchSize: 8)["accuracy"], history["val_accuracy"][0], 6);
        Assert.NotEqual(model.Evaluate(xv, yv, batchSize: 8)["loss"], history["val_loss"][0], 3);
    }

    [Fact]
    public void TheListFitTakesOneValidationWeightTensorPerOutput()
    {
        var (x, y, _) = ModelTests.Blobs(40, 34);
        var (xv, yv, _) = ModelTests.Blobs(8, 35);
        var weights = Tensor.FromArray([0f, 1f, 3f, 1f, 0f, 2f, 1f, 0f], 8);
        var model = Classifier(36);
        var history = model.Fit([x], [y], batchSize: 8, epochs: 1, verbose: 0, validationData: ([xv], [yv]), validationSampleWeights: [weights]);
        float expected = new CategoricalCrossentropy().Compute(yv, model.Predict(xv), weights).Item();
        Assert.Equal(expected, history["val_loss"][0], 5);
    }

    [Fact]
    public void ValidationWeightsNeedValidationDataOfTheirSamples()
    {
        var (x, y, _) = ModelTests.Blobs(16, 37);
        var model = Classifier(38);
        Assert.Throws<ArgumentException>(() => model.Fit(x, y, verbose: 0, validationSplit: 0.25f, validationSampleWeight: Tensor.Ones(4)));
        var error = Assert.Throws<ShapeMismatchException>(() => model.Fit(x, y, verbose: 0, validationData: (x, y), validationSampleWeight: Tensor.Ones(5)));
        Assert.Contains("validationSampleWeight", error.Message);
    }
}
