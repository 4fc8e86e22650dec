using DeepSharp.Autograd;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Training;

/// <summary>
/// Predict above DenseRows' few rows multiplies by Dense kernels packed once (PackedWeightCache): the
/// training forward's bits at any batch, and never stale after the weights change.
/// </summary>
public class PackedKernelPredictTests
{
    [Theory]
    [InlineData(1, 17)]
    [InlineData(7, 33)]
    [InlineData(257, 130)]
    [InlineData(600, 128)]
    [InlineData(5408, 64)]
    public void PackedKernelsGiveTheTrainingForwardsBits(int features, int units)
    {
        RandomGenerator.SetGlobalSeed(features + units);
        var model = new Sequential(new Dense(units, Activation.Relu, inputShape: [features]), new Dense(40, Activation.Gelu), new Dense(3, Activation.Softmax));
        var x = Tensor.RandomUniform(new Shape(300, features), -1f, 1f, new RandomGenerator(5));
        foreach (int batch in new[] { 9, 32, 100, 300 })
        {
            var rows = x.SliceRows(0, batch);
            float[] training = model.Call(rows).ToArray(); // records autograd: W packed by the call
            for (int call = 0; call < 2; call++) // the second call reads the cached packing
                Assert.Equal(training, model.Predict(rows, batchSize: batch).ToArray());
        }
    }

    [Fact]
    public void ThePackingIsReusedUntilTheKernelIsWritten()
    {
        var w = Tensor.RandomUniform(new Shape(70, 45), -1f, 1f, new RandomGenerator(3));
        var first = PackedWeightCache.For(w);
        Assert.Same(first, PackedWeightCache.For(w));
        w.Span[7] = 5f;
        var second = PackedWeightCache.For(w);
        Assert.NotSame(first, second);
        Assert.Same(second, PackedWeightCache.For(w));
        var x = Tensor.RandomUniform(new Shape(20, 70), -1f, 1f, new RandomGenerator(4));
        using (NoGrad.Scope())
            Assert.Equal(Ops.Linear(x, w, null).ToArray(), Ops.Linear(x, w, null, packedKernel: true).ToArray());
    }

    [Fact]
    public void AFewRowsReadTheKernelWithoutMakingItRepack()
    {
        var w = Tensor.RandomUniform(new Shape(90, 40), -1f, 1f, new RandomGenerator(8));
        var packed = PackedWeightCache.For(w);
        var few = Tensor.RandomUniform(new Shape(3, 90), -1f, 1f, new RandomGenerator(9));
        var many = Tensor.RandomUniform(new Shape(50, 90), -1f, 1f, new RandomGenerator(10));
        using (NoGrad.Scope())
        {
            float[] fewRows = Ops.Linear(few, w, null, packedKernel: true).ToArray(); // DenseRows, W in place
            Assert.Same(packed, PackedWeightCache.For(w));
            Ops.Linear(many, w, null, packedKernel: true);
            Assert.Same(packed, PackedWeightCache.For(w));
            Assert.Equal(Ops.Linear(few, w, null).ToArray(), fewRows);
        }
    }

    [Fact]
    public void PredictFollowsSetWeightsAndTraining()
    {
        RandomGenerator.SetGlobalSeed(11);
        var model = new Sequential(new Dense(48, Activation.Relu, inputShape: [30]), new Dense(20));
        var x = Tensor.RandomUniform(new Shape(64, 30), -1f, 1f, new RandomGenerator(6));
        var y = Tensor.RandomUniform(new Shape(64, 20), -1f, 1f, new RandomGenerator(7));
        float[] before = model.Predict(x).ToArray();

        var weights = model.GetWeights();
        weights[0].Span[0] += 1f;
        model.SetWeights(weights);
        float[] afterSet = model.Predict(x).ToArray();
        Assert.NotEqual(before, afterSet);
        Assert.Equal(model.Call(x).ToArray(), afterSet);

        model.Compile(new Adam(0.01f), new MeanSquaredError());
        model.Fit(x, y, batchSize: 16, epochs: 1, verbose: 0);
        float[] afterFit = model.Predict(x).ToArray();
        Assert.NotEqual(afterSet, afterFit);
        Assert.Equal(model.Call(x).ToArray(), afterFit);
    }
}
