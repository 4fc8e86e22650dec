using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Optimizers.Schedules;
using DeepSharp.Training;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// A model for <c>deepsharp train mnist --model NAME</c> with the training settings its source uses.
/// <paramref name="ValidationSplit"/> 0 means the test set is the validation data (the seed's way).
/// <paramref name="Optimizer"/> gets the run's total number of updates (for a schedule over the whole run) and the
/// learning rate given on the command line, if any (a schedule's starting rate).
/// </summary>
internal sealed record MnistPreset(string Name, string Description, Func<Sequential> Build, Func<int, float?, Optimizer> Optimizer,
    string OptimizerName, int Epochs, int BatchSize, float ValidationSplit);

/// <summary>The MNIST presets: the seed's CNN (default), Keras's mnist_mlp and mnist_convnet, and a convnet with BatchNorm and augmentation.</summary>
internal static class MnistPresets
{
    public const string Default = "seed";

    public static IReadOnlyList<MnistPreset> All { get; } =
    [
        // The seed's example exactly: batch 128, 10 epochs, Adam, the test set as validation data.
        new("seed", "the seed CNN: Conv2D 32 → MaxPool → Dense 128 → Dense 10", Seed, (_, lr) => new Adam(lr ?? 1e-3f), "Adam", 10, 128, 0f),
        // Keras's mnist_mlp example: batch 128, 20 epochs, RMSprop, validated on the test set.
        new("mlp", "Keras's mnist_mlp: Dense 512 → Dropout 0.2 → Dense 512 → Dropout 0.2 → Dense 10", Mlp, (_, lr) => new RmsProp(lr ?? 1e-3f), "RMSprop", 20, 128, 0f),
        // Keras's mnist_convnet example: batch 128, 15 epochs, Adam, validation_split 0.1.
        new("convnet", "Keras's mnist_convnet: Conv2D 32 → MaxPool → Conv2D 64 → MaxPool → Dropout 0.5 → Dense 10", Convnet, (_, lr) => new Adam(lr ?? 1e-3f), "Adam", 15, 128, 0.1f),
        // Adam whose rate falls from 1e-3 along a cosine to 1e-5 over the whole run (CosineDecay, alpha 0.01).
        new("convnet-aug", "convnet with BatchNormalization, two convolutions per stage, a hidden Dense 128 and rotation/translation/zoom augmentation",
            ConvnetAugmented, (steps, lr) => new Adam(new CosineDecay(lr ?? 1e-3f, Math.Max(1, steps), alpha: 0.01f)), "Adam with CosineDecay 1e-3 → 1e-5", 30, 128, 0.1f),
    ];

    public static IEnumerable<string> Names => All.Select(p => p.Name);

    public static MnistPreset Get(string name) =>
        All.FirstOrDefault(p => p.Name == name)
        ?? throw new ArgumentException($"Unknown MNIST model '{name}'; known: {string.Join(", ", Names)}.");

    /// <summary>The seed's model, layer for layer.</summary>
    internal static Sequential Seed() => new(
        new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]),
        new MaxPooling2D((2, 2)),
        new Flatten(),
        new Dense(128, Activation.Relu),
        new Dense(10, Activation.Softmax));

    /// <summary>Keras's mnist_mlp (669,706 parameters); Flatten takes the place of its reshape to 784.</summary>
    internal static Sequential Mlp() => new(
        new Flatten(inputShape: [28, 28, 1]),
        new Dense(512, Activation.Relu),
        new Dropout(0.2f),
        new Dense(512, Activation.Relu),
        new Dropout(0.2f),
        new Dense(10, Activation.Softmax));

    /// <summary>Keras's mnist_convnet (34,826 parameters).</summary>
    internal static Sequential Convnet() => new(
        new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]),
        new MaxPooling2D((2, 2)),
        new Conv2D(64, (3, 3), activation: Activation.Relu),
        new MaxPooling2D((2, 2)),
        new Flatten(),
        new Dropout(0.5f),
        new Dense(10, Activation.Softmax));

    /// <summary>
    /// The convnet with small augmentations (rotation up to ±0.03 turn ≈ ±11°, 10 % translation and
    /// zoom, zero fill — active only while training), two convolutions per stage, each followed by
    /// BatchNormalization before its ReLU, and a hidden Dense 128 (BatchNormalization, ReLU,
    /// Dropout 0.4) before the classifier in place of the convnet's Dropout 0.5 on the flattened maps.
    /// </summary>
    internal static Sequential ConvnetAugmented() => new(
        new RandomRotation(0.03f, FillMode.Constant, inputShape: [28, 28, 1]),
        new RandomTranslation(0.1f, 0.1f, FillMode.Constant),
        new RandomZoom(0.1f, fillMode: FillMode.Constant),
        new Conv2D(32, (3, 3), useBias: false), new BatchNormalization(), new ActivationLayer(Activation.Relu),
        new Conv2D(32, (3, 3), useBias: false), new BatchNormalization(), new ActivationLayer(Activation.Relu),
        new MaxPooling2D((2, 2)),
        new Conv2D(64, (3, 3), useBias: false), new BatchNormalization(), new ActivationLayer(Activation.Relu),
        new Conv2D(64, (3, 3), useBias: false), new BatchNormalization(), new ActivationLayer(Activation.Relu),
        new MaxPooling2D((2, 2)),
        new Flatten(),
        new Dense(128, useBias: false), new BatchNormalization(), new ActivationLayer(Activation.Relu),
        new Dropout(0.4f),
        new Dense(10, Activation.Softmax));
}
