using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Training;

/// <summary>Predict runs Conv2D → MaxPooling2D a few images at a time; the bits are those of the whole batch at once.</summary>
public class ConvPoolChunkingTests
{
    [Fact]
    public void ChunkedPredictGivesTheBitsOfTheWholeBatch()
    {
        RandomGenerator.SetGlobalSeed(11);
        var conv = new Conv2D(16, (3, 3), activation: Activation.Relu, inputShape: [20, 20, 3]); // 5184 outputs an image: chunks of 25
        var pool = new MaxPooling2D((2, 2));
        var model = new Sequential(conv, pool, new Flatten(), new Dense(5, Activation.Softmax));
        var x = Tensor.RandomUniform(new Shape(130, 20, 20, 3), -1f, 1f, new RandomGenerator(12));
        model.Predict(x.SliceRows(0, 1));
        using (NoGrad.Scope())
        {
            var chunked = ConvPoolChunking.TryChunked(conv, pool, x);
            Assert.NotNull(chunked); // 130 images, six chunks (the last one short)
            Assert.Equal(pool.Call(conv.Call(x)).ToArray(), chunked!.ToArray());
            Assert.Null(ConvPoolChunking.TryChunked(conv, pool, x.SliceRows(0, 49))); // under two chunks: whole batch
        }

        float[] whole;
        using (NoGrad.Scope()) whole = model.Call(x).ToArray();
        Assert.Equal(whole, model.Predict(x, batchSize: 130).ToArray());
    }

    [Fact]
    public void ChunksSharedOverThreadsGiveTheBitsOfOneThread()
    {
        RandomGenerator.SetGlobalSeed(13);
        var model = new Sequential(new Conv2D(8, (3, 3), activation: Activation.Relu, inputShape: [30, 30, 2]), new MaxPooling2D((2, 2)),
            new Conv2D(8, (3, 3), activation: Activation.Relu), new MaxPooling2D((2, 2)), new Flatten(), new Dense(3));
        var x = Tensor.RandomUniform(new Shape(97, 30, 30, 2), -1f, 1f, new RandomGenerator(14)); // 6272 outputs an image: 20 a chunk
        int saved = DeepSharp.Threads.Count;
        try
        {
            DeepSharp.Threads.Count = 1;
            var one = model.Predict(x, batchSize: 97).ToArray();
            DeepSharp.Threads.Count = 2;
            Assert.Equal(one, model.Predict(x, batchSize: 97).ToArray());
            Assert.Equal(one, model.Predict(x, batchSize: 97).ToArray());
        }
        finally
        {
            DeepSharp.Threads.Count = saved;
        }
    }
}
