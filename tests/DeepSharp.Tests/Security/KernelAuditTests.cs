using System.Text.Json.Nodes;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Losses;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Optimizers;
using DeepSharp.Tensors;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Issue 11, the audit after finding 1: sizes, axes and indices a file or a user can set, at the
/// kernel entry points and the layers that feed them. Each case is refused with a typed exception
/// before any buffer is touched.
/// </summary>
public sealed class KernelAuditTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private DataFormatException LoadEdited(Model model, Action<JsonObject> edit)
    {
        string path = _folder.File(Guid.NewGuid().ToString("N") + ".safetensors");
        model.Save(path);
        File.WriteAllBytes(path, FuzzHarness.EditModelConfig(File.ReadAllBytes(path), edit));
        return Assert.Throws<DataFormatException>(() => Model.Load(path));
    }

    [Fact]
    public void EmbeddingTokenIdsOutOfRangeNameTheLayer()
    {
        var model = new Sequential(new Embedding(5, 2, inputShape: [3], name: "tokens"), new Flatten(), new Dense(1));
        foreach (var ids in new[] { new[] { 0, 5, 1 }, [-1, 0, 0], [int.MaxValue, 0, 0], [int.MinValue, 0, 0] })
        {
            var x = Tensor.FromArray(ids, 1, 3);
            var e = Assert.ThrowsAny<DeepSharpException>(() => model.Predict(x));
            Assert.Contains("'tokens'", e.Message);
            model.Compile(new Sgd(), new MeanSquaredError());
            Assert.ThrowsAny<DeepSharpException>(() => model.Fit(x, Tensor.Zeros(1, 1), verbose: 0));
        }
        // Float ids that are not whole numbers, or beyond int.
        foreach (float id in new[] { 0.5f, float.NaN, float.PositiveInfinity, 3e9f, -3e9f })
            Assert.ThrowsAny<DeepSharpException>(() => model.Predict(Tensor.FromArray([0f, id, 0f], 1, 3)));
    }

    [Fact]
    public void AnInt32InputFeedingAFloatLayerIsRefusedWhenTheGraphIsBuilt()
    {
        var ids = Model.Input([3], dtype: DType.Int32);
        var e = Assert.ThrowsAny<DeepSharpException>(() => new Dense(2, name: "dense").Call(ids));
        Assert.Contains("'dense'", e.Message);
        Assert.Contains("int32", e.Message);

        // The same graph from a file: its input declared int32.
        var x = Model.Input([3], name: "x");
        var model = new Functional([x], [new Dense(2).Call(x)]);
        var file = LoadEdited(model, config => FuzzHarness.LayerConfigIn(config, "x")["dtype"] = "int32");
        Assert.Contains("int32", file.Message);

        // Masks may be int32.
        var q = Model.Input([3, 4]);
        var mask = Model.Input([3, 3], dtype: DType.Int32);
        new MultiHeadAttention(2, 2).Call(q, q, attentionMask: mask);
    }

    [Fact]
    public void ReshapeTargetsWhoseProductOverflowsAreRefused()
    {
        // 20 · 5581 · 8681 · 49477 · 384773 = 2^64 + 4, which a long wraps to 4: it must not "fit" 4 inputs.
        int[] wrapsToFour = [20, 5581, 8681, 49477, 384773];
        Assert.Throws<ShapeMismatchException>(() => new Reshape(wrapsToFour).ComputeOutputShape(new Shape(4)));
        Assert.Throws<ShapeMismatchException>(() => new Reshape([-1, .. wrapsToFour]).ComputeOutputShape(new Shape(4)));
    }

    [Fact]
    public void RecurrentUnitsWhoseGateBlocksWrapAreRefused()
    {
        // 4 · 1073741825 = 2^32 + 4 would wrap to a 4-wide LSTM kernel.
        Assert.Throws<ArgumentOutOfRangeException>(() => new Lstm(1073741825));
        var model = new Sequential(new Lstm(2, inputShape: [3, 2], name: "lstm"), new Dense(1));
        var e = LoadEdited(model, config => FuzzHarness.LayerConfigIn(config, "lstm")["units"] = 1073741825);
        Assert.Contains("'lstm'", e.Message);
        Assert.Contains("units", e.Message);
    }

    [Fact]
    public void ShapesWithTooManyAxesAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Shape(new int[Shape.MaxRank + 1]));
        var model = new Sequential(new Dense(2, inputShape: [3]));
        var e = LoadEdited(model, config => config["config"]!["build_input_shape"] = new JsonArray([null, .. Enumerable.Range(0, 100_000).Select(_ => (JsonNode?)JsonValue.Create(1))]));
        Assert.Contains("build_input_shape", e.Message);
        e = LoadEdited(model, config => FuzzHarness.LayerConfigIn(config, "dense")["input_shape"] = new JsonArray([.. Enumerable.Range(0, 17).Select(_ => (JsonNode?)JsonValue.Create(1))]));
        Assert.Contains("input_shape", e.Message);
    }

    [Fact]
    public void PermuteRefusesWhatIsNotAPermutation()
    {
        var x = new float[6];
        var y = new float[6];
        Assert.Throws<ArgumentException>(() => PermuteKernel.Permute(x, [2, 3], [0, 0], y));
        Assert.Throws<ArgumentException>(() => PermuteKernel.Permute(x, [2, 3], [0, 2], y));
        Assert.Throws<ArgumentException>(() => PermuteKernel.Permute(x, [2, 3], [-1, 0], y));
        Assert.Throws<ArgumentException>(() => PermuteKernel.Permute(x, [-2, -3], [1, 0], y));
        Assert.Throws<ArgumentException>(() => PermuteKernel.Permute(x, new int[65], new int[65], y));
        PermuteKernel.Permute(x, [2, 3], [1, 0], y);
    }

    [Fact]
    public void ImageTransformLengthsAreCheckedIn64Bits()
    {
        // 65536 · 65536 · 1 · 1 = 2^32 wraps to 0 in an int.
        var g = new ImageTransformGeometry(1, 65536, 65536, 1, EdgeFill.Constant, 0f);
        Assert.Throws<ArgumentException>(() => ImageTransformKernel.Forward(new float[1], new float[6], new float[1], g));
    }

    [Fact]
    public unsafe void ScratchRefusesWhatNoArrayHolds()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = (nint)Scratch.Floats(Scratch.TileC, (long)int.MaxValue + 1); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = (nint)Scratch.Floats(Scratch.TileC, -1); });
    }
}
