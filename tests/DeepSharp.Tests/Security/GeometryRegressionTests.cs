using DeepSharp.Autograd;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Issue 11, finding 1: a dilation that wrapped (kernel − 1) · dilation + 1 in 32 bits let a
/// convolution build and then read and write ±2^31 floats outside its buffers. Geometry is now
/// computed in 64 bits and refused when it does not fit; these hostile models must fail with a
/// DeepSharp exception naming the layer, the dilation and the input, never an access violation.
/// </summary>
public sealed class GeometryRegressionTests : IDisposable
{
    private const int WrappingDilation = 1073741825; // (5 − 1) · 1073741825 + 1 = 2^32 + 5 ≡ 5 in 32 bits
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>A model saved with dilation 1, then its file edited to a hostile dilation and padding.</summary>
    private string HostileFile(Sequential valid, string layer, int[] dilation, string padding = "valid")
    {
        string path = _folder.File($"{layer}-{dilation[^1]}-{padding}.safetensors");
        valid.Save(path);
        var bytes = FuzzHarness.EditModelConfig(File.ReadAllBytes(path), config =>
        {
            var layerConfig = FuzzHarness.LayerConfigIn(config, layer);
            layerConfig["dilation_rate"] = new System.Text.Json.Nodes.JsonArray([.. dilation.Select(d => (System.Text.Json.Nodes.JsonNode?)d)]);
            layerConfig["padding"] = padding;
        });
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Theory]
    [InlineData("valid")]
    [InlineData("same")]
    public void Conv2DFileWithWrappingDilationIsRefused(string padding)
    {
        var valid = new Sequential(new Conv2D(1, (1, 5), inputShape: [1, 8, 1], name: "conv"), new Flatten(), new Dense(2));
        string path = HostileFile(valid, "conv", [1, WrappingDilation], padding);

        var e = Assert.Throws<DataFormatException>(() => Model.Load(path));
        Assert.Contains("'conv'", e.Message);
        Assert.Contains(WrappingDilation.ToString(), e.Message);
        Assert.Contains("(None, 1, 8, 1)", e.Message);
    }

    [Theory]
    [InlineData(3, int.MaxValue, "valid")] // 2 · (2^31 − 1) + 1 = 2^32 − 1 ≡ −1 in 32 bits
    [InlineData(3, int.MaxValue, "same")]
    [InlineData(5, WrappingDilation, "valid")]
    public void Conv1DFileWithWrappingDilationIsRefused(int kernel, int dilation, string padding)
    {
        var valid = new Sequential(new Conv1D(1, kernel, inputShape: [8, 1], name: "conv"), new Flatten(), new Dense(2));
        string path = HostileFile(valid, "conv", [dilation], padding);

        var e = Assert.Throws<DataFormatException>(() => Model.Load(path));
        Assert.Contains("'conv'", e.Message);
        Assert.Contains(dilation.ToString(), e.Message);
        Assert.Contains("(None, 8, 1)", e.Message);
    }

    [Fact]
    public async Task CliPredictOnTheHostileFileIsAOneLineError()
    {
        // As in the issue: a model whose input is one 8-pixel row, then `deepsharp predict` on a PNG.
        var valid = new Sequential(new Conv2D(1, (1, 5), inputShape: [1, 8, 1], name: "conv"), new Flatten(), new Dense(2));
        string path = HostileFile(valid, "conv", [1, WrappingDilation]);
        string png = _folder.File("row.png");
        await File.WriteAllBytesAsync(png, TestPng.Encode(8, 1, 1, new byte[8], 0));

        var (code, _, err) = await Cli.CliTests.Run(null, "predict", path, png);
        Assert.Equal(1, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains(WrappingDilation.ToString(), err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void Conv2DBuiltByAUserWithWrappingDilationIsRefused()
    {
        var e = Assert.Throws<ShapeMismatchException>(() =>
            new Sequential(new Conv2D(1, (1, 5), dilationRate: (1, WrappingDilation), inputShape: [1, 8, 1], name: "conv"), new Flatten(), new Dense(2)));
        Assert.Contains("'conv'", e.Message);
        Assert.Contains(WrappingDilation.ToString(), e.Message);
        Assert.Contains("(None, 1, 8, 1)", e.Message);

        // Built lazily on the first call instead of from an input shape.
        var lazy = new Sequential(new Conv2D(1, (1, 5), dilationRate: (1, WrappingDilation), padding: Padding.Same, name: "lazy"), new Flatten(), new Dense(2));
        var e2 = Assert.Throws<ShapeMismatchException>(() => lazy.Predict(Tensor.Zeros(1, 1, 8, 1)));
        Assert.Contains("'lazy'", e2.Message);
        Assert.Contains(WrappingDilation.ToString(), e2.Message);
    }

    [Fact]
    public void Conv1DBuiltByAUserWithWrappingDilationIsRefused()
    {
        var e = Assert.Throws<ShapeMismatchException>(() =>
            new Sequential(new Conv1D(1, 3, dilationRate: int.MaxValue, inputShape: [8, 1], name: "conv"), new Flatten(), new Dense(2)));
        Assert.Contains("'conv'", e.Message);
        Assert.Contains(int.MaxValue.ToString(), e.Message);
        Assert.Contains("(None, 8, 1)", e.Message);
    }

    [Fact]
    public void PoolingWithAHugePoolAndSamePaddingIsRefused()
    {
        // (out − 1) · stride + pool − in overflowed 32 bits for "same" padding.
        var e = Assert.Throws<ShapeMismatchException>(() =>
            new Sequential(new MaxPooling2D((1, int.MaxValue), (1, 1), Padding.Same, name: "pool", inputShape: [1, 8, 1])));
        Assert.Contains("'pool'", e.Message);
        Assert.Contains("(None, 1, 8, 1)", e.Message);
    }

    [Fact]
    public void TheConvolutionOpRefusesGeometryThatDoesNotFit()
    {
        var x = Tensor.Zeros(1, 1, 8, 1);
        var kernel = Tensor.Zeros(1, 5, 1, 1);
        Assert.ThrowsAny<ArgumentException>(() => Ops.Conv2D(x, kernel, null, (1, 1), samePadding: false, dilation: (1, WrappingDilation)));
        Assert.ThrowsAny<ArgumentException>(() => Ops.Conv2D(x, kernel, null, (1, 1), samePadding: true, dilation: (1, WrappingDilation)));
    }

    [Fact]
    public void KernelsRefuseAHandMadeGeometryWhoseTapsWrap()
    {
        // A geometry built by hand with the wrapped output size the old code computed: the kernel
        // entry points validate it before any pointer is formed.
        var g = new Conv2DGeometry(1, 1, 8, 1, 1, 1, 5, 1, 1, 0, 0, 1, 4, 1, WrappingDilation);
        var x = new float[8];
        var w = new float[5];
        var y = new float[4];
        Assert.Throws<ArgumentException>(() => Conv2DKernel.Forward(x, w, default, y, g));
        Assert.Throws<ArgumentException>(() => Conv2DKernel.BackwardInput(y, w, x, g));
        Assert.Throws<ArgumentException>(() => Conv2DKernel.BackwardKernel(x, y, w, g));
        var pool = new Pool2DGeometry(1, 1, 8, 1, 1, int.MaxValue, 1, 2, 0, 0, 1, 4);
        Assert.Throws<ArgumentException>(() => MaxPool2DKernel.Forward(x, y, new int[4], pool));
        Assert.Throws<ArgumentException>(() => AvgPool2DKernel.Forward(x, y, pool));
    }

    [Fact]
    public void LegitimateDilationsStillWork()
    {
        RandomGenerator.SetGlobalSeed(5);
        var model = new Sequential(new Conv2D(2, (3, 3), dilationRate: (2, 3), padding: Padding.Same, inputShape: [9, 10, 1]), new Flatten(), new Dense(2));
        var x = Tensor.Zeros(2, 9, 10, 1);
        Assert.Equal(new Shape(2, 2), model.Predict(x).Shape);
        // A dilated kernel wider than the input with "same" padding reads only padding past the input, as in Keras.
        var wide = new Sequential(new Conv1D(1, 3, dilationRate: 100, padding: Padding.Same, inputShape: [8, 1]));
        Assert.Equal(new Shape(1, 8, 1), wide.Predict(Tensor.Zeros(1, 8, 1)).Shape);
    }
}
