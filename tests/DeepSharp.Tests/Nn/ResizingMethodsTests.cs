using System.Text.Json.Nodes;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// Resizing's TensorFlow methods beyond nearest and bilinear (bicubic, area, Lanczos 3/5, Gaussian, Mitchell cubic,
/// antialiasing) and <c>pad_to_aspect_ratio</c>: the separable kernel against its dense naive twin over awkward sizes,
/// values worked out by hand from the published formulas, finite-difference gradients, configs, Save/Load and ONNX.
/// </summary>
public sealed class ResizingMethodsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly Interpolation[] Filtered =
        [Interpolation.Bicubic, Interpolation.Area, Interpolation.Lanczos3, Interpolation.Lanczos5, Interpolation.Gaussian, Interpolation.MitchellCubic];

    public static TheoryData<int, int, int, int, int> Cases() => new()
    {
        { 1, 1, 3, 2, 4 }, { 3, 2, 1, 1, 1 }, { 4, 4, 8, 8, 1 }, { 8, 8, 4, 4, 3 }, { 5, 7, 3, 11, 2 },
        { 13, 17, 7, 5, 16 }, { 6, 6, 9, 4, 17 }, { 2, 9, 5, 9, 5 }, { 7, 3, 7, 3, 3 }, { 11, 23, 2, 29, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void FilteredKernelMatchesTheNaiveTwinBothWays(int inH, int inW, int outH, int outW, int channels)
    {
        var g = new ResizeGeometry(2, inH, inW, channels, outH, outW);
        var x = Tensor.RandomUniform(new Shape(2, inH, inW, channels), -1f, 1f, new RandomGenerator(inH * 31 + outW)).ToArray();
        var dy = Tensor.RandomUniform(new Shape(g.OutputLength), -1f, 1f, new RandomGenerator(5)).ToArray();
        foreach (var method in Enum.GetValues<ResizeMethod>())
            foreach (bool antialias in new[] { false, true })
            {
                var rows = ResizeTaps.For(method, antialias, inH, outH);
                var columns = ResizeTaps.For(method, antialias, inW, outW);
                var scratch = new float[FilteredResizeKernel.ScratchLength(g)];
                float[] y = new float[g.OutputLength], want = new float[g.OutputLength];
                FilteredResizeKernel.Forward(x, y, scratch, g, rows, columns);
                NaiveFilteredResize.Forward(x, want, g, method, antialias);
                for (int i = 0; i < y.Length; i++) Assert.True(Math.Abs(y[i] - want[i]) <= 1e-5f, $"{g} {method} antialias={antialias}: y[{i}] {y[i]} vs {want[i]}");
                float[] dx = Enumerable.Repeat(0.25f, g.InputLength).ToArray(), wantDx = Enumerable.Repeat(0.25f, g.InputLength).ToArray();
                FilteredResizeKernel.Backward(dy, dx, scratch, g, rows, columns);
                NaiveFilteredResize.Backward(dy, wantDx, g, method, antialias);
                for (int i = 0; i < dx.Length; i++) Assert.True(Math.Abs(dx[i] - wantDx[i]) <= 2e-5f, $"{g} {method} antialias={antialias}: dx[{i}] {dx[i]} vs {wantDx[i]}");
            }
    }

    [Fact]
    public void BilinearTapsAgreeWithTheExistingBilinearKernel()
    {
        // The tap tables cover plain bilinear too (the ONNX export reads them); they must say what ResizeKernel computes.
        var g = new ResizeGeometry(1, 5, 7, 3, 9, 4);
        var x = Tensor.RandomUniform(new Shape(1, 5, 7, 3), -1f, 1f, new RandomGenerator(8)).ToArray();
        float[] y = new float[g.OutputLength], want = new float[g.OutputLength], scratch = new float[FilteredResizeKernel.ScratchLength(g)];
        FilteredResizeKernel.Forward(x, y, scratch, g, ResizeTaps.For(ResizeMethod.Bilinear, false, 5, 9), ResizeTaps.For(ResizeMethod.Bilinear, false, 7, 4));
        ResizeKernel.Forward(x, want, g, bilinear: true);
        for (int i = 0; i < y.Length; i++) Assert.True(Math.Abs(y[i] - want[i]) <= 1e-6f, $"y[{i}] {y[i]} vs {want[i]}");
    }

    private static float[] Row(Resizing layer, params float[] row) => layer.Call(Tensor.FromArray(row, 1, 1, row.Length, 1)).ToArray();

    private static void Near(float[] expected, float[] actual, float tolerance = 1e-4f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"[{i}] {actual[i]} vs {expected[i]}");
    }

    [Fact]
    public void ValuesWorkedOutByHandFromTheFormulas()
    {
        // Area 4 → 2 averages pairs; 4 → 3 weighs each cell by its overlap with [o·4/3, (o + 1)·4/3).
        Near([5f, 25f], Row(new Resizing(1, 2, Interpolation.Area), 0f, 10f, 20f, 30f));
        Near([2.5f, 15f, 27.5f], Row(new Resizing(1, 3, Interpolation.Area), 0f, 10f, 20f, 30f));
        // Keys's cubic reproduces a ramp where all four taps lie inside: outputs 3 and 4 of 4 → 8 sit at 1.25 and 1.75.
        var cubic = Row(new Resizing(1, 8, Interpolation.Bicubic), 0f, 10f, 20f, 30f);
        Near([12.5f, 17.5f], cubic[3..5]);
        // Output 0 sits at −0.25: of its taps −2, −1, 0, 1 only 0 and 1 are inside (distances 0.25 and 1.25), renormalised.
        double K(double t) => t < 1 ? 1.5 * t * t * t - 2.5 * t * t + 1 : -0.5 * t * t * t + 2.5 * t * t - 4 * t + 2;
        Near([(float)(10 * K(1.25) / (K(0.25) + K(1.25)))], cubic[..1]);
        // The Gaussian (σ = ½) blurs even at the same size: neighbours at distance 1 weigh e⁻².
        double e = Math.Exp(-2);
        Near([(float)(10 / (1 + 2 * e))], Row(new Resizing(1, 4, Interpolation.Gaussian), 0f, 10f, 0f, 0f)[1..2]);
        // Antialiased bilinear 4 → 2: the triangle stretched to radius 2 around 1.0 weighs inputs 0, 1, 2 by ¾, ¾, ¼.
        Near([12.5f / 1.75f], Row(new Resizing(1, 2, antialias: true), 0f, 10f, 20f, 30f)[..1]);
        // Lanczos at the same size is the identity (its zeros sit on the integers).
        Near([3f, -1f, 4f, 1f, 5f], Row(new Resizing(1, 5, Interpolation.Lanczos3), 3f, -1f, 4f, 1f, 5f), 1e-5f);
    }

    [Fact]
    public void EveryMethodKeepsAConstantImageConstant()
    {
        var image = Tensor.Full(new Shape(2, 7, 5, 3), 4.5f);
        foreach (var interpolation in Filtered)
            foreach (bool antialias in new[] { false, true })
                foreach (var (h, w) in new[] { (3, 2), (11, 13), (1, 1), (7, 5) })
                    Near(Enumerable.Repeat(4.5f, 2 * h * w * 3).ToArray(), new Resizing(h, w, interpolation, antialias: antialias).Call(image).ToArray());
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        var x = GradCheck.Random(3, 2, 5, 6, 2);
        foreach (var interpolation in Filtered)
            GradCheck.Check(t => new Resizing(3, 8, interpolation).Call(t[0]), [x], epsilon: 1e-3f);
        GradCheck.Check(t => new Resizing(2, 3, antialias: true).Call(t[0]), [x], epsilon: 1e-3f);
        GradCheck.Check(t => new Resizing(2, 3, Interpolation.Bicubic, antialias: true).Call(t[0]), [x], epsilon: 1e-3f);
        GradCheck.Check(t => new Resizing(4, 4, Interpolation.Bicubic, padToAspectRatio: true, fillValue: 0.5f).Call(t[0]), [x], epsilon: 1e-3f);
    }

    [Fact]
    public void PadToAspectRatioPadsEvenlyWithTheFillValue()
    {
        // 2×4 → 4×4: the padded height is max(2, ⌊4·4/4⌋) = 4, one row of fill above and below, then no resize.
        var image = Tensor.FromArray(Enumerable.Range(1, 8).Select(i => (float)i).ToArray(), 1, 2, 4, 1);
        var y = new Resizing(4, 4, Interpolation.Nearest, padToAspectRatio: true, fillValue: -1f).Call(image).ToArray();
        Assert.Equal([-1f, -1f, -1f, -1f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, -1f, -1f, -1f, -1f], y);
        // 4×2 → 4×4 pads one column each side.
        var tall = Tensor.FromArray(Enumerable.Range(1, 8).Select(i => (float)i).ToArray(), 1, 4, 2, 1);
        var padded = new Resizing(4, 4, Interpolation.Nearest, padToAspectRatio: true, fillValue: 9f).Call(tall).ToArray();
        Assert.Equal([9f, 1f, 2f, 9f, 9f, 3f, 4f, 9f, 9f, 5f, 6f, 9f, 9f, 7f, 8f, 9f], padded);
        // 3×4 → 4×4: half of the one missing row rounds to 0, so Keras pads nothing and the resize stretches.
        var odd = Tensor.RandomUniform(new Shape(2, 3, 4, 2), 0f, 1f, new RandomGenerator(1));
        Assert.Equal(new Resizing(4, 4).Call(odd).ToArray(), new Resizing(4, 4, padToAspectRatio: true, fillValue: 7f).Call(odd).ToArray());
    }

    [Fact]
    public void ConfigsRoundTripAndBadOnesAreRefused()
    {
        var layer = new Resizing(5, 6, Interpolation.Lanczos5, padToAspectRatio: true, fillValue: 0.25f, antialias: true);
        var config = layer.GetConfig();
        Assert.Equal("lanczos5", config["interpolation"]!.GetValue<string>());
        Assert.True(config["pad_to_aspect_ratio"]!.GetValue<bool>());
        Assert.True(config["antialias"]!.GetValue<bool>());
        Assert.Equal(0.25f, config["fill_value"]!.GetValue<float>());
        Assert.Equal("constant", config["fill_mode"]!.GetValue<string>());
        var again = Assert.IsType<Resizing>(LayerRegistry.Create("Resizing", config));
        Assert.Equal(config.ToJsonString(), again.GetConfig().ToJsonString());
        foreach (var interpolation in Enum.GetValues<Interpolation>())
            Assert.Equal(interpolation, Assert.IsType<Resizing>(LayerRegistry.Create("Resizing", new Resizing(2, 2, interpolation).GetConfig())).Interpolation);

        Assert.Throws<ArgumentException>(() => new Resizing(2, 2, cropToAspectRatio: true, padToAspectRatio: true));
        Assert.Throws<ArgumentException>(() => new Resizing(2, 2, fillValue: float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new UpSampling2D(2, Interpolation.Area));
        foreach (var (type, json) in new[]
        {
            ("Resizing", """{"name":"r","height":2,"width":2,"interpolation":"cubic"}"""),
            ("Resizing", """{"name":"r","height":2,"width":2,"crop_to_aspect_ratio":true,"pad_to_aspect_ratio":true}"""),
            ("Resizing", """{"name":"r","height":2,"width":2,"pad_to_aspect_ratio":true,"fill_mode":"reflect"}"""),
            ("Resizing", """{"name":"r","height":2,"width":2,"antialias":"yes"}"""),
            ("Resizing", """{"name":"r","height":2,"width":2,"data_format":"channels_first"}"""),
            ("UpSampling2D", """{"name":"u","size":[2,2],"interpolation":"area"}"""),
        })
            Assert.Throws<DeepSharpException>(() => LayerRegistry.Create(type, JsonNode.Parse(json)!.AsObject()));
    }

    [Fact]
    public void AModelWithEveryMethodSavesLoadsAndExportsToOnnx()
    {
        var model = new Sequential(
            new Resizing(9, 7, Interpolation.Bicubic, inputShape: [6, 10, 3]),
            new Resizing(8, 8, Interpolation.Lanczos3, padToAspectRatio: true, fillValue: 0.5f),
            new Resizing(5, 6, Interpolation.Area),
            new Resizing(3, 3, Interpolation.Gaussian, antialias: true, cropToAspectRatio: true),
            new Resizing(4, 5, Interpolation.MitchellCubic),
            new Resizing(2, 2, Interpolation.Lanczos5, antialias: true),
            new Resizing(3, 5, antialias: true));
        var x = Tensor.RandomUniform(new Shape(2, 6, 10, 3), 0f, 1f, new RandomGenerator(4));
        string path = _temp.File("resizing.safetensors");
        model.Save(path);
        Assert.Equal(model.Predict(x).ToArray(), Model.Load(path).Predict(x).ToArray());
        OnnxRunner.AssertMatches(model, [x], "Resizing with every filtered method", tolerance: 1e-5);
        var padded = new Sequential(new Resizing(6, 6, Interpolation.Nearest, padToAspectRatio: true, fillValue: -2f, inputShape: [3, 6, 2]));
        OnnxRunner.AssertMatches(padded, [Tensor.RandomUniform(new Shape(2, 3, 6, 2), 0f, 1f, new RandomGenerator(5))], "Resizing pad_to_aspect_ratio", tolerance: 1e-6);
    }
}
