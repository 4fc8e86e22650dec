using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Layers;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Architecture;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// The convolution layers against what main wrote before they were folded onto <see cref="ConvolutionLayer{TSize}"/>
/// (Nn/ConvolutionMain, written by make_fixtures.cs beside it at 7c099d2): every layer's get_config, and three model
/// files (every convolution layer type) that load with their weights and give the same bits.
/// </summary>
public sealed class ConvolutionMainFixtureTests
{
    private static string Fixture(string name) => Path.Combine(RepositoryRoot.Path, "tests", "DeepSharp.Tests", "Nn", "ConvolutionMain", name);

    private static JsonObject Read(string name) => JsonNode.Parse(File.ReadAllText(Fixture(name)))!.AsObject();

    [Fact]
    public void EveryConfigEqualsMains()
    {
        var recorded = Read("configs.json");
        var cases = Layers().ToList();
        Assert.Equal(recorded.Select(p => p.Key), cases.Select(c => c.Item1));
        foreach (var (key, make) in cases)
        {
            var layer = make();
            string want = recorded[key]!.ToJsonString();
            Assert.True(want == layer.GetConfig().ToJsonString(), $"{key}: main wrote {want}, now {layer.GetConfig().ToJsonString()}");
            // Read back, the config gives the same layer again.
            var back = LayerRegistry.Create(layer.TypeName, recorded[key]!.DeepClone().AsObject());
            Assert.Equal(want, back.GetConfig().ToJsonString());
        }
    }

    [Theory]
    [InlineData("sequence", new[] { "conv1d/kernel", "conv1d/bias", "depthwise1d/kernel", "depthwise1d/bias", "separable1d/depthwise_kernel",
        "separable1d/pointwise_kernel", "separable1d/bias", "transpose1d/kernel", "transpose1d/bias" })]
    [InlineData("image", new[] { "conv2d/kernel", "conv2d/bias", "depthwise2d/kernel", "depthwise2d/bias", "separable2d/depthwise_kernel",
        "separable2d/pointwise_kernel", "separable2d/bias", "transpose2d/kernel", "transpose2d/bias" })]
    [InlineData("volume", new[] { "conv3d/kernel", "conv3d/bias", "transpose3d/kernel", "transpose3d/bias" })]
    public void ModelFilesMainWroteLoadWithTheSamePredictions(string name, string[] weights)
    {
        using var folder = new TempFolder();
        var model = Model.Load(Fixture(name + ".safetensors"));
        Assert.Equal(weights, model.Layers.SelectMany(l => l.Parameters).Select(p => $"{p.Owner!.Name}/{p.Name}"));
        var recorded = Read("predictions.json")[name]!;
        var x = Tensor.FromArray(Floats(recorded["input"]!), Ints(recorded["input_shape"]!));
        var y = model.Predict(x);
        Assert.Equal(Ints(recorded["output_shape"]!), y.Shape.ToArray());
        Assert.Equal(Floats(recorded["output"]!).Select(BitConverter.SingleToInt32Bits), y.ToArray().Select(BitConverter.SingleToInt32Bits));
        // Written again, the file is main's byte for byte: the same configs, weight names, order and values.
        string again = folder.File("again.safetensors");
        model.Save(again, includeOptimizer: false);
        Assert.Equal(File.ReadAllBytes(Fixture(name + ".safetensors")), File.ReadAllBytes(again));
    }

    private static int[] Ints(JsonNode node) => [.. node.AsArray().Select(v => v!.GetValue<int>())];

    private static float[] Floats(JsonNode node) => [.. node.AsArray().Select(v => BitConverter.Int32BitsToSingle(v!.GetValue<int>()))];

    private static IEnumerable<(string, Func<Layer>)> Layers()
    {
        yield return ("Conv1D/default", () => new Conv1D(3, 2, name: "c"));
        yield return ("Conv1D/all", () => new Conv1D(4, 3, 2, Padding.Same, 1, Activation.Relu, false, Initializer.HeNormal, Initializer.Ones, "c",
            [7, 2], new L2(0.5f), new L1(0.25f), new L1L2(0.1f, 0.2f), new MaxNorm(3f), new NonNeg()));
        yield return ("Conv1D/dilated", () => new Conv1D(2, 3, dilationRate: 2, name: "c"));
        yield return ("Conv2D/default", () => new Conv2D(3, 2, name: "c"));
        yield return ("Conv2D/all", () => new Conv2D(4, (3, 2), (2, 1), Padding.Same, Activation.Tanh, false, null, Initializer.LecunUniform,
            Initializer.Constant(0.5f), "c", [6, 5, 2], new L2(0.5f), new L1(0.25f), new L1L2(0.1f, 0.2f), new MaxNorm(3f), new NonNeg()));
        yield return ("Conv2D/dilated", () => new Conv2D(2, (3, 3), dilationRate: (2, 1), name: "c"));
        yield return ("Conv3D/default", () => new Conv3D(3, 2, name: "c"));
        yield return ("Conv3D/all", () => new Conv3D(4, (3, 2, 1), (2, 1, 1), Padding.Same, null, 2, Activation.Sigmoid, false, Initializer.HeUniform,
            Initializer.Ones, "c", [4, 4, 4, 2], new L2(0.5f), new L1(0.25f), new L1L2(0.1f, 0.2f), new MaxNorm(3f), new NonNeg()));
        yield return ("Conv3D/dilated", () => new Conv3D(2, (3, 3, 3), dilationRate: (1, 2, 1), name: "c"));
        yield return ("Conv1DTranspose/default", () => new Conv1DTranspose(3, 2, name: "c"));
        yield return ("Conv1DTranspose/all", () => new Conv1DTranspose(4, 3, 2, Padding.Same, 1, Activation.Relu, false, Initializer.HeNormal,
            Initializer.Ones, "c", [7, 2], new L2(0.5f), new L1(0.25f), new L1L2(0.1f, 0.2f), new MaxNorm(3f), new NonNeg()));
        yield return ("Conv1DTranspose/dilated", () => new Conv1DTranspose(2, 3, dilationRate: 2, name: "c"));
        yield return ("Conv2DTranspose/default", () => new Conv2DTranspose(3, 2, name: "c"));
        yield return ("Conv2DTranspose/all", () => new Conv2DTranspose(4, (3, 2), (2, 1), Padding.Same, Activation.Tanh, false, null,
            Initializer.LecunUniform, Initializer.Constant(0.5f), "c", [6, 5, 2], new L2(0.5f), new L1(0.25f), new L1L2(0.1f, 0.2f),
            new MaxNorm(3f), new NonNeg()));
        yield return ("Conv2DTranspose/dilated", () => new Conv2DTranspose(2, (3, 3), dilationRate: (2, 1), name: "c"));
        yield return ("Conv3DTranspose/default", () => new Conv3DTranspose(3, 2, name: "c"));
        yield return ("Conv3DTranspose/all", () => new Conv3DTranspose(4, (3, 2, 1), (2, 2, 1), Padding.Same, (1, 0, 0), null, Activation.Relu, false,
            Initializer.HeUniform, Initializer.Ones, "c", [4, 4, 4, 2], new L2(0.5f), new L1(0.25f), new L1L2(0.1f, 0.2f), new MaxNorm(3f), new NonNeg()));
        yield return ("Conv3DTranspose/dilated", () => new Conv3DTranspose(2, (3, 3, 3), dilationRate: (1, 2, 1), name: "c"));
        yield return ("DepthwiseConv1D/default", () => new DepthwiseConv1D(2, name: "c"));
        yield return ("DepthwiseConv1D/all", () => new DepthwiseConv1D(3, 2, Padding.Same, 3, 1, Activation.Relu, false, Initializer.HeNormal,
            Initializer.Ones, "c", [7, 2], new L2(0.5f), new L1(0.25f), new L1L2(0.1f, 0.2f), new MaxNorm(3f), new NonNeg()));
        yield return ("DepthwiseConv1D/dilated", () => new DepthwiseConv1D(3, dilationRate: 2, name: "c"));
        yield return ("DepthwiseConv2D/default", () => new DepthwiseConv2D((2, 2), name: "c"));
        yield return ("DepthwiseConv2D/all", () => new DepthwiseConv2D((3, 2), (2, 1), Padding.Same, 2, Activation.Tanh, false, null,
            Initializer.LecunUniform, Initializer.Constant(0.5f), "c", [6, 5, 2], new L2(0.5f), new L1(0.25f), new L1L2(0.1f, 0.2f),
            new MaxNorm(3f), new NonNeg()));
        yield return ("DepthwiseConv2D/dilated", () => new DepthwiseConv2D((3, 3), dilationRate: (2, 1), name: "c"));
        yield return ("SeparableConv1D/default", () => new SeparableConv1D(3, 2, name: "c"));
        yield return ("SeparableConv1D/all", () => new SeparableConv1D(4, 3, 2, Padding.Same, 1, 2, Activation.Relu, false, Initializer.HeNormal,
            Initializer.LecunNormal, Initializer.Ones, "c", [7, 2], new L2(0.5f), new L2(0.125f), new L1(0.25f), new L1L2(0.1f, 0.2f),
            new MaxNorm(3f), new UnitNorm(), new NonNeg()));
        yield return ("SeparableConv1D/dilated", () => new SeparableConv1D(2, 3, dilationRate: 2, name: "c"));
        yield return ("SeparableConv2D/default", () => new SeparableConv2D(3, 2, name: "c"));
        yield return ("SeparableConv2D/all", () => new SeparableConv2D(4, (3, 2), (2, 1), Padding.Same, 2, Activation.Tanh, false, null,
            Initializer.HeNormal, Initializer.LecunNormal, Initializer.Ones, "c", [6, 5, 2], new L2(0.5f), new L2(0.125f), new L1(0.25f),
            new L1L2(0.1f, 0.2f), new MaxNorm(3f), new UnitNorm(), new NonNeg()));
        yield return ("SeparableConv2D/dilated", () => new SeparableConv2D(2, (3, 3), dilationRate: (2, 1), name: "c"));
    }
}
