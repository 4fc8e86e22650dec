using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Training;

/// <summary>
/// Predict at batch 1–8 runs Dense layers through the inference kernel (DenseRows); each sample's
/// outputs are bit for bit those of the training path's forward (packed GEMM + bias) on a larger batch.
/// </summary>
public class SmallBatchPredictTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 10)]
    [InlineData(256, 17)]
    [InlineData(257, 130)]
    [InlineData(600, 128)]
    [InlineData(5408, 10)]
    public void FewSamplesGiveTheTrainingForwardsBits(int features, int units)
    {
        RandomGenerator.SetGlobalSeed(features + units);
        var model = new Sequential(new Dense(units, Activation.Relu, inputShape: [features]), new Dense(3, Activation.Softmax));
        var x = Tensor.RandomUniform(new Shape(32, features), -1f, 1f, new RandomGenerator(5));
        float[] training = model.Call(x).ToArray(); // records autograd: the packed GEMM path
        foreach (int batch in new[] { 1, 3, 8 })
        {
            float[] predicted = model.Predict(x.SliceRows(0, batch), batchSize: batch).ToArray();
            Assert.Equal(training.AsSpan(0, batch * 3).ToArray(), predicted);
        }
    }
}
