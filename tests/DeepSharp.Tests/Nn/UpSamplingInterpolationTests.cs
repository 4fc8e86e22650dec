using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// UpSampling2D's interpolations beyond nearest and bilinear (Keras 3's bicubic, lanczos3, lanczos5): values worked out by
/// hand from the filters with half-pixel centres, Resizing's resize to the same size, gradients, configs, files and ONNX.
/// </summary>
public sealed class UpSamplingInterpolationTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly Interpolation[] Filtered = [Interpolation.Bicubic, Interpolation.Lanczos3, Interpolation.Lanczos5];

    private static float[] Row(UpSampling2D layer, params float[] row) => layer.Call(Tensor.FromArray(row, 1, 1, row.Length, 1)).ToArray();

    private static double Keys(double t) => (t = Math.Abs(t)) < 1 ? 1.5 * t * t * t - 2.5 * t * t + 1 : t < 2 ? -0.5 * t * t * t + 2.5 * t * t - 4 * t + 2 : 0;

    private static double Sinc(double t) => t == 0 ? 1 : Math.Sin(Math.PI * t) / (Math.PI * t);

    private static double Lanczos(double t, int a) => Math.Abs(t) < a ? Sinc(t) * Sinc(t / a) : 0;

    [Fact]
    public void ValuesWorkedOutByHandFromTheFilters()
    {
        // 4 → 8: output o sits at (o + ½)/2 − ½ of the input; output 3 at 1.25, whose taps 0..3 all lie inside.
        var delta = Row(new UpSampling2D((1, 2), Interpolation.Bicubic), 0f, 0f, 1f, 0f);
        Assert.Equal(8, delta.Length);
        Assert.Equal(0.2265625f, delta[3], 1e-6f); // Keys(0.75)
        // Output 5 at 2.25: taps 1, 2, 3 inside (tap 4 is past the edge), their weights renormalised to sum 1.
        Assert.Equal((float)(Keys(0.25) / (Keys(1.25) + Keys(0.25) + Keys(0.75))), delta[5], 1e-6f);
        // Keys's cubic reproduces a ramp where all four taps are inside.
        var ramp = Row(new UpSampling2D((1, 2), Interpolation.Bicubic), 0f, 10f, 20f, 30f);
        Assert.Equal(12.5f, ramp[3], 1e-4f);
        Assert.Equal(17.5f, ramp[4], 1e-4f);
        // Output 0 sits at −0.25: of taps −2..1 only 0 and 1 are inside, and their weights are renormalised (TensorFlow's resize).
        Assert.Equal((float)(10 * Keys(1.25) / (Keys(0.25) + Keys(1.25))), ramp[0], 1e-4f);
        // Lanczos 3 at 1.25: taps 0..3 inside (the window reaches −1.75 and 4.25), normalised to sum 1.
        double sum3 = Enumerable.Range(0, 4).Sum(j => Lanczos(1.25 - j, 3));
        Assert.Equal((float)(Lanczos(0.75, 3) / sum3), Row(new UpSampling2D((1, 2), Interpolation.Lanczos3), 0f, 0f, 1f, 0f)[3], 1e-5f);
        double sum5 = Enumerable.Range(0, 4).Sum(j => Lanczos(1.25 - j, 5));
        Assert.Equal((float)(Lanczos(0.75, 5) / sum5), Row(new UpSampling2D((1, 2), Interpolation.Lanczos5), 0f, 0f, 1f, 0f)[3], 1e-5f);
        // Factor 1 along an axis is the identity for every filter (their zeros sit on the integers).
        foreach (var interpolation in Filtered)
        {
            var same = new UpSampling2D((1, 1), interpolation).Call(Tensor.FromArray([3f, -1f, 4f, 1f, 5f, 9f], 1, 2, 3, 1)).ToArray();
            for (int i = 0; i < same.Length; i++) Assert.Equal(new[] { 3f, -1f, 4f, 1f, 5f, 9f }[i], same[i], 1e-5f);
        }
    }

    [Fact]
    public void EqualsResizingToTheUpsampledSizeWithoutAntialiasing()
    {
        var x = Tensor.RandomUniform(new Shape(2, 3, 5, 3), -1f, 1f, new RandomGenerator(7));
        foreach (var interpolation in Filtered)
        {
            var up = new UpSampling2D((3, 2), interpolation).Call(x);
            Assert.Equal(new Shape(2, 9, 10, 3), up.Shape);
            Assert.Equal(new Resizing(9, 10, interpolation).Call(x).ToArray(), up.ToArray());
        }
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        var x = GradCheck.Random(3, 2, 3, 4, 2);
        foreach (var interpolation in Filtered)
            GradCheck.Check(t => new UpSampling2D((2, 3), interpolation).Call(t[0]), [x], epsilon: 1e-3f);
    }

    [Fact]
    public void ConfigsRoundTripAndOtherMethodsAreRefusedByName()
    {
        foreach (var (interpolation, name) in new[] { (Interpolation.Bicubic, "bicubic"), (Interpolation.Lanczos3, "lanczos3"), (Interpolation.Lanczos5, "lanczos5") })
        {
            var config = new UpSampling2D((2, 3), interpolation, name: "u").GetConfig();
            Assert.Equal(name, (string?)config["interpolation"]);
            var back = (UpSampling2D)LayerRegistry.Create("UpSampling2D", config);
            Assert.Equal(((2, 3), interpolation, "u"), (back.Size, back.Interpolation, back.Name));
        }
        foreach (var refused in new[] { Interpolation.Area, Interpolation.Gaussian, Interpolation.MitchellCubic })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => new UpSampling2D(2, refused));
            Assert.Contains("UpSampling2D supports 'nearest', 'bilinear', 'bicubic', 'lanczos3' and 'lanczos5'", e.Message);
        }
        var fromFile = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("UpSampling2D", JsonNode.Parse("""{"name":"u","interpolation":"area"}""")!.AsObject()));
        Assert.Contains("'area'", fromFile.Message);
        Assert.Contains("lanczos5", fromFile.Message);
    }

    [Fact]
    public void AModelWithEachFilterSavesLoadsAndExportsToOnnx()
    {
        var model = new Sequential(
            new UpSampling2D((2, 3), Interpolation.Bicubic, inputShape: [3, 4, 2]),
            new Conv2D(2, 3),
            new UpSampling2D((1, 2), Interpolation.Lanczos3),
            new UpSampling2D((2, 1), Interpolation.Lanczos5));
        var x = Tensor.RandomUniform(new Shape(2, 3, 4, 2), 0f, 1f, new RandomGenerator(4));
        string path = _temp.File("upsampling.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(model.Predict(x).ToArray(), loaded.Predict(x).ToArray());
        Assert.Equal(Interpolation.Lanczos5, ((UpSampling2D)loaded.Layers[^1]).Interpolation);
        OnnxRunner.AssertMatches(model, [x], "UpSampling2D bicubic and Lanczos", tolerance: 1e-5);
    }
}
