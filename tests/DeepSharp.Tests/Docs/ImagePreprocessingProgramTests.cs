using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Docs;

/// <summary>
/// A program written from docs/layers.md only, as a Keras user new to DeepSharp would (the users6 pass): 24×32 "photos"
/// of horizontal or vertical stripes, resized without distortion, augmented (crop, contrast, brightness), classified by
/// a convolution with GroupNormalization; trained, saved, loaded, exported to ONNX and run in ONNX Runtime.
/// </summary>
public sealed class ImagePreprocessingProgramTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Stripes 2 pixels wide, horizontal (class 0) or vertical (class 1), at a random phase and brightness, plus noise; bytes 0..255.</summary>
    private static (Tensor Images, Tensor Labels) Stripes(int n, int seed)
    {
        var rng = new RandomGenerator(seed);
        var x = new float[n * 24 * 32 * 3];
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = rng.NextInt(2);
            int phase = rng.NextInt(4);
            float low = 40f * rng.NextFloat(), high = 150f + 100f * rng.NextFloat();
            for (int r = 0; r < 24; r++)
                for (int c = 0; c < 32; c++)
                {
                    bool on = ((y[i] == 0 ? r : c) + phase) / 2 % 2 == 0;
                    for (int k = 0; k < 3; k++) x[((i * 24 + r) * 32 + c) * 3 + k] = Math.Clamp((on ? high : low) + 10f * (rng.NextFloat() - 0.5f), 0f, 255f);
                }
        }
        return (Tensor.FromArray(x, n, 24, 32, 3), Tensor.FromArray(y, n));
    }

    [Fact]
    public void StripesClassifierWithImagePreprocessing()
    {
        RandomGenerator.SetGlobalSeed(11);
        var (train, trainLabels) = Stripes(256, 1);
        var (test, testLabels) = Stripes(64, 2);

        var model = new Sequential(
            new Resizing(16, 16, cropToAspectRatio: true, inputShape: [24, 32, 3]),
            new Rescaling(1f / 255),
            new RandomCrop(14, 14, seed: 1),
            new RandomContrast(0.2f, valueRange: (0f, 1f), seed: 2),
            new RandomBrightness(0.1f, valueRange: (0f, 1f), seed: 3),
            new Conv2D(8, 3, padding: Padding.Same),
            new GroupNormalization(groups: 4),
            new ActivationLayer("relu"),
            new Conv2D(8, 3, padding: Padding.Same, activation: Activation.Relu),
            new GlobalAveragePooling2D(),
            new Dense(2, Activation.Softmax));
        model.Compile(new Adam(0.01f), "sparse_categorical_crossentropy", ["accuracy"]);
        model.Fit(train, trainLabels, epochs: 12, batchSize: 32, verbose: 0);
        var scores = model.Evaluate(test, testLabels, verbose: 0);
        Assert.True(scores["accuracy"] >= 0.9, $"test accuracy {scores["accuracy"]}");

        string path = _temp.File("stripes.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(model.Predict(test).ToArray(), loaded.Predict(test).ToArray());
        OnnxRunner.AssertMatches(loaded, [test], "stripes classifier");
    }
}
