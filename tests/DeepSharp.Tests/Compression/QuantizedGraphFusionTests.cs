using DeepSharp.Autograd;
using DeepSharp.Compression;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Compression;

/// <summary>
/// A functional int8 model runs a convolution and the max pool that alone reads it as one fused
/// kernel (Int8ConvPool), as a Sequential chain does: the bits must be those of the layers one by one.
/// </summary>
public class QuantizedGraphFusionTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(40)]
    public void ConvolutionWithItsPoolHasTheBitsOfTheLayersOneByOne(int batch)
    {
        RandomGenerator.SetGlobalSeed(43);
        var x = Model.Input([14, 13, 1]);
        var h = new MaxPooling2D((2, 2)).Call(new Conv2D(32, (3, 3), activation: Activation.Relu).Call(x));
        var c = new Conv2D(64, (3, 3), activation: Activation.Relu).Call(h);
        var pooled = new MaxPooling2D((2, 2), padding: Padding.Same).Call(c); // the fused pool
        var side = new Flatten().Call(c);                                      // c has two readers: not fused
        var y = new Concatenate().Call(new Dense(6).Call(new Flatten().Call(pooled)), new Dense(5).Call(side));
        var model = new Functional(x, y, "fused");
        var quantized = Quantization.Quantize(model, Tensor.RandomUniform(new Shape(30, 14, 13, 1), 0f, 1f, new RandomGenerator(9)));
        var input = Tensor.RandomUniform(new Shape(batch, 14, 13, 1), -0.1f, 1.1f, new RandomGenerator(10));
        Assert.Equal(LayerByLayer((Functional)quantized, input), quantized.Predict(input, batchSize: 64).ToArray());
    }

    [Fact]
    public void ConvolutionReadByPoolOnlyIsFused()
    {
        RandomGenerator.SetGlobalSeed(44);
        var x = Model.Input([12, 12, 2]);
        var h = new MaxPooling2D((2, 2)).Call(new Conv2D(8, (3, 3), activation: Activation.Relu).Call(x));
        var model = new Functional(x, new Dense(3).Call(new Flatten().Call(h)), "pooled");
        var quantized = Quantization.Quantize(model, Tensor.RandomUniform(new Shape(30, 12, 12, 2), 0f, 1f, new RandomGenerator(11)));
        var input = Tensor.RandomUniform(new Shape(7, 12, 12, 2), 0f, 1f, new RandomGenerator(12));
        Assert.Equal(LayerByLayer((Functional)quantized, input), quantized.Predict(input).ToArray());
    }

    [Theory]
    [InlineData(1, true, true, true)]
    [InlineData(3, true, true, true)]
    [InlineData(7, false, true, true)]
    [InlineData(7, true, false, true)]
    [InlineData(3, true, true, false)]
    [InlineData(2, false, false, false)]
    public void ResidualConvolutionWithItsAddReluAndPoolHasTheBitsOfTheLayersOneByOne(int batch, bool skipFirst, bool relu, bool pool)
    {
        // The bench's residual block (1 → 16 Same, 16 → 16 Same, Add, ReLU, pool): the second
        // convolution, the Add, the ReLU and the pool run image by image (Int8ConvAdd), on 1 to 3 threads.
        RandomGenerator.SetGlobalSeed(46);
        var x = Model.Input([15, 13, 1]);
        var a = new Conv2D(16, (3, 3), padding: Padding.Same, activation: Activation.Relu).Call(x);
        var b = new Conv2D(16, (3, 3), padding: Padding.Same).Call(a);
        var h = skipFirst ? new Add().Call(a, b) : new Add().Call(b, a);
        if (relu) h = new Relu().Call(h);
        if (pool) h = new MaxPooling2D((2, 2)).Call(h);
        var model = new Functional(x, new Dense(4).Call(new Flatten().Call(h)), "residual");
        var quantized = Quantization.Quantize(model, Tensor.RandomUniform(new Shape(30, 15, 13, 1), 0f, 1f, new RandomGenerator(13)));
        // A zero background with a lit square per image, as MNIST: blank windows and lit ones.
        var data = new float[batch * 15 * 13];
        var rng = new Random(batch);
        for (int i = 0; i < batch; i++)
            for (int y = 3 + i % 4; y < 10; y++)
                for (int w = 2; w < 9 + i % 3; w++) data[(i * 15 + y) * 13 + w] = (float)rng.NextDouble();
        var input = Tensor.FromArray(data, batch, 15, 13, 1);
        var expected = LayerByLayer((Functional)quantized, input);
        int saved = DeepSharp.Threads.Count;
        try
        {
            foreach (int threads in new[] { 1, 2, 3 })
            {
                DeepSharp.Threads.Count = threads;
                Assert.Equal(expected, quantized.Predict(input, batchSize: 64).ToArray());
            }
        }
        finally
        {
            DeepSharp.Threads.Count = saved;
        }
    }

    /// <summary>Each node called in float on its inputs' floats (each int8 layer quantizes its own input).</summary>
    private static float[] LayerByLayer(Functional model, Tensor x)
    {
        using var noGrad = NoGrad.Scope();
        return model.Call(x, training: false).ToArray();
    }
}
