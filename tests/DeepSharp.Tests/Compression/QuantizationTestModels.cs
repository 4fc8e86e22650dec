using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Compression;

/// <summary>A small seeded CNN with every layer kind quantization meets, and image-like data.</summary>
internal static class QuantizationTestModels
{
    /// <summary>Conv2D same (ReLU) → MaxPool → Conv2D strided (linear) → Flatten → Dense ReLU → Dense logits.</summary>
    public static Sequential Cnn(int seed = 3)
    {
        RandomGenerator.SetGlobalSeed(seed);
        var model = new Sequential(
            new Conv2D(8, (3, 3), padding: Padding.Same, activation: Activation.Relu, inputShape: [10, 10, 2]),
            new MaxPooling2D((2, 2)),
            new Conv2D(5, (3, 3), strides: (2, 2)),
            new Flatten(),
            new Dense(16, Activation.Relu),
            new Dense(4));
        return model;
    }

    /// <summary>Values in [0, 1), as scaled pixels.</summary>
    public static Tensor Images(int samples, int seed) =>
        Tensor.RandomUniform(new Shape(samples, 10, 10, 2), 0f, 1f, new RandomGenerator(seed));
}
