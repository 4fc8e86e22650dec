using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// RandomGrayscale and Solarization: Keras's formulas worked out by hand, training-only randomness (seeded, identity at
/// inference), gradients, configs with Keras's keys, Save/Load and ONNX (Identity).
/// </summary>
public sealed class ColorAugmentationTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A model holding both layers (also read by OnnxExportTests.EveryRegisteredLayerTypeExports).</summary>
    public static Sequential Pipeline() => new(
        new RandomGrayscale(0.5f, seed: 1, inputShape: [6, 8, 3]),
        new Solarization((0f, 0.2f), (0.5f, 0.9f), valueRange: (0f, 1f), seed: 2),
        new Resizing(4, 4, Interpolation.Bicubic, padToAspectRatio: true, fillValue: 0.5f),
        new Conv2D(2, (3, 3), activation: Activation.Relu),
        new Flatten(),
        new Dense(2));

    [Fact]
    public void GrayscaleWritesTheLumaToEveryChannelOfTheChosenImages()
    {
        var x = Tensor.RandomUniform(new Shape(40, 2, 3, 3), 0f, 255f, new RandomGenerator(1));
        var y = new RandomGrayscale(0.5f, seed: 3).Call(x, training: true).ToArray();
        var input = x.ToArray();
        int grey = 0;
        for (int n = 0; n < 40; n++)
        {
            bool converted = true, same = true;
            for (int p = 0; p < 6; p++)
            {
                int at = (n * 6 + p) * 3;
                float luma = 0.2989f * input[at] + 0.5870f * input[at + 1] + 0.1140f * input[at + 2];
                for (int c = 0; c < 3; c++)
                {
                    converted &= Math.Abs(y[at + c] - luma) <= 1e-3f;
                    same &= y[at + c] == input[at + c];
                }
            }
            Assert.True(converted ^ same, $"image {n} is neither its grey version nor itself");
            if (converted) grey++;
        }
        Assert.InRange(grey, 8, 32); // probability ½ of 40 images
        Assert.Equal(x.ToArray(), new RandomGrayscale(1f, seed: 3).Call(x, training: false).ToArray());
        Assert.Equal(y, new RandomGrayscale(0.5f, seed: 3).Call(x, training: true).ToArray()); // seeded
        var all = new RandomGrayscale(1f, seed: 4).Call(x, training: true).ToArray();
        Assert.Equal(0.2989f * input[0] + 0.5870f * input[1] + 0.1140f * input[2], all[2], 3);
        Assert.Equal(x.ToArray(), new RandomGrayscale(0f, seed: 4).Call(x, training: true).ToArray());
    }

    [Fact]
    public void SolarizationInvertsWhatReachesTheThreshold()
    {
        // Both factors 0 (Keras's defaults): nothing added, threshold 0, so every value is inverted (Keras's example: 59 → 196).
        var x = Tensor.FromArray([0f, 59f, 62f, 255f, 100f, 200f], 1, 1, 2, 3);
        Assert.Equal([255f, 196f, 193f, 0f, 155f, 55f], new Solarization(seed: 1).Call(x, training: true).ToArray());
        Assert.Equal(x.ToArray(), new Solarization(seed: 1).Call(x, training: false).ToArray());
        // Images in [0, 1]: a threshold drawn per image from [0, 0.4·255] on the 0–255 scale; values at or above it become 1 − v.
        var images = Tensor.RandomUniform(new Shape(6, 4, 5, 1), 0f, 1f, new RandomGenerator(2));
        var layer = new Solarization((0f, 0f), (0f, 0.4f), valueRange: (0f, 1f), seed: 5);
        var y = layer.Call(images, training: true).ToArray();
        Assert.Equal(y, new Solarization((0f, 0f), (0f, 0.4f), valueRange: (0f, 1f), seed: 5).Call(images, training: true).ToArray());
        var v = images.ToArray();
        for (int n = 0; n < 6; n++)
        {
            float highestKept = float.NegativeInfinity, lowestInverted = float.PositiveInfinity;
            for (int i = n * 20; i < n * 20 + 20; i++)
            {
                bool kept = Math.Abs(y[i] - v[i]) <= 1e-5f, inverted = Math.Abs(y[i] - (1f - v[i])) <= 1e-5f;
                Assert.True(kept || inverted, $"value {v[i]} became {y[i]}");
                if (kept && !inverted) highestKept = Math.Max(highestKept, v[i]);
                if (inverted && !kept) lowestInverted = Math.Min(lowestInverted, v[i]);
                if (v[i] >= 0.4f + 1e-5f) Assert.True(inverted, $"{v[i]} is above every threshold yet became {y[i]}");
            }
            Assert.True(highestKept < lowestInverted, $"image {n}: kept up to {highestKept}, inverted from {lowestInverted}");
        }
        // An addition before the threshold: with a 0 threshold, clip(v + a) is inverted, a ∈ [0, 0.2·255].
        var shifted = new Solarization((0f, 0.2f), (0f, 0f), seed: 3).Call(Tensor.FromArray([10f, 250f], 1, 1, 1, 2), training: true).ToArray();
        Assert.InRange(shifted[0], 255f - 10f - 51f - 1e-3f, 245f + 1e-3f);
        Assert.Equal(0f, shifted[1]); // 250 + a clips at 255 for any a ≥ 5, else 255 − (250 + a) ≤ 5
    }

    [Fact]
    public void GradientsPassToTheInput()
    {
        var x = GradCheck.Random(4, 2, 3, 4, 3);
        GradCheck.Check(t => new RandomGrayscale(0.5f, seed: 2).Call(t[0], training: true), [x], epsilon: 1e-3f);
        GradCheck.Check(t => new Solarization(valueRange: (-10f, 10f), seed: 3).Call(t[0], training: true), [x], epsilon: 1e-3f);
    }

    [Fact]
    public void ConfigsRoundTripWithKerasKeysAndBadOnesAreRefused()
    {
        Layer[] layers = [new RandomGrayscale(0.3f, seed: 7), new Solarization((0.1f, 0.2f), (0.3f, 0.6f), (0f, 1f), seed: 8)];
        foreach (var layer in layers)
        {
            var config = layer.GetConfig();
            Assert.Equal(config.ToJsonString(), LayerRegistry.Create(layer.TypeName, config).GetConfig().ToJsonString());
        }
        Assert.Equal(0.3f, layers[0].GetConfig()["probability"]!.GetValue<float>());
        Assert.Equal("[0.3,0.6]", layers[1].GetConfig()["threshold_factor"]!.ToJsonString().Replace("0.30000001", "0.3").Replace("0.60000002", "0.6"));
        // Keras's own configs: a number f is (0, f); a pair is sorted.
        var keras = Assert.IsType<Solarization>(LayerRegistry.Create("Solarization",
            JsonNode.Parse("""{"name":"s","addition_factor":0.5,"threshold_factor":[0.4,0.1],"value_range":[0,255],"seed":null}""")!.AsObject()));
        Assert.Equal((0f, 0.5f), keras.AdditionFactor);
        Assert.Equal((0.1f, 0.4f), keras.ThresholdFactor);
        Assert.Equal(0.5f, Assert.IsType<RandomGrayscale>(LayerRegistry.Create("RandomGrayscale",
            JsonNode.Parse("""{"name":"g","data_format":"channels_last"}""")!.AsObject())).Probability);

        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomGrayscale(1.5f));
        Assert.Throws<ArgumentException>(() => new Solarization((0.5f, 0.1f), null));
        Assert.Throws<ArgumentException>(() => new Solarization(null, (0f, 2f)));
        Assert.Throws<ArgumentException>(() => new Solarization(valueRange: (1f, 1f)));
        Assert.Contains("'grey'", Assert.Throws<ShapeMismatchException>(() => new RandomGrayscale(name: "grey").Call(Tensor.Zeros(1, 4, 4, 2))).Message);
        foreach (var (type, json) in new[]
        {
            ("RandomGrayscale", """{"name":"g","probability":2}"""), ("RandomGrayscale", """{"name":"g","data_format":"channels_first"}"""),
            ("Solarization", """{"name":"s","addition_factor":-0.1}"""), ("Solarization", """{"name":"s","threshold_factor":[0.1]}"""),
            ("Solarization", """{"name":"s","value_range":[2,1]}"""), ("Solarization", """{"name":"s","seed":"x"}"""),
        })
            Assert.Throws<DeepSharpException>(() => LayerRegistry.Create(type, JsonNode.Parse(json)!.AsObject()));
    }

    [Fact]
    public void APipelineTrainsSavesLoadsAndExports()
    {
        RandomGenerator.SetGlobalSeed(3);
        var model = Pipeline();
        var x = Tensor.RandomUniform(new Shape(16, 6, 8, 3), 0f, 1f, new RandomGenerator(3));
        var y = Tensor.RandomUniform(new Shape(16, 2), -1f, 1f, new RandomGenerator(4));
        model.Compile(new Adam(0.01f), "mse");
        var history = model.Fit(x, y, epochs: 5, batchSize: 8, verbose: 0);
        Assert.True(history["loss"][^1] < history["loss"][0], $"loss {history["loss"][0]} → {history["loss"][^1]}");
        string path = _temp.File("color.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        Assert.Equal(((Solarization)model.Layers[1]).ThresholdFactor, ((Solarization)loaded.Layers[1]).ThresholdFactor);
        OnnxRunner.AssertMatches(model, [x], "RandomGrayscale, Solarization and a padded bicubic Resizing");
    }
}
