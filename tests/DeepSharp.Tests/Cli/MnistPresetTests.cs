using DeepSharp.Cli.Commands;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Cli;

/// <summary>The <c>train mnist --model</c> presets: each builds with its published parameter count and trains a step.</summary>
public class MnistPresetTests
{
    public static TheoryData<string, int> Presets => new()
    {
        { "seed", 693_962 },
        { "mlp", 669_706 },       // Keras's mnist_mlp
        { "convnet", 34_826 },    // Keras's mnist_convnet
        { "convnet-aug", 198_442 }, // 197,802 trainable + 640 BatchNormalization moving statistics
    };

    [Theory]
    [MemberData(nameof(Presets))]
    public void PresetBuildsAndTrainsOneStep(string name, int parameters)
    {
        RandomGenerator.SetGlobalSeed(1);
        var preset = MnistPresets.Get(name);
        var model = preset.Build();
        Assert.Equal(parameters, model.Parameters.Sum(p => p.Shape.Size));
        model.Compile(preset.Optimizer(100, null), new CategoricalCrossentropy(), [new Accuracy()]);

        var rng = new RandomGenerator(2);
        var x = Tensor.RandomUniform(new Shape(8, 28, 28, 1), 0f, 1f, rng);
        var y = Tensor.Zeros(8, 10);
        for (int i = 0; i < 8; i++) y.Span[i * 10 + i % 10] = 1f;
        var before = model.Parameters.Where(p => p.Trainable).Select(p => p.Value.ToArray()).ToArray();
        var history = model.Fit(x, y, batchSize: 8, epochs: 1, verbose: 0);
        Assert.True(double.IsFinite(history["loss"][0]));
        Assert.NotEqual(before[0], model.Parameters.Where(p => p.Trainable).First().Value.ToArray());
    }

    [Fact]
    public void SeedIsTheDefaultWithTheSeedsSettings()
    {
        var seed = MnistPresets.Get(MnistPresets.Default);
        Assert.Equal(("seed", 10, 128, 0f), (seed.Name, seed.Epochs, seed.BatchSize, seed.ValidationSplit));
        var convnet = MnistPresets.Get("convnet");
        Assert.Equal((15, 128, 0.1f), (convnet.Epochs, convnet.BatchSize, convnet.ValidationSplit));
        Assert.Throws<ArgumentException>(() => MnistPresets.Get("resnet"));
    }
}
