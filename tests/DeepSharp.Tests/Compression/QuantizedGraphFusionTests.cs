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

    /// <summary>Each node called in float on its inputs' floats (each int8 layer quantizes its own input).</summary>
    private static float[] LayerByLayer(Functional model, Tensor x)
    {
        using var noGrad = NoGrad.Scope();
        return model.Call(x, training: false).ToArray();
    }
}
