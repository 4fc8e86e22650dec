using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// RandomGaussianBlur, RandomPerspective and Equalization: hand-computed small images (the blur of an impulse, a
/// homography at a fixed displacement, the equalization of a known histogram), Keras's documented numbers, neutral
/// factors, inference, single images, gradients, configs with Keras's keys and bad input.
/// </summary>
public sealed class BlurPerspectiveEqualizationTests
{
    private static void Near(float[] want, float[] got, float tolerance, string what)
    {
        Assert.Equal(want.Length, got.Length);
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(want[i] - got[i]) <= tolerance, $"{what}: element {i} is {got[i]}, want {want[i]}");
    }

    [Fact]
    public void GaussianBlurSpreadsAnImpulseByTheSeparableKernel()
    {
        // A 5×5 impulse of height 1; σ = 1 (drawn from [1, 1], plus Keras's 10⁻⁶): taps e/(1 + 2e), 1/(1 + 2e), e/(1 + 2e), e = exp(−½).
        var x = Tensor.Zeros(1, 5, 5, 1);
        x.Span[12] = 1f;
        double e = Math.Exp(-0.5), side = e / (1 + 2 * e), centre = 1 / (1 + 2 * e);
        double[] taps = [0, side, centre, side, 0];
        var want = new float[25];
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 5; j++) want[i * 5 + j] = (float)(taps[i] * taps[j]);
        var blur = new RandomGaussianBlur((1f, 1f), (3, 3), (1f, 1f), valueRange: (0f, 1f), seed: 1);
        Near(want, blur.Call(x, training: true).ToArray(), 1e-5f, "impulse, σ = 1");
        // kernel_size (5, 3): five taps along the width, three along the height.
        var wide = new RandomGaussianBlur((1f, 1f), (5, 3), (1f, 1f), valueRange: (0f, 1f), seed: 1).Call(x, training: true).ToArray();
        double e4 = Math.Exp(-2), sum5 = 1 + 2 * e + 2 * e4;
        double[] taps5 = [e4 / sum5, e / sum5, 1 / sum5, e / sum5, e4 / sum5];
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 5; j++) want[i * 5 + j] = (float)(taps[i] * taps5[j]);
        Near(want, wide, 1e-5f, "kernel_size (5, 3)");
        // Keras's documented case: ones (1, 2, 2, 3), σ = (0.3732, 0.8654), zero padding → 0.7273 everywhere.
        var kernel = RandomGaussianBlur.Kernel((3, 3), (0.3732f, 0.8654f), 3);
        var ones = Ops.DepthwiseConv2D(Tensor.Full(new Shape(1, 2, 2, 3), 1f), kernel, null, (1, 1), samePadding: true).ToArray();
        Near(Enumerable.Repeat(0.7273f, 12).ToArray(), ones, 1e-4f, "Keras's example");
    }

    [Fact]
    public void GaussianBlurNeutralCasesSingleImagesAndProbability()
    {
        var images = Tensor.RandomUniform(new Shape(3, 4, 5, 2), 0f, 255f, new RandomGenerator(1));
        Assert.Equal(images.ToArray(), new RandomGaussianBlur(0f, seed: 1).Call(images, training: true).ToArray());
        Assert.Equal(images.ToArray(), new RandomGaussianBlur(seed: 1).Call(images, training: false).ToArray());
        // Training clips every image to the value range, blurred or not (as Keras).
        Assert.Equal([0f, 1f], new RandomGaussianBlur(0f, valueRange: (0f, 1f), seed: 1).Call(Tensor.FromArray([-2f, 3f], 1, 1, 2, 1), training: true).ToArray());
        // One image without its batch axis gives the batch of one's result.
        var single = Tensor.RandomUniform(new Shape(4, 5, 3), 0f, 255f, new RandomGenerator(2));
        var alone = new RandomGaussianBlur(seed: 3).Call(single, training: true);
        Assert.Equal(single.Shape, alone.Shape);
        Assert.Equal(new RandomGaussianBlur(seed: 3).Call(Ops.Reshape(single, 1, 4, 5, 3), training: true).ToArray(), alone.ToArray());
        // factor (0.5, 0.5): about half the images are blurred; a seed repeats the draw.
        var many = Tensor.RandomUniform(new Shape(40, 3, 3, 1), 0f, 255f, new RandomGenerator(4));
        var y = new RandomGaussianBlur((0.5f, 0.5f), (3, 3), (1f, 1f), seed: 5).Call(many, training: true).ToArray();
        int blurred = Enumerable.Range(0, 40).Count(n => !y.AsSpan(n * 9, 9).SequenceEqual(many.ToArray().AsSpan(n * 9, 9)));
        Assert.InRange(blurred, 8, 32);
        Assert.Equal(y, new RandomGaussianBlur((0.5f, 0.5f), (3, 3), (1f, 1f), seed: 5).Call(many, training: true).ToArray());
    }

    [Fact]
    public void PerspectiveTransformOfAPatternAtAFixedDisplacement()
    {
        var x = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f], 1, 3, 3, 1);
        var t = Tensor.Zeros(1, 8);
        // Every coordinate displaced by −½: corners at half their place, so output (x, y) reads input (2x, 2y); outside is the fill 0.
        Assert.True(RandomPerspective.Transform(3, 3, [-0.5, -0.5, -0.5, -0.5, -0.5, -0.5, -0.5, -0.5], t.Span));
        Near([1f, 3f, 0f, 7f, 9f, 0f, 0f, 0f, 0f], Ops.ImageTransform(x, t, EdgeFill.Constant, 0f).ToArray(), 1e-5f, "a zoom by two");
        // Only the far corner moves, (2, 2) → (3, 3): the homography fixes the other corners and (1, 1) (c0 = c1 = 1/6, a = 4/3);
        // output (1, 0) reads input (8/7, 0), output (2, 2) reads (1.6, 1.6). The pattern is 1 + x + 3y, which bilinear sampling keeps exact.
        Assert.True(RandomPerspective.Transform(3, 3, [0, 0, 0, 0, 0, 0, 0.5, 0.5], t.Span));
        Near([4f / 3f, 0f, 0f, 0f, 4f / 3f, 0f, 1f / 6f, 1f / 6f], t.ToArray(), 1e-5f, "the homography");
        float at16 = 0.16f * 5f + 0.24f * 6f + 0.24f * 8f + 0.36f * 9f; // (1.6, 1.6): the four neighbours' bilinear weights
        Near([1f, 2f + 1f / 7f, 3f, 4f + 3f / 7f, 5f, 1f + 16f / 9f + 3f * 8f / 9f, 7f, 1f + 8f / 9f + 3f * 16f / 9f, at16],
            Ops.ImageTransform(x, t, EdgeFill.Constant, 0f).ToArray(), 1e-5f, "a perspective pattern");
        // Nearest sampling reads the rounded point: (8/7, 0) → (1, 0), (16/9, 8/9) → (2, 1), (1.6, 1.6) → (2, 2): the pattern itself.
        Near([1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f], Ops.ImageTransform(x, t, EdgeFill.Constant, 0f, nearest: true).ToArray(), 0f, "nearest");
    }

    [Fact]
    public void PerspectiveLayerNeutralCasesFixedOriginAndSingleImages()
    {
        var images = Tensor.RandomUniform(new Shape(6, 5, 4, 3), 0f, 1f, new RandomGenerator(1));
        var input = images.ToArray();
        Assert.Equal(input, new RandomPerspective(0f, seed: 1).Call(images, training: true).ToArray());
        Assert.Equal(input, new RandomPerspective(1f, 0f, seed: 1).Call(images, training: true).ToArray());
        Assert.Equal(input, new RandomPerspective(seed: 1).Call(images, training: false).ToArray());
        var y = new RandomPerspective((1f, 1f), 1f, fillValue: -7f, seed: 2).Call(images, training: true).ToArray();
        for (int n = 0; n < 6; n++)
        {
            Assert.Equal(input[n * 60], y[n * 60], 4); // Keras moves each corner by its own coordinates: the origin stays
            Assert.NotEqual(input.AsSpan(n * 60, 60).ToArray(), y.AsSpan(n * 60, 60).ToArray());
        }
        Assert.Equal(y, new RandomPerspective((1f, 1f), 1f, fillValue: -7f, seed: 2).Call(images, training: true).ToArray());
        var nearest = new RandomPerspective((1f, 1f), 1f, Interpolation.Nearest, fillValue: -7f, seed: 2).Call(images, training: true).ToArray();
        Assert.All(nearest, v => Assert.True(v == -7f || input.Contains(v), $"{v} is neither a pixel nor the fill"));
        var single = new RandomPerspective(seed: 3).Call(Tensor.FromArray(input[..60], 5, 4, 3), training: true);
        Assert.Equal(new Shape(5, 4, 3), single.Shape);
        // A one-pixel-wide image has no homography (collinear corners): it is kept.
        var column = Tensor.FromArray([1f, 2f, 3f], 1, 3, 1, 1);
        Assert.Equal([1f, 2f, 3f], new RandomPerspective(seed: 4).Call(column, training: true).ToArray());
    }

    [Fact]
    public void EqualizationOfKnownHistograms()
    {
        // Bins 0, 128, 255 hold 2, 1, 1 pixels: cdf 2, 3, 4; cdf_min 2: 0, round(127.5) = 128 (half to even), 255.
        var eq = new Equalization();
        Assert.Equal([0f, 0f, 128f, 255f], eq.Call(Tensor.FromArray([0f, 0f, 128f, 255f], 1, 2, 2, 1), training: true).ToArray());
        // The same counts anywhere in the range stretch the same way.
        Assert.Equal([0f, 0f, 128f, 255f], eq.Call(Tensor.FromArray([10f, 10f, 20f, 30f], 1, 2, 2, 1), training: true).ToArray());
        // Four bins: 0, 100, 200, 255 fall in bins 0, 1, 2, 3 (⌊v·3/255⌋): cdf 1..4, cdf_min 1, levels 0, 85, 170, 255.
        var four = new Equalization(bins: 4);
        Assert.Equal([0f, 85f, 170f, 255f], four.Call(Tensor.FromArray([0f, 100f, 200f, 255f], 1, 2, 2, 1), training: true).ToArray());
        // 10, 20, 30 share bin 0 of four: one non-empty bin keeps the channel.
        Assert.Equal([10f, 20f, 30f, 30f], four.Call(Tensor.FromArray([10f, 20f, 30f, 30f], 1, 2, 2, 1), training: true).ToArray());
        // Per channel and per image: image 1's channel 0 has 3 pixels in bin 50 and 1 in bin 200 (cdf_min 3: 0 and 255), its
        // channel 1 is flat (kept); image 2 counts 1, 1, 2 in bins 1, 2, 3 (cdf 1, 2, 4; cdf_min 1: 0, 85, 255).
        var x = Tensor.FromArray([50f, 7f, 50f, 7f, 50f, 7f, 200f, 7f, 1f, 1f, 2f, 2f, 3f, 3f, 3f, 3f], 2, 2, 2, 2);
        Assert.Equal([0f, 7f, 0f, 7f, 0f, 7f, 255f, 7f, 0f, 0f, 85f, 85f, 255f, 255f, 255f, 255f],
            new Equalization(bins: 256).Call(x, training: true).ToArray());
        // [0, 1] images are counted on [0, 255].
        Near([0f, 85f / 255f, 170f / 255f, 1f], new Equalization((0f, 1f), 4).Call(Tensor.FromArray([0f, 100f / 255f, 200f / 255f, 1f], 1, 2, 2, 1), training: true).ToArray(),
            1e-6f, "[0, 1]");
        // Inference passes through; a single image works without its batch axis.
        Assert.Equal([10f, 10f, 20f, 30f], eq.Call(Tensor.FromArray([10f, 10f, 20f, 30f], 1, 2, 2, 1)).ToArray());
        Assert.Equal([0f, 0f, 128f, 255f], new Equalization().Call(Tensor.FromArray([10f, 10f, 20f, 30f], 2, 2, 1), training: true).ToArray());
    }

    [Fact]
    public void GradientsPassToTheInput()
    {
        var x = GradCheck.Random(5, 2, 4, 5, 3);
        GradCheck.Check(t => new RandomGaussianBlur((1f, 1f), (3, 5), (0.5f, 2f), valueRange: (-10f, 10f), seed: 2).Call(t[0], training: true), [x], epsilon: 1e-3f);
        GradCheck.Check(t => new RandomPerspective((1f, 1f), 0.6f, fillValue: 0.5f, seed: 3).Call(t[0], training: true), [x], epsilon: 1e-3f);
        GradCheck.Check(t => new RandomPerspective((1f, 1f), 0.6f, Interpolation.Nearest, seed: 3).Call(t[0], training: true), [x], epsilon: 1e-3f);
        // Equalization is piecewise constant: its output carries no gradient (as posterization's).
        var leaf = Tensor.RandomUniform(new Shape(1, 3, 3, 1), 0f, 255f, new RandomGenerator(1));
        leaf.RequiresGrad = true;
        Assert.False(new Equalization().Call(leaf, training: true).RequiresGrad);
    }

    [Fact]
    public void ConfigsRoundTripWithKerasKeysAndBadOnesAreRefused()
    {
        Layer[] layers = [new RandomGaussianBlur(0.7f, 5, 0.8f, (0f, 1f), seed: 1), new RandomGaussianBlur((0.1f, 0.2f), (3, 7), (0.5f, 3f)),
            new RandomPerspective(0.4f, 0.3f, Interpolation.Nearest, 2f, seed: 2), new RandomPerspective(), new Equalization((0f, 1f), 64), new Equalization()];
        foreach (var layer in layers)
        {
            var config = layer.GetConfig();
            Assert.Equal(config.ToJsonString(), LayerRegistry.Create(layer.TypeName, config).GetConfig().ToJsonString());
        }
        // Keras's configs and defaults: factor f is (0, f); sigma f is (0, f); kernel_size a number is square.
        var blur = Assert.IsType<RandomGaussianBlur>(LayerRegistry.Create("RandomGaussianBlur",
            JsonNode.Parse("""{"name":"b","factor":0.5,"kernel_size":5,"sigma":[0.2,2],"value_range":[0,1],"seed":3,"data_format":"channels_last"}""")!.AsObject()));
        Assert.Equal(((0f, 0.5f), (5, 5), (0.2f, 2f), (0f, 1f)), (blur.Factor, blur.KernelSize, blur.Sigma, blur.ValueRange));
        var defaults = new RandomGaussianBlur();
        Assert.Equal(((0f, 1f), (3, 3), (0f, 1f), (0f, 255f)), (defaults.Factor, defaults.KernelSize, defaults.Sigma, defaults.ValueRange));
        var perspective = Assert.IsType<RandomPerspective>(LayerRegistry.Create("RandomPerspective",
            JsonNode.Parse("""{"name":"p","factor":0.5,"scale":0.2,"interpolation":"nearest","fill_value":1}""")!.AsObject()));
        Assert.Equal(((0f, 0.5f), 0.2f, Interpolation.Nearest, 1f), (perspective.Factor, perspective.Scale, perspective.Interpolation, perspective.FillValue));
        Assert.Equal(((0f, 255f), 256), (new Equalization().ValueRange, new Equalization().Bins));

        Assert.Contains("kernelSize", Assert.Throws<ArgumentException>(() => new RandomGaussianBlur(kernelSize: 4)).Message);
        Assert.Contains("RandomGaussianBlur", Assert.Throws<ArgumentException>(() => new RandomGaussianBlur(1.5f)).Message);
        Assert.Throws<ArgumentException>(() => new RandomGaussianBlur(sigma: 2f));
        Assert.Throws<ArgumentException>(() => new RandomGaussianBlur(valueRange: (1f, 0f)));
        Assert.Contains("scale", Assert.Throws<ArgumentException>(() => new RandomPerspective(scale: 1.5f)).Message);
        Assert.Contains("RandomPerspective", Assert.Throws<ArgumentException>(() => new RandomPerspective(-0.1f)).Message);
        Assert.Throws<ArgumentException>(() => new RandomPerspective(interpolation: Interpolation.Bicubic));
        Assert.Contains("bins", Assert.Throws<ArgumentException>(() => new Equalization(bins: 0)).Message);
        Assert.Throws<ArgumentException>(() => new Equalization((2f, 2f)));
        Assert.Contains("'eq'", Assert.Throws<ShapeMismatchException>(() => new Equalization(name: "eq").Call(Tensor.Zeros(2, 3))).Message);
        var shapeError = Assert.Throws<ShapeMismatchException>(() => new RandomGaussianBlur(name: "blur").Call(Tensor.Zeros(2, 3, 4, 5, 1), training: true)).Message;
        Assert.Contains("'blur'", shapeError);
        Assert.Contains("(None, 3, 4, 5, 1)", shapeError);
        foreach (var (type, json) in new[]
        {
            ("RandomGaussianBlur", """{"name":"b","kernel_size":4}"""), ("RandomGaussianBlur", """{"name":"b","sigma":1.5}"""),
            ("RandomGaussianBlur", """{"name":"b","factor":[0.2,1.5]}"""), ("RandomGaussianBlur", """{"name":"b","data_format":"channels_first"}"""),
            ("RandomPerspective", """{"name":"p","scale":2}"""), ("RandomPerspective", """{"name":"p","interpolation":"bicubic"}"""),
            ("Equalization", """{"name":"e","bins":0}"""), ("Equalization", """{"name":"e","value_range":[1,0]}"""),
        })
            Assert.Throws<DeepSharpException>(() => LayerRegistry.Create(type, JsonNode.Parse(json)!.AsObject()));
    }
}
