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
/// RandomSharpness, RandomInvert, RandomPosterization, RandomShear, RandomErasing and AutoContrast: hand-computed small images, neutral
/// factors, inference, gradients, configs with Keras's keys, bad input; and a model holding every new augmentation layer
/// that trains, saves, loads and exports to ONNX.
/// </summary>
public sealed class PixelAugmentationTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A model holding every layer added with RandomHue (also read by OnnxExportTests.EveryRegisteredLayerTypeExports).</summary>
    public static Sequential Pipeline() => new(
        new RandomHue(0.2f, valueRange: (0f, 1f), seed: 1, inputShape: [6, 8, 3]),
        new RandomSaturation((0.3f, 0.7f), valueRange: (0f, 1f), seed: 2),
        new RandomColorDegeneration(0.5f, valueRange: (0f, 1f), seed: 3),
        new RandomColorJitter((0f, 1f), 0.1f, 0.2f, 0.6f, 0.1f, seed: 4),
        new RandomSharpness(0.8f, valueRange: (0f, 1f), seed: 5),
        new RandomInvert(0.5f, valueRange: (0f, 1f), seed: 6),
        new RandomPosterization(6, valueRange: (0f, 1f), seed: 7),
        new RandomShear(0.2f, 0.1f, FillMode.Constant, 0.5f, seed: 8),
        new AutoContrast(valueRange: (0f, 1f)),
        new RandomErasing(0.5f, fillValue: 0.5f, valueRange: (0f, 1f), seed: 9),
        new Conv2D(2, (3, 3), activation: Activation.Relu),
        new Flatten(),
        new Dense(2));

    private static void Near(float[] want, float[] got, float tolerance, string what)
    {
        Assert.Equal(want.Length, got.Length);
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(want[i] - got[i]) <= tolerance, $"{what}: element {i} is {got[i]}, want {want[i]}");
    }

    [Fact]
    public void SharpnessBlendsWithTheThirteenthsBlur()
    {
        // A 3×3 image of ones; zero padding: a corner sees 3 neighbours and itself, (3 + 5)/13; an edge (5 + 5)/13; the centre 13/13.
        var x = Tensor.Full(new Shape(1, 3, 3, 1), 1f);
        float corner = 8f / 13f, edge = 10f / 13f;
        Near([corner, edge, corner, edge, 1f, edge, corner, edge, corner],
            new RandomSharpness((0f, 0f), valueRange: (0f, 2f), seed: 1).Call(x, training: true).ToArray(), 1e-5f, "f = 0: the blur");
        Near([2 - corner, 2 - edge, 2 - corner, 2 - edge, 1f, 2 - edge, 2 - corner, 2 - edge, 2 - corner],
            new RandomSharpness((1f, 1f), valueRange: (0f, 2f), seed: 1).Call(x, training: true).ToArray(), 1e-5f, "f = 1: 2x − blur");
        var images = Tensor.RandomUniform(new Shape(2, 5, 4, 3), 0f, 255f, new RandomGenerator(1));
        Near(images.ToArray(), new RandomSharpness((0.5f, 0.5f), seed: 2).Call(images, training: true).ToArray(), 1e-3f, "f = ½");
        Assert.Equal(images.ToArray(), new RandomSharpness(1f, seed: 2).Call(images, training: false).ToArray());
    }

    [Fact]
    public void InvertSubtractsFromTheUpperEnd()
    {
        var x = Tensor.RandomUniform(new Shape(40, 2, 2, 3), 0f, 255f, new RandomGenerator(3));
        var input = x.ToArray();
        Near(input.Select(v => 255f - v).ToArray(), new RandomInvert((1f, 1f), seed: 1).Call(x, training: true).ToArray(), 1e-4f, "probability 1");
        Assert.Equal(input, new RandomInvert(0f, seed: 1).Call(x, training: true).ToArray());
        Assert.Equal(input, new RandomInvert(seed: 1).Call(x, training: false).ToArray());
        // The default factor draws p from [0, 1]: an image is inverted with probability ½ overall.
        var y = new RandomInvert(seed: 2).Call(x, training: true).ToArray();
        int inverted = 0;
        for (int n = 0; n < 40; n++)
        {
            bool flipped = Math.Abs(y[n * 12] - (255f - input[n * 12])) < 1e-3f;
            for (int i = n * 12; i < n * 12 + 12; i++) Assert.Equal(flipped ? 255f - input[i] : input[i], y[i], 3);
            if (flipped) inverted++;
        }
        Assert.InRange(inverted, 8, 32);
        Assert.Equal(y, new RandomInvert(seed: 2).Call(x, training: true).ToArray());
        Near([0.75f, 0.5f], new RandomInvert((1f, 1f), valueRange: (-1f, 1f), seed: 1).Call(Tensor.FromArray([0.25f, 0.5f], 1, 1, 1, 2), training: true).ToArray(),
            1e-6f, "Keras's high − x on [−1, 1]");
    }

    [Fact]
    public void PosterizationKeepsTheHighBits()
    {
        var x = Tensor.FromArray([200f, 255f, 15f, 16f, 127.9f, 0f], 1, 1, 2, 3);
        Assert.Equal([192f, 240f, 0f, 16f, 112f, 0f], new RandomPosterization((4, 4), seed: 1).Call(x, training: true).ToArray());
        Assert.Equal([128f, 128f, 0f, 0f, 0f, 0f], new RandomPosterization(1, seed: 1).Call(x, training: true).ToArray()); // (1, 1): one bit
        Assert.Equal([200f, 255f, 15f, 16f, 127f, 0f], new RandomPosterization((8, 8), seed: 1).Call(x, training: true).ToArray());
        Assert.Equal(x.ToArray(), new RandomPosterization(4, seed: 1).Call(x, training: false).ToArray());
        // [0, 1] images: 0.5 → 127.5 → 127 → 112 with 4 bits.
        Assert.Equal(112f / 255f, new RandomPosterization((4, 4), valueRange: (0f, 1f)).Call(Tensor.FromArray([0.5f], 1, 1, 1, 1), training: true).ToArray()[0], 6);
        // (2, 5): bits from {2, 3, 4}, never 5 (Keras's randint excludes the upper end): 255 keeps at most 4 bits.
        var many = Tensor.Full(new Shape(60, 1, 1, 1), 255f);
        var levels = new RandomPosterization((2, 5), seed: 3).Call(many, training: true).ToArray().Distinct().Order().ToArray();
        Assert.Equal([192f, 224f, 240f], levels);
    }

    [Fact]
    public void ShearMovesRowsByTheirIndex()
    {
        // Output (x, y) reads input (x + s·y, y): with s = ±1 row y moves by y pixels; outside is 0 (constant fill).
        var x = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f], 1, 3, 3, 1);
        float[] left = [1, 2, 3, 5, 6, 0, 9, 0, 0], right = [1, 2, 3, 0, 4, 5, 0, 0, 7];
        bool sawLeft = false, sawRight = false;
        for (long seed = 0; seed < 12; seed++)
        {
            var y = new RandomShear((1f, 1f), (0f, 0f), FillMode.Constant, seed: seed).Call(x, training: true).ToArray();
            bool l = y.Zip(left).All(p => Math.Abs(p.First - p.Second) < 1e-5f), r = y.Zip(right).All(p => Math.Abs(p.First - p.Second) < 1e-5f);
            Assert.True(l || r, $"seed {seed}: [{string.Join(", ", y)}]");
            sawLeft |= l;
            sawRight |= r;
        }
        Assert.True(sawLeft && sawRight);
        // y_factor: column x moves by x pixels vertically.
        var down = new RandomShear((0f, 0f), (1f, 1f), FillMode.Constant, 9f, seed: 0).Call(x, training: true).ToArray();
        Assert.True(down.SequenceEqual([1f, 5f, 9f, 4f, 8f, 9f, 7f, 9f, 9f]) || down.SequenceEqual([1f, 9f, 9f, 4f, 2f, 9f, 7f, 5f, 3f]), $"[{string.Join(", ", down)}]");
        Assert.Equal(x.ToArray(), new RandomShear(0f, 0f, seed: 1).Call(x, training: true).ToArray());
        Assert.Equal(x.ToArray(), new RandomShear(1f, 1f, seed: 1).Call(x, training: false).ToArray());
    }

    [Fact]
    public void AutoContrastStretchesEachChannelAlsoAtInference()
    {
        // Channel 0 spans [50, 150] → [0, 255]; channel 1 is flat and kept.
        var x = Tensor.FromArray([50f, 7f, 100f, 7f, 150f, 7f], 1, 1, 3, 2);
        float[] want = [0f, 7f, 127.5f, 7f, 255f, 7f];
        Near(want, new AutoContrast().Call(x, training: false).ToArray(), 1e-4f, "inference");
        Near(want, new AutoContrast().Call(x, training: true).ToArray(), 1e-4f, "training");
        Near([-1f, 0f, 1f], new AutoContrast((-1f, 1f)).Call(Tensor.FromArray([0.2f, 0.3f, 0.4f], 1, 3, 1, 1)).ToArray(), 1e-5f, "[−1, 1]");
    }

    [Fact]
    public void ErasingFillsOneBoxPerChosenImage()
    {
        // Scale (¼, ¼): a box of half the width and half the height; a half-open interval of length 2 holds 2 pixels: a 2×2 square.
        var x = Tensor.Full(new Shape(5, 4, 4, 2), 1f);
        var y = new RandomErasing((1f, 1f), (0.25f, 0.25f), fillValue: 300f, seed: 1).Call(x, training: true).ToArray();
        for (int n = 0; n < 5; n++)
        {
            var rows = new HashSet<int>();
            var columns = new HashSet<int>();
            int erased = 0;
            for (int p = 0; p < 16; p++)
                for (int c = 0; c < 2; c++)
                {
                    float v = y[(n * 16 + p) * 2 + c];
                    Assert.True(v == 1f || v == 255f, $"image {n} value {v}: neither kept nor the fill clipped to 255");
                    if (v != 255f || c != 0) continue;
                    erased++;
                    rows.Add(p / 4);
                    columns.Add(p % 4);
                }
            Assert.Equal(4, erased);
            Assert.Equal(2, rows.Count);
            Assert.Equal(1, rows.Max() - rows.Min());
            Assert.Equal(1, columns.Max() - columns.Min());
        }
        // Scale 1: the whole image; noise fill (null) is clipped to the range.
        var noisy = new RandomErasing((1f, 1f), (1f, 1f), valueRange: (0f, 1f), seed: 2).Call(x, training: true).ToArray();
        Assert.All(noisy, v => Assert.InRange(v, 0f, 1f));
        Assert.Contains(noisy, v => v > 0f && v < 1f);
        Assert.Equal(x.ToArray(), new RandomErasing(0f, seed: 3).Call(x, training: true).ToArray());
        Assert.Equal(x.ToArray(), new RandomErasing(seed: 3).Call(x, training: false).ToArray());
        Assert.Equal(noisy, new RandomErasing((1f, 1f), (1f, 1f), valueRange: (0f, 1f), seed: 2).Call(x, training: true).ToArray());
    }

    [Fact]
    public void GradientsPassToTheInput()
    {
        var x = GradCheck.Random(5, 2, 4, 3, 3);
        GradCheck.Check(t => new RandomSharpness(1f, valueRange: (-10f, 10f), seed: 2).Call(t[0], training: true), [x], epsilon: 1e-3f);
        GradCheck.Check(t => new RandomInvert(valueRange: (-1f, 1f), seed: 3).Call(t[0], training: true), [x], epsilon: 1e-3f);
        GradCheck.Check(t => new RandomShear(0.3f, 0.2f, seed: 4).Call(t[0], training: true), [x], epsilon: 1e-3f);
        GradCheck.Check(t => new AutoContrast((-1f, 1f)).Call(t[0]), [x], epsilon: 1e-3f);
        GradCheck.Check(t => new RandomErasing((1f, 1f), (0.2f, 0.5f), fillValue: 0.5f, valueRange: (-1f, 1f), seed: 6).Call(t[0], training: true), [x], epsilon: 1e-3f);
    }

    [Fact]
    public void ConfigsRoundTripWithKerasKeysAndBadOnesAreRefused()
    {
        Layer[] layers = [new RandomSharpness((0.2f, 0.9f), (0f, 1f), seed: 1), new RandomInvert(0.3f), new RandomPosterization((2, 6), seed: 2),
            new RandomShear(0.3f, 0.1f, FillMode.Constant, 2f, seed: 3), new AutoContrast((0f, 1f)), new RandomErasing(0.7f, (0.1f, 0.2f), 3f, seed: 4),
            new RandomErasing()];
        foreach (var layer in layers)
        {
            var config = layer.GetConfig();
            Assert.Equal(config.ToJsonString(), LayerRegistry.Create(layer.TypeName, config).GetConfig().ToJsonString());
        }
        Assert.Equal("[-0.3,0.3]", layers[3].GetConfig()["x_factor"]!.ToJsonString().Replace("0.30000001", "0.3"));
        // Keras's configs: RandomInvert's default factor (0, 1), posterization's number f is (1, f), RandomShear's x_factor f is (−f, f).
        Assert.Equal((0f, 1f), Assert.IsType<RandomInvert>(LayerRegistry.Create("RandomInvert", JsonNode.Parse("""{"name":"i"}""")!.AsObject())).Factor);
        Assert.Equal((1, 4), Assert.IsType<RandomPosterization>(LayerRegistry.Create("RandomPosterization",
            JsonNode.Parse("""{"name":"p","factor":4,"value_range":[0,255]}""")!.AsObject())).Factor);
        var shear = Assert.IsType<RandomShear>(LayerRegistry.Create("RandomShear",
            JsonNode.Parse("""{"name":"s","x_factor":0.2,"y_factor":[0.1,0.3],"interpolation":"bilinear","fill_mode":"constant","fill_value":1,"data_format":"channels_last"}""")!.AsObject()));
        Assert.Equal((-0.2f, 0.2f), shear.XFactor);
        Assert.Equal((0.1f, 0.3f), shear.YFactor);
        Assert.Equal(FillMode.Constant, shear.FillMode);

        Assert.Contains("RandomSharpness", Assert.Throws<ArgumentException>(() => new RandomSharpness(1.2f)).Message);
        Assert.Throws<ArgumentException>(() => new RandomInvert((0.8f, 0.2f)));
        Assert.Contains("RandomPosterization", Assert.Throws<ArgumentException>(() => new RandomPosterization(9)).Message);
        Assert.Throws<ArgumentException>(() => new RandomPosterization((0, 3)));
        Assert.Contains("xFactor", Assert.Throws<ArgumentException>(() => new RandomShear(-0.1f, 0f)).Message);
        Assert.Throws<ArgumentException>(() => new RandomShear((0f, 1.5f), (0f, 0f)));
        Assert.Throws<ArgumentException>(() => new AutoContrast((1f, 1f)));
        Assert.Contains("scale", Assert.Throws<ArgumentException>(() => new RandomErasing(scale: (0f, 2f))).Message);
        Assert.Throws<ArgumentException>(() => new RandomErasing(fillValue: float.NaN));
        Assert.Contains("'ac'", Assert.Throws<ShapeMismatchException>(() => new AutoContrast(name: "ac").Call(Tensor.Zeros(2, 3))).Message);
        foreach (var (type, json) in new[]
        {
            ("RandomSharpness", """{"name":"s"}"""), ("RandomSharpness", """{"name":"s","factor":[0.1,2]}"""),
            ("RandomInvert", """{"name":"i","factor":-0.5}"""), ("RandomPosterization", """{"name":"p","factor":2.5}"""),
            ("RandomPosterization", """{"name":"p"}"""), ("RandomShear", """{"name":"s","x_factor":-0.5}"""),
            ("RandomShear", """{"name":"s","fill_mode":"wrap"}"""), ("RandomShear", """{"name":"s","data_format":"channels_first"}"""),
            ("AutoContrast", """{"name":"a","value_range":[1,0]}"""), ("RandomErasing", """{"name":"e","scale":[0.1,1.5]}"""),
            ("RandomErasing", """{"name":"e","fill_value":"x"}"""),
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
        string path = _temp.File("augment.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        Assert.Equal(((RandomColorJitter)model.Layers[3]).HueFactor, ((RandomColorJitter)loaded.Layers[3]).HueFactor);
        OnnxRunner.AssertMatches(model, [x], "the Keras 3 color and pixel augmentations with AutoContrast");
    }
}
