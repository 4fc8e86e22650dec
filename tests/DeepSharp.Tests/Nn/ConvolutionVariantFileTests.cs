using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Tests.Serialization;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// The convolution variants and resizing layers in model files (save → load gives bit-identical
/// predictions, Sequential and functional) and in ONNX (ONNX Runtime agrees with Predict), each
/// layer in several configurations.
/// </summary>
public class ConvolutionVariantFileTests
{
    /// <summary>Every new layer in one Sequential: an encoder, a decoder, and the resizing layers between.</summary>
    internal static Sequential Decoder() => new(
        new Conv2D(4, 3, padding: Padding.Same, activation: Activation.Relu, inputShape: [9, 8, 3]),
        new DepthwiseConv2D((3, 3), (2, 2), Padding.Same, depthMultiplier: 2),
        new SeparableConv2D(5, (2, 3), activation: Activation.Tanh),
        new Conv2DTranspose(4, 3, strides: 2, activation: Activation.Relu),
        new UpSampling2D((2, 1)),
        new ZeroPadding2D((1, 2), (0, 3)),
        new Cropping2D((2, 1), (1, 1)),
        new UpSampling2D((1, 2), Interpolation.Bilinear),
        new Conv2DTranspose(2, (2, 1), (3, 2), Padding.Valid),
        new Flatten(),
        new Dense(3));

    /// <summary>A small U-Net: down by a strided convolution, up by a transposed one, joined with the skip.</summary>
    internal static Functional UNet()
    {
        var input = Model.Input([8, 6, 2]);
        var skip = new Conv2D(4, 3, padding: Padding.Same, activation: Activation.Relu).Call(input);
        var down = new DepthwiseConv2D(3, strides: 2, padding: Padding.Same, depthMultiplier: 2).Call(skip);
        var middle = new SeparableConv2D(6, 3, padding: Padding.Same, activation: Activation.Relu).Call(new ZeroPadding2D(1).Call(down));
        var up = new Conv2DTranspose(4, (3, 3), (2, 2), Padding.Same).Call(new Cropping2D(1).Call(middle));
        var joined = new Concatenate().Call(up, skip);
        var resized = new UpSampling2D(2, Interpolation.Bilinear).Call(joined);
        var output = new Conv2D(1, 1).Call(new UpSampling2D((1, 2)).Call(resized));
        return new Functional(input, output, name: "unet");
    }

    /// <summary>The 1-D siblings in one Sequential over (steps, features).</summary>
    internal static Sequential Sequence() => new(
        new ZeroPadding1D((1, 2), inputShape: [6, 3]),
        new Conv1DTranspose(4, 3, strides: 2, padding: Padding.Same, activation: Activation.Relu),
        new Cropping1D((2, 1)),
        new UpSampling1D(3),
        new Conv1DTranspose(2, 2, strides: 3),
        new Flatten(),
        new Dense(2));

    /// <summary>The models above, for the test that every registered layer type has an ONNX export test.</summary>
    internal static IEnumerable<Model> Samples()
    {
        yield return Decoder();
        yield return UNet();
        yield return Sequence();
    }

    private static void AssertBitwiseEqual(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.ToArray().Select(BitConverter.SingleToInt32Bits), actual.ToArray().Select(BitConverter.SingleToInt32Bits));
    }

    private static Tensor Inputs(Shape perSample, int batch, int seed) =>
        Tensor.RandomUniform(perSample.WithBatch(batch), -1f, 1f, new RandomGenerator(seed));

    [Fact]
    public void SequentialSavesAndLoadsWithIdenticalPredictions()
    {
        RandomGenerator.SetGlobalSeed(21);
        var model = Decoder();
        var x = Inputs(new Shape(9, 8, 3), 6, 1);
        var y = Inputs(new Shape(3), 6, 2);
        model.Compile(new Adam(0.01f), new MeanSquaredError());
        model.Fit(x, y, batchSize: 3, epochs: 1, verbose: 0); // biases away from zero
        AssertRoundTrips(model, x);

        var sequence = Sequence();
        OnnxRecurrentExportTests.PerturbBiases(sequence);
        AssertRoundTrips(sequence, Inputs(new Shape(6, 3), 4, 7));
    }

    private static void AssertRoundTrips(Model model, Tensor x)
    {
        using var folder = new TempFolder();
        string path = folder.File("model.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);
        Assert.Equal(model.Summary(_ => { }), loaded.Summary(_ => { }));
        AssertBitwiseEqual(model.Predict(x), loaded.Predict(x));
        Assert.Equal(model.Layers.Select(l => l.GetConfig().ToJsonString()), loaded.Layers.Select(l => l.GetConfig().ToJsonString()));
    }

    [Fact]
    public void FunctionalSavesAndLoadsWithIdenticalPredictions()
    {
        RandomGenerator.SetGlobalSeed(22);
        var model = UNet();
        OnnxRecurrentExportTests.PerturbBiases(model);
        var x = Inputs(new Shape(8, 6, 2), 4, 3);
        using var folder = new TempFolder();
        string path = folder.File("unet.safetensors");
        model.Save(path);
        var loaded = Assert.IsType<Functional>(Model.Load(path));
        Assert.Equal("unet", loaded.Name);
        AssertBitwiseEqual(model.Predict(x), loaded.Predict(x));

        string again = folder.File("again.safetensors");
        loaded.Save(again);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(again));
    }

    public static TheoryData<string> OnnxCases() => new(s_onnxCases.Keys.Order());

    private static readonly Dictionary<string, Func<Layer>> s_onnxCases = new()
    {
        ["transpose-valid-s2"] = () => new Conv2DTranspose(3, 3, strides: 2, inputShape: [5, 4, 2]),
        ["transpose-same-s2-even-kernel"] = () => new Conv2DTranspose(3, (4, 2), (2, 2), Padding.Same, Activation.Tanh, inputShape: [3, 5, 2]),
        ["transpose-same-s3-k5"] = () => new Conv2DTranspose(2, 5, strides: 3, padding: Padding.Same, inputShape: [2, 3, 3]),
        ["transpose-valid-kernel-below-stride"] = () => new Conv2DTranspose(2, (2, 1), (3, 2), inputShape: [3, 4, 2]),
        ["transpose-dilated"] = () => new Conv2DTranspose(2, (3, 3), dilationRate: (2, 1), inputShape: [4, 4, 3]),
        ["depthwise-valid"] = () => new DepthwiseConv2D(3, inputShape: [6, 5, 4]),
        ["depthwise-same-s2-m2"] = () => new DepthwiseConv2D((3, 2), (2, 2), Padding.Same, depthMultiplier: 2, activation: Activation.Relu, inputShape: [7, 6, 3]),
        ["depthwise-dilated-m3"] = () => new DepthwiseConv2D((3, 3), depthMultiplier: 3, useBias: false, dilationRate: (2, 2), inputShape: [7, 7, 2]),
        ["separable-same-s2-m2"] = () => new SeparableConv2D(5, (3, 3), (2, 2), Padding.Same, depthMultiplier: 2, inputShape: [7, 6, 3]),
        ["separable-valid"] = () => new SeparableConv2D(3, 2, activation: Activation.Sigmoid, inputShape: [5, 5, 4]),
        ["upsampling-nearest"] = () => new UpSampling2D((2, 3), inputShape: [3, 4, 2]),
        ["upsampling-bilinear"] = () => new UpSampling2D(2, Interpolation.Bilinear, inputShape: [4, 3, 3]),
        ["upsampling-bilinear-uneven"] = () => new UpSampling2D((3, 1), Interpolation.Bilinear, inputShape: [3, 5, 2]),
        ["zero-padding"] = () => new ZeroPadding2D((1, 2), (3, 0), inputShape: [3, 4, 2]),
        ["cropping"] = () => new Cropping2D((1, 0), (2, 1), inputShape: [5, 6, 2]),
        ["transpose1d-valid-s2"] = () => new Conv1DTranspose(3, 3, strides: 2, inputShape: [5, 2]),
        ["transpose1d-same-s3-k4"] = () => new Conv1DTranspose(2, 4, strides: 3, padding: Padding.Same, activation: Activation.Tanh, inputShape: [4, 3]),
        ["transpose1d-valid-kernel-below-stride"] = () => new Conv1DTranspose(2, 1, strides: 2, inputShape: [4, 2]),
        ["transpose1d-dilated"] = () => new Conv1DTranspose(2, 3, dilationRate: 2, useBias: false, inputShape: [4, 2]),
        ["upsampling1d"] = () => new UpSampling1D(3, inputShape: [4, 2]),
        ["zero-padding1d"] = () => new ZeroPadding1D((2, 1), inputShape: [4, 3]),
        ["cropping1d"] = () => new Cropping1D((0, 2), inputShape: [5, 2]),
    };

    [Theory]
    [MemberData(nameof(OnnxCases))]
    public void OnnxRuntimeMatchesPredictPerLayer(string name)
    {
        RandomGenerator.SetGlobalSeed(23);
        var model = new Sequential(s_onnxCases[name]());
        OnnxRecurrentExportTests.PerturbBiases(model);
        var x = Inputs(model.Layers[0].BuiltInputShape!.Value, 3, 4);
        OnnxRunner.AssertMatches(model, [x], name);
    }

    [Fact]
    public void OnnxRuntimeMatchesPredictForTheWholeModels()
    {
        RandomGenerator.SetGlobalSeed(24);
        var decoder = Decoder();
        OnnxRecurrentExportTests.PerturbBiases(decoder);
        OnnxRunner.AssertMatches(decoder, [Inputs(new Shape(9, 8, 3), 3, 5)], "decoder");
        var unet = UNet();
        OnnxRecurrentExportTests.PerturbBiases(unet);
        OnnxRunner.AssertMatches(unet, [Inputs(new Shape(8, 6, 2), 3, 6)], "unet");
        var sequence = Sequence();
        OnnxRecurrentExportTests.PerturbBiases(sequence);
        OnnxRunner.AssertMatches(sequence, [Inputs(new Shape(6, 3), 3, 7)], "sequence");
    }

    /// <summary>The example of docs/layers.md ("Convolution variants and resizing"): a U-Net that trains and keeps its shapes.</summary>
    [Fact]
    public void DocsUNetExampleTrains()
    {
        RandomGenerator.SetGlobalSeed(25);
        var input = Model.Input([32, 32, 3]);
        var skip = new Conv2D(16, 3, padding: Padding.Same, activation: Activation.Relu).Call(input);
        var down = new SeparableConv2D(32, 3, strides: 2, padding: Padding.Same, activation: Activation.Relu).Call(skip);
        var up = new Conv2DTranspose(16, 3, strides: 2, padding: Padding.Same).Call(down);
        var output = new Conv2D(1, 1, activation: Activation.Sigmoid).Call(new Concatenate().Call(up, skip));
        var unet = new Model(input, output);
        Assert.Equal(new Shape(16, 16, 32), down.Shape);
        Assert.Equal(new Shape(32, 32, 16), up.Shape);

        var x = Inputs(new Shape(32, 32, 3), 4, 8);
        var y = Tensor.FromArray(x.ToArray().Select(v => v > 0 ? 1f : 0f).Where((_, i) => i % 3 == 0).ToArray(), 4, 32, 32, 1);
        unet.Compile(new Adam(0.01f), new BinaryCrossentropy());
        var history = unet.Fit(x, y, batchSize: 2, epochs: 3, verbose: 0);
        var losses = history["loss"];
        Assert.True(losses[^1] < losses[0], $"loss {losses[0]} → {losses[^1]}");
    }
}
