using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// The convolution variants and resizing layers against references written here, independently of
/// their kernels: Conv2DTranspose as the gradient of Conv2D with respect to its input, the others as
/// direct loops over Keras's definitions.
/// </summary>
public class ConvolutionVariantReferenceTests
{
    private static Tensor Random(int seed, params int[] shape) => GradCheck.Random(seed, shape);

    private static void AssertClose(float[] expected, float[] actual, float tolerance = 1e-4f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])), $"element {i}: expected {expected[i]}, got {actual[i]}");
    }

    public static TheoryData<int, int, int, int, bool, int> TransposeCases() => new()
    {
        // kernel, stride, height, width, same, dilation
        { 3, 2, 5, 4, false, 1 },
        { 3, 2, 5, 4, true, 1 },
        { 2, 3, 3, 7, false, 1 },
        { 4, 2, 1, 3, true, 1 },
        { 1, 1, 6, 2, false, 1 },
        { 3, 1, 4, 5, true, 2 },
        { 5, 3, 2, 2, true, 1 },
    };

    [Theory]
    [MemberData(nameof(TransposeCases))]
    public void Conv2DTransposeIsTheInputGradientOfConv2D(int k, int s, int h, int w, bool same, int dilation)
    {
        RandomGenerator.SetGlobalSeed(4);
        var layer = new Conv2DTranspose(5, (k, k), (s, s), same ? Padding.Same : Padding.Valid, dilationRate: (dilation, dilation),
            biasInitializer: Initializer.HeUniform);
        var x = Random(1, 2, h, w, 3);
        var y = layer.Call(x);
        var kernel = layer.Parameters[0].Value;
        var bias = layer.Parameters[1].Value.ToArray();

        // Keras's output size, then the convolution that maps y's shape back onto x's.
        int Expected(int input) => same ? input * s : input * s + Math.Max((k - 1) * dilation + 1 - s, 0);
        Assert.Equal(new Shape(2, Expected(h), Expected(w), 5), y.Shape);
        var z = Tensor.Zeros(y.Shape);
        z.RequiresGrad = true;
        var conv = Ops.Conv2D(z, kernel, null, (s, s), same, (dilation, dilation));
        Assert.Equal(x.Shape, conv.Shape);
        Ops.Sum(Ops.Multiply(conv, x)).Backward(); // ∂/∂z Σ conv(z) ⊙ x = convᵀ(x)

        var expected = z.Grad!.ToArray();
        for (int i = 0; i < expected.Length; i++) expected[i] += bias[i % 5];
        AssertClose(expected, y.ToArray());
    }

    [Theory]
    [InlineData(3, 1, false, 1, 1)]
    [InlineData(3, 2, true, 2, 1)]
    [InlineData(2, 2, false, 3, 1)]
    [InlineData(3, 1, true, 1, 2)]
    public void DepthwiseConv2DMatchesADirectLoop(int k, int s, bool same, int multiplier, int dilation)
    {
        RandomGenerator.SetGlobalSeed(5);
        var layer = new DepthwiseConv2D((k, k), (s, s), same ? Padding.Same : Padding.Valid, multiplier, dilationRate: (dilation, dilation),
            biasInitializer: Initializer.HeUniform);
        int n = 2, h = 7, w = 6, c = 3;
        var x = Random(2, n, h, w, c);
        var y = layer.Call(x);
        var kernel = layer.Parameters[0].Value.ToArray();
        var bias = layer.Parameters[1].Value.ToArray();
        var xs = x.ToArray();
        int eff = (k - 1) * dilation + 1;
        int oh = same ? (h + s - 1) / s : (h - eff) / s + 1, ow = same ? (w + s - 1) / s : (w - eff) / s + 1;
        int padTop = same ? Math.Max((oh - 1) * s + eff - h, 0) / 2 : 0, padLeft = same ? Math.Max((ow - 1) * s + eff - w, 0) / 2 : 0;
        Assert.Equal(new Shape(n, oh, ow, c * multiplier), y.Shape);
        var expected = new float[y.Size];
        for (int b = 0; b < n; b++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                    for (int ch = 0; ch < c; ch++)
                        for (int m = 0; m < multiplier; m++)
                        {
                            double sum = bias[ch * multiplier + m];
                            for (int a = 0; a < k; a++)
                                for (int e = 0; e < k; e++)
                                {
                                    int ih = i * s - padTop + a * dilation, iw = j * s - padLeft + e * dilation;
                                    if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                                    sum += xs[((b * h + ih) * w + iw) * c + ch] * kernel[((a * k + e) * c + ch) * multiplier + m];
                                }
                            expected[((b * oh + i) * ow + j) * c * multiplier + ch * multiplier + m] = (float)sum;
                        }
        AssertClose(expected, y.ToArray());
    }

    [Fact]
    public void SeparableConv2DIsDepthwiseThenPointwise()
    {
        RandomGenerator.SetGlobalSeed(6);
        var separable = new SeparableConv2D(4, (3, 3), (2, 2), Padding.Same, depthMultiplier: 2, biasInitializer: Initializer.HeUniform);
        var x = Random(3, 2, 7, 6, 3);
        var y = separable.Call(x);
        var depthwise = new DepthwiseConv2D((3, 3), (2, 2), Padding.Same, 2, useBias: false);
        var pointwise = new Conv2D(4, (1, 1));
        depthwise.Build(new Shape(7, 6, 3));
        pointwise.Build(new Shape(4, 3, 6));
        separable.Parameters[0].Value.Span.CopyTo(depthwise.Parameters[0].Value.Span);
        separable.Parameters[1].Value.Span.CopyTo(pointwise.Parameters[0].Value.Span);
        separable.Parameters[2].Value.Span.CopyTo(pointwise.Parameters[1].Value.Span);
        AssertClose(pointwise.Call(depthwise.Call(x)).ToArray(), y.ToArray(), 1e-5f);
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(3, 1)]
    [InlineData(1, 4)]
    public void UpSampling2DMatchesKerasDefinitions(int fh, int fw)
    {
        int n = 2, h = 3, w = 4, c = 2;
        var x = Random(4, n, h, w, c);
        var xs = x.ToArray();
        var nearest = new UpSampling2D((fh, fw)).Call(x).ToArray();
        var bilinear = new UpSampling2D((fh, fw), Interpolation.Bilinear).Call(x).ToArray();
        // TensorFlow's half-pixel bilinear resize: source = (o + 0.5)/f − 0.5, clamped to [0, size − 1].
        static (int, int, double) Source(int o, int f, int size)
        {
            double src = Math.Clamp((o + 0.5) / f - 0.5, 0, size - 1);
            int lo = (int)Math.Floor(src);
            return (lo, Math.Min(lo + 1, size - 1), src - lo);
        }
        for (int b = 0; b < n; b++)
            for (int i = 0; i < h * fh; i++)
                for (int j = 0; j < w * fw; j++)
                    for (int ch = 0; ch < c; ch++)
                    {
                        int o = ((b * h * fh + i) * w * fw + j) * c + ch;
                        float X(int r, int q) => xs[((b * h + r) * w + q) * c + ch];
                        Assert.Equal(X(i / fh, j / fw), nearest[o]);
                        var (r0, r1, a) = Source(i, fh, h);
                        var (q0, q1, e) = Source(j, fw, w);
                        double want = (1 - a) * ((1 - e) * X(r0, q0) + e * X(r0, q1)) + a * ((1 - e) * X(r1, q0) + e * X(r1, q1));
                        Assert.True(Math.Abs(want - bilinear[o]) < 1e-5, $"bilinear at {o}: {bilinear[o]}, expected {want}");
                    }
    }

    [Fact]
    public void ZeroPaddingAndCroppingMoveTheImage()
    {
        int n = 2, h = 4, w = 5, c = 3;
        var x = Random(5, n, h, w, c);
        var xs = x.ToArray();
        var padded = new ZeroPadding2D((1, 2), (3, 0)).Call(x);
        Assert.Equal(new Shape(n, 7, 8, c), padded.Shape);
        var ps = padded.ToArray();
        for (int b = 0; b < n; b++)
            for (int i = 0; i < 7; i++)
                for (int j = 0; j < 8; j++)
                    for (int ch = 0; ch < c; ch++)
                    {
                        bool inside = i >= 1 && i < 1 + h && j >= 3;
                        float want = inside ? xs[((b * h + i - 1) * w + j - 3) * c + ch] : 0f;
                        Assert.Equal(want, ps[((b * 7 + i) * 8 + j) * c + ch]);
                    }
        var cropped = new Cropping2D((1, 2), (0, 3)).Call(x);
        Assert.Equal(new Shape(n, 1, 2, c), cropped.Shape);
        var cs = cropped.ToArray();
        for (int b = 0; b < n; b++)
            for (int j = 0; j < 2; j++)
                for (int ch = 0; ch < c; ch++)
                    Assert.Equal(xs[((b * h + 1) * w + j) * c + ch], cs[(b * 2 + j) * c + ch]);
        // Cropping undoes padding.
        Assert.Equal(xs, new Cropping2D((1, 2), (3, 0)).Call(padded).ToArray());
    }

    [Theory]
    [InlineData(3, 2, false, 1)]
    [InlineData(3, 2, true, 1)]
    [InlineData(2, 3, false, 1)]
    [InlineData(4, 3, true, 1)]
    [InlineData(3, 1, true, 2)]
    public void Conv1DTransposeIsTheInputGradientOfConv1D(int k, int s, bool same, int dilation)
    {
        RandomGenerator.SetGlobalSeed(7);
        var layer = new Conv1DTranspose(4, k, s, same ? Padding.Same : Padding.Valid, dilation, biasInitializer: Initializer.HeUniform);
        var x = Random(6, 2, 5, 3);
        var y = layer.Call(x);
        int steps = same ? 5 * s : 5 * s + Math.Max((k - 1) * dilation + 1 - s, 0);
        Assert.Equal(new Shape(2, steps, 4), y.Shape);

        // The same kernel as a Conv1D from 4 channels to 3, run on a leaf of y's shape.
        var conv = new Conv1D(3, k, s, same ? Padding.Same : Padding.Valid, dilation, useBias: false);
        conv.Build(new Shape(steps, 4));
        layer.Parameters[0].Value.Span.CopyTo(conv.Parameters[0].Value.Span); // (k, 4, 3) in both layouts
        var z = Tensor.Zeros(y.Shape);
        z.RequiresGrad = true;
        var c = conv.Call(z);
        Assert.Equal(x.Shape, c.Shape);
        Ops.Sum(Ops.Multiply(c, x)).Backward();
        var expected = z.Grad!.ToArray();
        var bias = layer.Parameters[1].Value.ToArray();
        for (int i = 0; i < expected.Length; i++) expected[i] += bias[i % 4];
        AssertClose(expected, y.ToArray());
    }

    [Fact]
    public void OneDimensionalResizingMatchesKerasDefinitions()
    {
        var x = Random(7, 2, 5, 3);
        var xs = x.ToArray();
        var up = new UpSampling1D(3).Call(x).ToArray();
        var padded = new ZeroPadding1D((2, 1)).Call(x).ToArray();
        var cropped = new Cropping1D((1, 2)).Call(x).ToArray();
        for (int b = 0; b < 2; b++)
            for (int f = 0; f < 3; f++)
            {
                for (int t = 0; t < 15; t++) Assert.Equal(xs[(b * 5 + t / 3) * 3 + f], up[(b * 15 + t) * 3 + f]);
                for (int t = 0; t < 8; t++) Assert.Equal(t >= 2 && t < 7 ? xs[(b * 5 + t - 2) * 3 + f] : 0f, padded[(b * 8 + t) * 3 + f]);
                for (int t = 0; t < 2; t++) Assert.Equal(xs[(b * 5 + t + 1) * 3 + f], cropped[(b * 2 + t) * 3 + f]);
            }
    }
}
