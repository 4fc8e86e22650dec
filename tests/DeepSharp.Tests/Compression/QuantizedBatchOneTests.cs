using DeepSharp.Compression;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Compression;

/// <summary>
/// Keras's mnist_convnet at its own size (28 × 28 → 32 → 64, the 5 × 5 pooled second layer whose
/// batch-1 image a team cuts by output channel tiles where there is no VNNI, its first layer quantizing
/// its own image): batch 1 and batch 256 at 1, 2 and 3 threads give the bits of one thread, and each
/// image of a batch of 256 the bits of that image predicted alone.
/// </summary>
public class QuantizedBatchOneTests
{
    private static Sequential Convnet()
    {
        RandomGenerator.SetGlobalSeed(45);
        return new Sequential(
            new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]),
            new MaxPooling2D((2, 2)),
            new Conv2D(64, (3, 3), activation: Activation.Relu),
            new MaxPooling2D((2, 2)),
            new Flatten(),
            new Dropout(0.5f),
            new Dense(10, Activation.Softmax));
    }

    [Fact]
    public void ConvnetHasTheSameBitsAtBatchOneAndBatch256OnEveryThreadCount()
    {
        var model = Convnet();
        var calibration = Tensor.RandomUniform(new Shape(40, 28, 28, 1), 0f, 1f, new RandomGenerator(9));
        var quantized = Quantization.Quantize(model, calibration);
        var x = Tensor.RandomUniform(new Shape(256, 28, 28, 1), -0.1f, 1.1f, new RandomGenerator(10));
        int saved = DeepSharp.Threads.Count;
        try
        {
            DeepSharp.Threads.Count = 1;
            var batch = quantized.Predict(x, batchSize: 256).ToArray();
            var alone = Enumerable.Range(0, 5).Select(i => quantized.Predict(x.SliceRows(i, 1), batchSize: 1).ToArray()).ToArray();
            for (int i = 0; i < alone.Length; i++) Assert.Equal(batch.AsSpan(i * 10, 10).ToArray(), alone[i]);
            foreach (int threads in new[] { 2, 3 })
            {
                DeepSharp.Threads.Count = threads;
                Assert.Equal(batch, quantized.Predict(x, batchSize: 256).ToArray());
                for (int i = 0; i < alone.Length; i++)
                    for (int call = 0; call < 3; call++) // repeated: the team's helpers hot, the plan reused
                        Assert.Equal(alone[i], quantized.Predict(x.SliceRows(i, 1), batchSize: 1).ToArray());
            }
        }
        finally
        {
            DeepSharp.Threads.Count = saved;
        }
    }
}
