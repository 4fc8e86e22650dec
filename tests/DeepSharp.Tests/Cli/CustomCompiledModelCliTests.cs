using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Cli;

/// <summary>
/// A model with an adapted Normalization, compiled with a loss function of its program, on the command line: the CLI
/// cannot create that loss, so it says so and loads the architecture and weights uncompiled; summary and predict work.
/// </summary>
public class CustomCompiledModelCliTests
{
    [Fact]
    public async Task SummaryAndPredictLoadItUncompiledSayingWhy()
    {
        using var folder = new TempFolder();
        RandomGenerator.SetGlobalSeed(8);
        var x = Tensor.RandomUniform(new Shape(20, 3), 0f, 100f, new RandomGenerator(9));
        var normalizer = new Normalization(inputShape: [3]);
        normalizer.Adapt(x);
        var model = new Sequential(normalizer, new Dense(2, Activation.Softmax));
        var loss = Loss.FromFunction("my_loss", (t, p) => Loss.FromName("categorical_crossentropy").PerSample(t, p));
        model.Compile(new Adam(), loss);
        var labels = Tensor.FromArray(Enumerable.Range(0, 40).Select(i => (i / 2 + i) % 2 == 0 ? 1f : 0f).ToArray(), 20, 2);
        model.Fit(x, labels, epochs: 1, verbose: 0);
        string path = folder.File("custom.safetensors");
        model.Save(path);
        string csv = folder.File("samples.csv");
        File.WriteAllText(csv, "10,20,30\n90,5,60\n");

        var (code, output, error) = await CliTests.Run(null, "summary", path);
        Assert.True(code == 0, error);
        Assert.Contains("normalization", output);
        Assert.Contains("Non-trainable params: 6", output);
        Assert.Contains("'my_loss'", error);
        Assert.Contains("uncompiled", error);

        (code, output, error) = await CliTests.Run(null, "predict", path, csv);
        Assert.True(code == 0, error);
        var expected = model.Predict(Tensor.FromArray([10f, 20, 30, 90, 5, 60], 2, 3)).ToArray();
        Assert.Equal(2, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains($"{Math.Max(expected[0], expected[1]):0.0000}", output);
    }
}
