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

    [Theory]
    [InlineData(28, 28, 1, 32, 3, 2)] // the seed CNN's first layers: 13 pooled rows in two bands of 6 and 7
    [InlineData(13, 13, 32, 64, 3, 2)] // convnet's second pair: 11 conv rows, the last one dropped by the pool
    [InlineData(37, 19, 3, 16, 2, 3)] // pool 3×3, kernel 2×2, odd sizes
    [InlineData(9, 30, 2, 7, 5, 2)] // under MinWork: not banded
    public void OneImageInBandsGivesTheBitsOfTheWholeImage(int h, int w, int channels, int filters, int kernel, int poolSize)
    {
        RandomGenerator.SetGlobalSeed(h * w + filters);
        var conv = new Conv2D(filters, (kernel, kernel), activation: Activation.Relu, inputShape: [h, w, channels]);
        var pool = new MaxPooling2D((poolSize, poolSize));
        var model = new Sequential(conv, pool, new Flatten(), new Dense(4));
        var x = Tensor.RandomUniform(new Shape(1, h, w, channels), -1f, 1f, new RandomGenerator(3));
        model.Predict(x);
        int saved = DeepSharp.Threads.Count;
        try
        {
            DeepSharp.Threads.Count = 2;
            using (NoGrad.Scope())
            {
                float[] whole = pool.Call(conv.Call(x)).ToArray();
                var banded = ConvPoolBands.TryBanded(conv, pool, x);
                long work = (long)(h - kernel + 1) * (w - kernel + 1) * filters * kernel * kernel * channels;
                if (work < ConvPoolBands.MinWork)
                {
                    Assert.Null(banded);
                    return;
                }
                Assert.NotNull(banded);
                Assert.Equal(pool.ComputeOutputShape(conv.ComputeOutputShape(x.Shape.WithoutBatch())).WithBatch(1), banded!.Shape);
                Assert.Equal(whole, banded.ToArray());
                Assert.Equal(model.Call(x).ToArray(), model.Predict(x).ToArray());
                Assert.Null(ConvPoolBands.TryBanded(conv, pool, Tensor.Zeros(new Shape(2, h, w, channels)))); // one image only
            }
        }
        finally
        {
            DeepSharp.Threads.Count = saved;
        }
    }

    [Fact]
    public void BandsOnlyForValidUndilatedStrideOneConvAndNonOverlappingPool()
    {
        var x = Tensor.RandomUniform(new Shape(1, 28, 28, 4), -1f, 1f, new RandomGenerator(4));
        foreach (var (conv, pool) in new (Conv2D, MaxPooling2D)[]
        {
            (new Conv2D(16, (3, 3), padding: Padding.Same), new MaxPooling2D((2, 2))),
            (new Conv2D(16, (3, 3), strides: (2, 2)), new MaxPooling2D((2, 2))),
            (new Conv2D(16, (3, 3), dilationRate: (2, 2)), new MaxPooling2D((2, 2))),
            (new Conv2D(16, (3, 3)), new MaxPooling2D((3, 3), strides: (2, 2))),
            (new Conv2D(16, (3, 3)), new MaxPooling2D((2, 2), padding: Padding.Same)),
        })
        {
            conv.Build(x.Shape.WithoutBatch());
            Assert.Null(ConvPoolBands.TryBanded(conv, pool, x));
        }
    }
}
