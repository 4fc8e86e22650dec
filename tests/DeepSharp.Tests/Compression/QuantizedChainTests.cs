using DeepSharp.Autograd;
using DeepSharp.Compression;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Compression;

/// <summary>
/// Predict of a quantized model carries u8 activations between its quantized layers
/// (QuantizedChain); the result must have the bits of running the layers one by one in float.
/// </summary>
public class QuantizedChainTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(130)]
    public void ChainGivesTheBitsOfLayerByLayer(int batch)
    {
        var quantized = Quantization.Quantize(QuantizationTestModels.Cnn(), QuantizationTestModels.Images(64, 11));
        var x = QuantizationTestModels.Images(batch, 12);
        Assert.Equal(5, QuantizedChain.ChainEnd(quantized.Layers, 0));
        Assert.Equal(LayerByLayer(quantized, x), quantized.Predict(x, batchSize: 256).ToArray());
    }

    [Fact]
    public void ByteLayersBetweenQuantizedLayersAreExact()
    {
        // Linear conv → ReLU layer → same-padded pool (odd size) → Dropout → Flatten → Dense (linear)
        // → ReLU activation layer → Dense softmax: every byte-exact layer kind, and a float activation at the end.
        RandomGenerator.SetGlobalSeed(8);
        var model = new Sequential(
            new Conv2D(6, (3, 3), inputShape: [9, 9, 3]),
            new Relu(),
            new MaxPooling2D((2, 2), padding: Padding.Same),
            new Dropout(0.3f),
            new Flatten(),
            new Dense(20),
            new ActivationLayer(Activation.Relu),
            new Dense(5, Activation.Softmax));
        var data = Tensor.RandomUniform(new Shape(50, 9, 9, 3), -1f, 1f, new RandomGenerator(4));
        var quantized = Quantization.Quantize(model, data);
        Assert.Equal(7, QuantizedChain.ChainEnd(quantized.Layers, 0));
        var x = Tensor.RandomUniform(new Shape(33, 9, 9, 3), -1.2f, 1.2f, new RandomGenerator(5));
        var expected = LayerByLayer(quantized, x);
        Assert.Equal(expected, quantized.Predict(x).ToArray());
        Assert.InRange(expected[0..5].Sum(), 0.999f, 1.001f);
    }

    [Fact]
    public void ChainStopsAtLayersThatAreNotExactOnBytes()
    {
        RandomGenerator.SetGlobalSeed(9);
        var model = new Sequential(
            new Dense(8, Activation.Tanh, inputShape: [4]),
            new Dense(8, Activation.Relu),
            new Relu(maxValue: 1f),
            new Dense(3));
        var data = Tensor.RandomUniform(new Shape(20, 4), -1f, 1f, new RandomGenerator(6));
        var quantized = Quantization.Quantize(model, data);
        Assert.Equal(0, QuantizedChain.ChainEnd(quantized.Layers, 0)); // tanh needs floats
        Assert.Equal(1, QuantizedChain.ChainEnd(quantized.Layers, 1)); // a capped ReLU is not max(q, z)
        Assert.Equal(LayerByLayer(quantized, data), quantized.Predict(data).ToArray());
    }

    private static float[] LayerByLayer(Model model, Tensor x)
    {
        using var noGrad = NoGrad.Scope();
        foreach (var layer in model.Layers) x = layer.Call(x, training: false);
        return x.ToArray();
    }
}
