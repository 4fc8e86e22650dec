using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// Resizing, CenterCrop, RandomCrop, RandomContrast and RandomBrightness: the resize kernel against its naive twin and
/// hand-computed TensorFlow values, finite-difference gradients, Keras's crop windows, training-only randomness (seeded,
/// identity or centre resize at inference), configs, Save/Load, Summary and ONNX Runtime.
/// </summary>
public sealed class ImagePreprocessingTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Models holding every image preprocessing layer type (also read by OnnxExportTests.EveryRegisteredLayerTypeExports).</summary>
    public static IEnumerable<Model> Samples() => [Pipeline(), ColorAugmentationTests.Pipeline()];

    private static Sequential Pipeline() => new(
        new RandomBrightness(0.2f, valueRange: (0f, 1f), seed: 1, inputShape: [9, 12, 2]),
        new RandomContrast(0.3f, valueRange: (0f, 1f), seed: 2),
        new RandomCrop(8, 10, seed: 3),             // inference: the 9×11.25 window → resized to 8×10
        new CenterCrop(6, 7),
        new Resizing(5, 9, cropToAspectRatio: true),
        new Resizing(7, 4, Interpolation.Nearest),
        new Conv2D(3, (3, 3), activation: Activation.Relu),
        new Flatten(),
        new Dense(2));

    public static TheoryData<int, int, int, int, int> ResizeCases() => new()
    {
        { 4, 4, 8, 8, 1 }, { 8, 8, 4, 4, 3 }, { 5, 7, 3, 11, 2 }, { 1, 1, 3, 2, 4 }, { 3, 2, 1, 1, 1 },
        { 13, 17, 7, 5, 16 }, { 6, 6, 9, 4, 17 }, { 2, 9, 5, 9, 5 }, { 7, 3, 7, 3, 3 }, { 10, 15, 23, 29, 1 },
    };

    [Theory]
    [MemberData(nameof(ResizeCases))]
    public void ResizeKernelMatchesTheNaiveTwinBothWays(int inH, int inW, int outH, int outW, int channels)
    {
        foreach (bool bilinear in new[] { true, false })
        {
            var g = new ResizeGeometry(2, inH, inW, channels, outH, outW);
            var x = Tensor.RandomUniform(new Shape(2, inH, inW, channels), -1f, 1f, new RandomGenerator(inH * 31 + outW)).ToArray();
            float[] y = new float[g.OutputLength], want = new float[g.OutputLength];
            ResizeKernel.Forward(x, y, g, bilinear);
            NaiveResize.Forward(x, want, g, bilinear);
            for (int i = 0; i < y.Length; i++) Assert.True(Math.Abs(y[i] - want[i]) <= 2e-6f, $"{g} bilinear={bilinear}: y[{i}] {y[i]} vs {want[i]}");
            var dy = Tensor.RandomUniform(new Shape(g.OutputLength), -1f, 1f, new RandomGenerator(5)).ToArray();
            float[] dx = Enumerable.Repeat(0.25f, g.InputLength).ToArray(), wantDx = Enumerable.Repeat(0.25f, g.InputLength).ToArray();
            ResizeKernel.Backward(dy, dx, g, bilinear);
            NaiveResize.Backward(dy, wantDx, g, bilinear);
            for (int i = 0; i < dx.Length; i++) Assert.True(Math.Abs(dx[i] - wantDx[i]) <= 1e-5f, $"{g} bilinear={bilinear}: dx[{i}] {dx[i]} vs {wantDx[i]}");
        }
    }

    [Fact]
    public void BilinearAndNearestMatchTensorFlowsResizeByHand()
    {
        // 1×4 row [0, 10, 20, 30] → 8 columns. Half-pixel centres: source s = (o + ½)·½ − ½ = −0.25 (clamped to 0), 0.25, 0.75,
        // 1.25, 1.75, 2.25, 2.75, 3.25 (clamped between 3 and 3): 0, 2.5, 7.5, 12.5, 17.5, 22.5, 27.5, 30.
        var row = Tensor.FromArray([0f, 10f, 20f, 30f], 1, 1, 4, 1);
        Assert.Equal([0f, 2.5f, 7.5f, 12.5f, 17.5f, 22.5f, 27.5f, 30f], new Resizing(1, 8).Call(row).ToArray());
        // Nearest reads ⌊(o + ½)·½⌋: 0, 0, 1, 1, 2, 2, 3, 3.
        Assert.Equal([0f, 0f, 10f, 10f, 20f, 20f, 30f, 30f], new Resizing(1, 8, Interpolation.Nearest).Call(row).ToArray());
        // Down to 3 columns: scale 4/3, s = (o + ½)·4/3 − ½ = 0.1667, 1.5, 2.8333 → 1.6667, 15, 28.3333; nearest ⌊(o + ½)·4/3⌋ = 0, 2, 3.
        var down = new Resizing(1, 3).Call(row).ToArray();
        Assert.Equal(10f / 6, down[0], 1e-5f);
        Assert.Equal(15f, down[1], 1e-5f);
        Assert.Equal(85f / 3, down[2], 1e-4f);
        Assert.Equal([0f, 20f, 30f], new Resizing(1, 3, Interpolation.Nearest).Call(row).ToArray());
        // 2×2 → 3×3 in both directions: the centre is the mean of the four pixels (s = 0.5 on both axes).
        var square = new Resizing(3, 3).Call(Tensor.FromArray([1f, 2f, 3f, 4f], 1, 2, 2, 1)).ToArray();
        Assert.Equal(2.5f, square[4], 1e-6f);
        Assert.Equal(1f, square[0]); // s = −1/6 clamps to pixel 0 on both axes
        Assert.Equal(4f, square[8]);
    }

    [Fact]
    public void CropWindowsAreKeras()
    {
        // Keras's crop_to_aspect_ratio: 10×20 to a square keeps the middle 10×10 columns 5..14.
        Assert.Equal((0, 5, 10, 10), ImageCropBox.ForAspectRatio(10, 20, 4, 4));
        Assert.Equal((3, 0, 7, 7), ImageCropBox.ForAspectRatio(13, 7, 2, 2));
        Assert.Equal((1, 0, 6, 9), ImageCropBox.ForAspectRatio(9, 9, 2, 3)); // ⌊9·2/3⌋ = 6 rows from ⌊3/2⌋ = 1
        var image = Tensor.FromArray([.. Enumerable.Range(0, 5 * 6).Select(i => (float)i)], 1, 5, 6, 1);
        // CenterCrop 3×4 of 5×6 starts at (1, 1).
        Assert.Equal([7f, 8f, 9f, 10f, 13f, 14f, 15f, 16f, 19f, 20f, 21f, 22f], new CenterCrop(3, 4).Call(image).ToArray());
        // Larger than the image: Keras resizes the largest window with the target's aspect ratio instead.
        var grown = new CenterCrop(10, 10).Call(image);
        Assert.Equal(new Shape(1, 10, 10, 1), grown.Shape);
        Assert.Equal(new Resizing(10, 10, cropToAspectRatio: true).Call(image).ToArray(), grown.ToArray());
        // Resizing with crop_to_aspect_ratio = crop, then resize.
        var cropped = new Resizing(2, 2, cropToAspectRatio: true).Call(image).ToArray();
        var manual = new Resizing(2, 2).Call(new CenterCrop(5, 5).Call(image)).ToArray(); // the middle 5×5 window starts at column ⌊1/2⌋ = 0
        Assert.Equal(manual, cropped);
    }

    [Fact]
    public void RandomCropIsRandomOnlyWhileTrainingAndSeeded()
    {
        var images = Tensor.RandomUniform(new Shape(4, 8, 9, 2), 0f, 1f, new RandomGenerator(1));
        var layer = new RandomCrop(5, 6, seed: 7);
        var inference = layer.Call(images).ToArray();
        Assert.Equal(new Resizing(5, 6, cropToAspectRatio: true).Call(images).ToArray(), inference);
        var windows = new HashSet<string>();
        for (int i = 0; i < 12; i++)
        {
            var y = layer.Call(images, training: true);
            Assert.Equal(new Shape(4, 5, 6, 2), y.Shape);
            // One window for the whole batch (as Keras): find it for image 0, check the others.
            var ys = y.ToArray();
            var xs = images.ToArray();
            var (top, left) = FindWindow(xs, ys, 8, 9, 5, 6, 2);
            windows.Add($"{top},{left}");
            for (int n = 1; n < 4; n++)
                for (int r = 0; r < 5; r++) for (int c = 0; c < 6; c++) for (int k = 0; k < 2; k++)
                    Assert.Equal(xs[((n * 8 + top + r) * 9 + left + c) * 2 + k], ys[((n * 5 + r) * 6 + c) * 2 + k]);
        }
        Assert.True(windows.Count > 3, $"12 crops used only {windows.Count} windows");
        // The same seed gives the same crops.
        var (a, b) = (new RandomCrop(5, 6, seed: 3), new RandomCrop(5, 6, seed: 3));
        Assert.Equal(a.Call(images, training: true).ToArray(), b.Call(images, training: true).ToArray());
        // Smaller than the target while training: the inference resize.
        Assert.Equal(new Shape(4, 10, 6, 2), new RandomCrop(10, 6, seed: 1).Call(images, training: true).Shape);
    }

    private static (int Top, int Left) FindWindow(float[] x, float[] y, int h, int w, int ch, int cw, int c)
    {
        for (int top = 0; top + ch <= h; top++)
            for (int left = 0; left + cw <= w; left++)
                if (x[(top * w + left) * c] == y[0] && x[((top + ch - 1) * w + left + cw - 1) * c + 1] == y[(ch * cw - 1) * c + 1]) return (top, left);
        throw new Xunit.Sdk.XunitException("the crop is no window of the image");
    }

    [Fact]
    public void ContrastAndBrightnessFollowKerasWhileTrainingOnly()
    {
        var images = Tensor.RandomUniform(new Shape(3, 4, 5, 2), 50f, 200f, new RandomGenerator(2));
        var contrast = new RandomContrast(0.5f, seed: 4);
        Assert.Equal(images.ToArray(), contrast.Call(images).ToArray());
        var y = contrast.Call(images, training: true).ToArray();
        var x = images.ToArray();
        for (int n = 0; n < 3; n++)
        {
            // Recover the image's factor from channel 0 and check every pixel of both channels against it.
            var mean = new double[2];
            for (int p = 0; p < 20; p++) for (int k = 0; k < 2; k++) mean[k] += x[(n * 20 + p) * 2 + k] / 20.0;
            int far = Enumerable.Range(0, 20).MaxBy(p => Math.Abs(x[(n * 20 + p) * 2] - mean[0])) * 2 + n * 40;
            double factor = (y[far] - mean[0]) / (x[far] - mean[0]);
            Assert.InRange(factor, 0.5 - 1e-4, 1.5 + 1e-4);
            for (int p = 0; p < 20; p++) for (int k = 0; k < 2; k++)
            {
                int i = (n * 20 + p) * 2 + k;
                double want = Math.Clamp((x[i] - mean[k]) * factor + mean[k], 0, 255);
                Assert.True(Math.Abs(want - y[i]) < 2e-3, $"image {n} element {i}: {y[i]} vs {want}");
            }
        }
        var brightness = new RandomBrightness((0.1f, 0.3f), valueRange: (0f, 100f), seed: 5);
        images = Tensor.RandomUniform(new Shape(3, 4, 5, 2), 0f, 100f, new RandomGenerator(3));
        x = images.ToArray();
        Assert.Equal(x, brightness.Call(images).ToArray());
        var z = brightness.Call(images, training: true).ToArray();
        for (int n = 0; n < 3; n++)
        {
            // A pixel under 100 − 30 shows the image's shift δ·100 with δ in [0.1, 0.3]; every pixel is min(x + shift, 100).
            int probe = Enumerable.Range(n * 40, 40).First(i => x[i] < 70f);
            float shift = z[probe] - x[probe];
            Assert.InRange(shift, 10f - 1e-3f, 30f + 1e-3f);
            for (int i = n * 40; i < n * 40 + 40; i++) Assert.Equal(Math.Min(x[i] + shift, 100f), z[i], 1e-3f);
        }
    }

    [Fact]
    public void GradientsPassThroughEveryLayer()
    {
        var x = GradCheck.Random(3, 2, 5, 6, 2);
        GradCheck.Check(t => new Resizing(3, 8).Call(t[0]), [x], epsilon: 1e-3f);
        GradCheck.Check(t => new Resizing(7, 4, Interpolation.Nearest).Call(t[0]), [x], epsilon: 1e-3f);
        GradCheck.Check(t => new Resizing(4, 4, cropToAspectRatio: true).Call(t[0]), [x], epsilon: 1e-3f);
        GradCheck.Check(t => new CenterCrop(3, 4).Call(t[0]), [x], epsilon: 1e-3f);
        GradCheck.Check(t => new RandomCrop(3, 4, seed: 2).Call(t[0], training: true), [x], epsilon: 1e-3f);
        // Values inside the range, so the clip passes gradients (fixed seeds: the same draws at every evaluation).
        GradCheck.Check(t => new RandomContrast(0.4f, valueRange: (-10f, 10f), seed: 3).Call(t[0], training: true), [x], epsilon: 1e-3f);
        GradCheck.Check(t => new RandomBrightness(0.1f, valueRange: (-10f, 10f), seed: 4).Call(t[0], training: true), [x], epsilon: 1e-3f);
    }

    [Fact]
    public void ConfigsRoundTripWithKerasKeysAndBadOnesAreRefused()
    {
        Layer[] layers = [new Resizing(3, 4, Interpolation.Nearest, true), new CenterCrop(2, 5), new RandomCrop(3, 3, seed: 9),
            new RandomContrast((0.1f, 0.6f), (0f, 1f), seed: 2), new RandomBrightness(0.25f, seed: 3)];
        foreach (var layer in layers)
        {
            var config = layer.GetConfig();
            Assert.Equal(config.ToJsonString(), LayerRegistry.Create(layer.TypeName, config).GetConfig().ToJsonString());
        }
        var resize = layers[0].GetConfig();
        Assert.Equal(3, resize["height"]!.GetValue<int>());
        Assert.Equal("nearest", resize["interpolation"]!.GetValue<string>());
        Assert.True(resize["crop_to_aspect_ratio"]!.GetValue<bool>());
        Assert.Equal("[0,255]", layers[4].GetConfig()["value_range"]!.ToJsonString());
        Assert.Equal("[-0.25,0.25]", layers[4].GetConfig()["factor"]!.ToJsonString());
        // Keras writes a single number for contrast: lower = upper.
        var keras = LayerRegistry.Create("RandomContrast", System.Text.Json.Nodes.JsonNode.Parse("""{"name":"c","factor":0.2,"value_range":[0,255],"seed":null}""")!.AsObject());
        Assert.Equal((0.2f, 0.2f), Assert.IsType<RandomContrast>(keras).Factor);

        Assert.Throws<ArgumentOutOfRangeException>(() => new Resizing(0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CenterCrop(3, -1));
        Assert.Throws<ArgumentException>(() => new RandomContrast(1.5f));
        Assert.Throws<ArgumentException>(() => new RandomBrightness((0.5f, 0.1f)));
        Assert.Throws<ArgumentException>(() => new RandomBrightness(0.1f, valueRange: (1f, 1f)));
        Assert.Contains("'flat'", Assert.Throws<ShapeMismatchException>(() => new Resizing(2, 2, name: "flat").Call(Tensor.Zeros(2, 4))).Message);
        Assert.Contains("'flat'", Assert.Throws<ShapeMismatchException>(() => new RandomContrast(0.1f, name: "flat").Call(Tensor.Zeros(4, 3))).Message);
        foreach (var (type, json) in new[]
        {
            ("Resizing", """{"name":"r","height":0,"width":2}"""), ("Resizing", """{"name":"r","height":2}"""),
            ("Resizing", """{"name":"r","height":2,"width":2,"interpolation":"cubic"}"""),
            ("Resizing", """{"name":"r","height":2,"width":2,"pad_to_aspect_ratio":true,"crop_to_aspect_ratio":true}"""),
            ("CenterCrop", """{"name":"c","height":2,"width":-3}"""), ("RandomCrop", """{"name":"c","height":2,"width":2,"seed":"x"}"""),
            ("RandomContrast", """{"name":"c","factor":[0.1]}"""), ("RandomContrast", """{"name":"c","factor":2}"""), ("RandomContrast", """{"name":"c"}"""),
            ("RandomBrightness", """{"name":"b","factor":0.1,"value_range":[5,5]}"""), ("RandomBrightness", """{"name":"b","factor":[0.3,0.1]}"""),
            ("RandomBrightness", """{"name":"b","factor":"NaN"}"""),
        })
            Assert.Throws<DeepSharpException>(() => LayerRegistry.Create(type, System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject()));
    }

    [Fact]
    public void APipelineTrainsSavesLoadsSummarizesAndExports()
    {
        RandomGenerator.SetGlobalSeed(6);
        var model = Pipeline();
        var x = Tensor.RandomUniform(new Shape(16, 9, 12, 2), 0f, 1f, new RandomGenerator(3));
        var y = Tensor.RandomUniform(new Shape(16, 2), -1f, 1f, new RandomGenerator(4));
        model.Compile(new Adam(0.01f), "mse");
        var history = model.Fit(x, y, epochs: 6, batchSize: 8, verbose: 0);
        Assert.True(history["loss"][^1] < history["loss"][0], $"loss {history["loss"][0]} → {history["loss"][^1]}");
        string summary = model.Summary(_ => { });
        foreach (string name in new[] { "resizing (Resizing)", "center_crop (CenterCrop)", "random_crop (RandomCrop)", "random_contrast", "random_brightness" })
            Assert.Contains(name, summary); // long rows are cut to the column's width, as Keras does
        Assert.Contains("(None, 5, 9, 2)", summary);

        string path = _temp.File("pipeline.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        OnnxRunner.AssertMatches(model, [x], "image preprocessing pipeline");
    }

    public static TheoryData<int, int, int, int, bool> OnnxResizeCases() => new()
    {
        { 5, 7, 3, 11, true }, { 5, 7, 3, 11, false }, { 8, 8, 3, 3, true }, { 8, 8, 3, 3, false }, { 4, 6, 9, 13, false }, { 6, 6, 6, 2, true },
    };

    [Theory]
    [MemberData(nameof(OnnxResizeCases))]
    public void OnnxResizeMatches(int inH, int inW, int outH, int outW, bool bilinear)
    {
        var model = new Sequential(new Resizing(outH, outW, bilinear ? Interpolation.Bilinear : Interpolation.Nearest, inputShape: [inH, inW, 3]));
        var x = Tensor.RandomUniform(new Shape(2, inH, inW, 3), -1f, 1f, new RandomGenerator(inH + outW));
        OnnxRunner.AssertMatches(model, [x], $"Resizing {inH}×{inW} → {outH}×{outW} bilinear={bilinear}", tolerance: 1e-5);
        var crop = new Sequential(new CenterCrop(outH, outW, inputShape: [inH, inW, 3]));
        OnnxRunner.AssertMatches(crop, [x], $"CenterCrop {inH}×{inW} → {outH}×{outW}", tolerance: 1e-5);
    }
}
