using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Training;

namespace DeepSharp.Tests.Training;

/// <summary>The seed's Keras CNN, as the README writes it.</summary>
internal static class SeedModel
{
    public static Sequential Create()
    {
        var model = new Sequential(
            new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]),
            new MaxPooling2D((2, 2)),
            new Flatten(),
            new Dense(128, Activation.Relu),
            new Dense(10, Activation.Softmax));
        model.Compile(new Adam(), new CategoricalCrossentropy(), [new Accuracy()]);
        return model;
    }
}
