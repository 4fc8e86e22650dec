using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Tensors;
using DeepSharp.Tests.Architecture;
using DeepSharp.Tests.Data;
using DeepSharp.Training;

namespace DeepSharp.Tests.Nn;

/// <summary>
/// The recurrent layers and cells against what main wrote before their shared settings were folded into one
/// helper (Nn/RecurrentMain, written by make_fixtures.cs beside it at b90cf96 from <see cref="RecurrentMainCases"/>):
/// every case's get_config, and model files (every recurrent layer and cell type) that load with their weights,
/// give the same bits and are written again byte for byte.
/// </summary>
[Collection(RecurrentMainFixtureTests.GlobalSeed)]
public sealed class RecurrentMainFixtureTests
{
    /// <summary>Its tests seed the global generator and build models from it: they run alone, after the parallel ones.</summary>
    public const string GlobalSeed = "recurrent fixtures (global seed)";

    private static string Fixture(string name) => Path.Combine(RepositoryRoot.Path, "tests", "DeepSharp.Tests", "Nn", "RecurrentMain", name);

    private static JsonObject Read(string name) => JsonNode.Parse(File.ReadAllText(Fixture(name)))!.AsObject();

    [Fact]
    public void EveryConfigEqualsMains()
    {
        var recorded = Read("configs.json");
        var cases = RecurrentMainCases.Layers().ToList();
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
    [InlineData("recurrent")]
    [InlineData("cells")]
    [InlineData("convlstm1d")]
    [InlineData("convlstm2d")]
    [InlineData("convlstm3d")]
    public void ModelFilesMainWroteLoadWithTheSamePredictions(string name)
    {
        using var folder = new TempFolder();
        var model = Model.Load(Fixture(name + ".safetensors"));
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

    [Theory]
    [InlineData("recurrent")]
    [InlineData("cells")]
    [InlineData("convlstm1d")]
    [InlineData("convlstm2d")]
    [InlineData("convlstm3d")]
    public void ModelsBuiltTodayFromTheSameSeedWriteMainsFiles(string name)
    {
        using var folder = new TempFolder();
        var (_, make, _) = RecurrentMainCases.Models().Single(m => m.Item1 == name);
        RandomGenerator.SetGlobalSeed(5);
        var model = make();
        string file = folder.File(name + ".safetensors");
        model.Save(file, includeOptimizer: false);
        Assert.Equal(File.ReadAllBytes(Fixture(name + ".safetensors")), File.ReadAllBytes(file));
    }

    private static int[] Ints(JsonNode node) => [.. node.AsArray().Select(v => v!.GetValue<int>())];

    private static float[] Floats(JsonNode node) => [.. node.AsArray().Select(v => BitConverter.Int32BitsToSingle(v!.GetValue<int>()))];
}

[CollectionDefinition(RecurrentMainFixtureTests.GlobalSeed, DisableParallelization = true)]
public sealed class RecurrentMainGlobalSeedCollection;
