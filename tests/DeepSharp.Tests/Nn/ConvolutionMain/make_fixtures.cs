// Writes the fixtures beside it from the build it references: every convolution layer's get_config and three
// model files with their predictions. Run from this folder with `dotnet run make_fixtures.cs`; the files checked
// in were written by main at 7c099d2, before the convolution layers were folded onto a shared base.
#:project ../../../../src/DeepSharp/DeepSharp.csproj
#:property TreatWarningsAsErrors=false
using System.Globalization;
using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Layers;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;
using DeepSharp.Training;

var configs = new JsonObject();
foreach (var (key, make) in Layers()) configs[key] = make().GetConfig();
File.WriteAllText("configs.json", configs.ToJsonString(new() { WriteIndented = true }) + "\n");

var predictions = new JsonObject();
foreach (var (file, make, input) in Models())
{
    RandomGenerator.SetGlobalSeed(5);
    var model = make();
    var x = Tensor.RandomUniform(input, -1f, 1f, new RandomGenerator(9));
    model.Save(file + ".safetensors", includeOptimizer: false);
    var y = model.Predict(x);
    predictions[file] = new JsonObject
    {
        ["input_shape"] = new JsonArray([.. input.ToArray().Select(d => (JsonNode)d)]),
        ["input"] = Bits(x),
        ["output_shape"] = new JsonArray([.. y.Shape.ToArray().Select(d => (JsonNode)d)]),
        ["output"] = Bits(y),
    };
}
File.WriteAllText("predictions.json", predictions.ToJsonString(new() { WriteIndented = true }) + "\n");

static JsonArray Bits(Tensor t) => new([.. t.ToArray().Select(v => (JsonNode)BitConverter.SingleToInt32Bits(v))]);

static IEnumerable<(string, Func<Layer>)> Layers()
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

static IEnumerable<(string, Func<Model>, Shape)> Models()
{
    var bias = Initializer.RandomUniform(-0.5f, 0.5f);
    yield return ("sequence", () => new Sequential(
    [
        new Conv1D(3, 3, padding: Padding.Same, activation: Activation.Relu, biasInitializer: bias, name: "conv1d", inputShape: [9, 2]),
        new DepthwiseConv1D(2, depthMultiplier: 2, biasInitializer: bias, name: "depthwise1d"),
        new SeparableConv1D(4, 3, strides: 2, padding: Padding.Same, biasInitializer: bias, name: "separable1d"),
        new Conv1DTranspose(2, 3, strides: 2, activation: Activation.Tanh, biasInitializer: bias, name: "transpose1d"),
    ], name: "sequence"), new Shape(2, 9, 2));
    yield return ("image", () => new Sequential(
    [
        new Conv2D(3, (3, 2), padding: Padding.Same, activation: Activation.Relu, biasInitializer: bias, name: "conv2d", inputShape: [7, 6, 2]),
        new DepthwiseConv2D((2, 2), depthMultiplier: 2, biasInitializer: bias, name: "depthwise2d"),
        new SeparableConv2D(4, (3, 3), (2, 2), Padding.Same, biasInitializer: bias, name: "separable2d"),
        new Conv2DTranspose(2, (3, 2), (2, 2), activation: Activation.Tanh, biasInitializer: bias, name: "transpose2d"),
    ], name: "image"), new Shape(2, 7, 6, 2));
    yield return ("volume", () => new Sequential(
    [
        new Conv3D(4, (2, 3, 2), padding: Padding.Same, groups: 2, activation: Activation.Relu, biasInitializer: bias, name: "conv3d", inputShape: [4, 5, 4, 2]),
        new Conv3DTranspose(2, (3, 2, 2), (2, 1, 2), Padding.Same, (1, 0, 1), biasInitializer: bias, name: "transpose3d"),
    ], name: "volume"), new Shape(2, 4, 5, 4, 2));
}
