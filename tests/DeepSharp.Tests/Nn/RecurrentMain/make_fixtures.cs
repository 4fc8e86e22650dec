// Writes the fixtures beside it from the build it references: every recurrent layer's and cell's get_config over
// many argument sets, and model files (every recurrent layer and cell type) with their predictions. Run from this
// folder with `dotnet run make_fixtures.cs`; the files checked in were written by main at b90cf96, before the
// recurrent layers and cells were folded onto shared options (RecurrentOptions).
#:project ../../../../src/DeepSharp/DeepSharp.csproj
#:property TreatWarningsAsErrors=false
#:include RecurrentMainCases.cs
using System.Text.Json.Nodes;
using DeepSharp.Tensors;
using DeepSharp.Tests.Nn;

var configs = new JsonObject();
foreach (var (key, make) in RecurrentMainCases.Layers()) configs[key] = make().GetConfig();
File.WriteAllText("configs.json", configs.ToJsonString(new() { WriteIndented = true }) + "\n");

var predictions = new JsonObject();
foreach (var (file, make, input) in RecurrentMainCases.Models())
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
