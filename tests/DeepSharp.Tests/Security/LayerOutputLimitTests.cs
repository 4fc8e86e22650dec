using DeepSharp.Nn.Layers;
using DeepSharp.Serialization;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Model files and architectures whose few bytes ask for huge activations or weights (docs/security.md,
/// "Layer outputs"): a 792-byte file holding a RepeatVector of 2^28 made one Predict allocate 8.6 GB in
/// 50 s, and <c>Model.FromJson</c> created whatever weights a short text asked for (a Dense layer of 2^30 units: 16 GB). Both are
/// refused before anything large is allocated, naming the layer and the limit.
/// </summary>
public sealed class LayerOutputLimitTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Saved(Model model)
    {
        string path = _folder.File(Guid.NewGuid().ToString("N")[..8] + ".safetensors");
        model.Save(path);
        return path;
    }

    [Fact]
    public void ARepeatVectorOfTwoToThe28IsRefusedWhenTheFileLoads()
    {
        string path = Saved(new Sequential(new Dense(4, inputShape: [4]), new RepeatVector(1 << 28, name: "huge")));
        Assert.True(new FileInfo(path).Length < 2048);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<DataFormatException>(() => Model.Load(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20);
        Assert.Contains("layer 'huge' outputs (268435456, 4)", ex.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(ModelConfig.MaxLayerOutputElements), ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AGraphLayerPastTheLimitIsRefusedToo()
    {
        var input = Model.Input([1, 1, 1], name: "pixel");
        var up = new UpSampling2D((1 << 14, 1 << 15), name: "blow-up").Call(input);
        string path = Saved(new Functional(input, up));
        var ex = Assert.Throws<DataFormatException>(() => Model.Load(path));
        Assert.Contains("layer 'blow-up'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOutputAtTheLimitStillLoads()
    {
        string path = Saved(new Sequential(new UpSampling2D((1 << 14, 1 << 14), inputShape: [1, 1, 1])));
        Assert.Equal([1 << 14, 1 << 14, 1], Model.Load(path).LayerOutputShapes()[^1].ToArray());
    }

    [Fact]
    public void FromJsonRefusesAnArchitectureOfMoreThanABillionWeights()
    {
        // Written by hand from a small model's JSON: building the real one would allocate the 4 GB itself.
        var config = System.Text.Json.Nodes.JsonNode.Parse(new Sequential(new Dense(3, inputShape: [4], name: "wide")).ToJson())!.AsObject();
        FuzzHarness.LayerConfigIn(config, "wide")["units"] = (1 << 28) + 1; // 4 × (2^28 + 1) weights: just over the budget
        string json = config.ToJsonString();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<DataFormatException>(() => Model.FromJson(json));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "the weights were allocated before the check");
        Assert.Contains("wide", ex.Message, StringComparison.Ordinal);
        var small = Model.FromJson(new Sequential(new Dense(3, inputShape: [4])).ToJson());
        Assert.Equal(15, small.Parameters.Sum(p => p.Value.Size));
    }
}
