using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tests.Data;
using DeepSharp.Training;
using Xunit.Abstractions;

namespace DeepSharp.Tests.Security;

/// <summary>
/// Hostile RNN configs (session 18's audit of Keras's RNN and its cells): cells nested in StackedRNNCells nested
/// in an RNN, as deep and as wide as a config can make them, and cells of the wrong kind. Each must load or be a
/// DeepSharpException naming the layer and the key, within the limits of docs/security.md; never a stack
/// overflow or a load that grows faster than the config.
/// </summary>
public sealed class NestedCellConfigTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static JsonObject Wrapped(string type, JsonObject config) => new() { ["class_name"] = type, ["config"] = config };

    /// <summary>An LSTMCell inside <paramref name="depth"/> StackedRNNCells, each holding the next.</summary>
    private static JsonObject NestedStacks(int depth)
    {
        var cell = Wrapped("LSTMCell", new JsonObject { ["units"] = 2 });
        for (int i = 0; i < depth; i++) cell = Wrapped("StackedRNNCells", new JsonObject { ["cells"] = new JsonArray(cell) });
        return cell;
    }

    /// <summary>A small RNN model's file with the second RNN's "cell" replaced by <paramref name="cell"/>.</summary>
    private string FileWithCell(JsonNode cell)
    {
        var model = new Sequential(new Rnn(new GruCell(3), returnSequences: true, inputShape: [4, 3]), new Rnn(new LstmCell(2), name: "outer"), new Dense(2));
        string path = _folder.File(Guid.NewGuid().ToString("N")[..8] + ".safetensors");
        model.Save(path);
        File.WriteAllBytes(path, FuzzHarness.EditModelConfig(File.ReadAllBytes(path), config => FuzzHarness.LayerConfigIn(config, "outer")["cell"] = cell));
        return path;
    }

    [Fact]
    public void ADeepNestingBuiltInMemoryIsRefusedNotAStackOverflow()
    {
        // 100,000 StackedRNNCells, each holding the next: the readers clone and walk nested configs recursively.
        var config = (JsonObject)NestedStacks(100_000)["config"]!;
        var e = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("StackedRNNCells", config));
        Assert.Contains("StackedRNNCells", e.Message);
        Assert.Contains(nameof(LayerRegistry.MaxConfigDepth), e.Message);

        // A factory of your own that makes its inner layer through the registry again and again is stopped too.
        var custom = new CustomObjects().AddLayer("Matryoshka", c => LayerRegistry.Create("Matryoshka", new JsonObject()));
        using (custom.Scope())
        {
            var nested = Assert.Throws<DeepSharpException>(() => LayerRegistry.Create("Matryoshka", new JsonObject()));
            Assert.Contains(nameof(LayerRegistry.MaxNesting), nested.Message);
            Assert.Contains("Matryoshka", nested.Message);
        }
    }

    [Fact]
    public void NestedStacksLoadWithinTheJsonDepthAndAreRefusedBeyondIt()
    {
        static string WithCell(JsonNode cell)
        {
            var config = JsonNode.Parse(new Sequential(new Rnn(new LstmCell(2), name: "outer", inputShape: [4, 3])).ToJson())!.AsObject();
            FuzzHarness.LayerConfigIn(config, "outer")["cell"] = cell;
            return config.ToJsonString();
        }

        var loaded = Model.FromJson(WithCell(NestedStacks(4)));
        Assert.Equal(4, ((Rnn)loaded.Layers[0]).Cell.SelfAndSublayers().Count(c => c is StackedRnnCells));
        Assert.Equal(new DeepSharp.Tensors.Shape(1, 2), loaded.Predict(DeepSharp.Tensors.Tensor.Zeros(1, 4, 3)).Shape);

        var e = Assert.Throws<DataFormatException>(() => Model.FromJson(WithCell(NestedStacks(40))));
        Assert.Contains("depth", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("""{"class_name": "Dense", "config": {"units": 2}}""", "Dense")]
    [InlineData("""{"class_name": "LSTM", "config": {"units": 2}}""", "LSTM")]
    [InlineData("""{"class_name": "RNN", "config": {"cell": {"class_name": "LSTMCell", "config": {"units": 2}}}}""", "RNN")]
    [InlineData("""{"class_name": "Evil", "config": {}}""", "Evil")]
    [InlineData("\"LSTMCell\"", "cell")]
    [InlineData("3", "cell")]
    [InlineData("""{"class_name": "LSTMCell"}""", "config")]
    [InlineData("""{"class_name": "LSTMCell", "config": "units"}""", "config")]
    [InlineData("""{"class_name": "StackedRNNCells", "config": {"cells": []}}""", "cells")]
    [InlineData("""{"class_name": "StackedRNNCells", "config": {"cells": 3}}""", "cells")]
    [InlineData("""{"class_name": "StackedRNNCells", "config": {"cells": [{"class_name": "GRUCell", "config": {"units": 2}}, null]}}""", "cells[1]")]
    [InlineData("[]", "cell")]
    [InlineData("""{"class_name": "LSTMCell", "config": {"units": 0}}""", "units")]
    [InlineData("""{"class_name": "GRUCell", "config": {"units": 2147483647}}""", "units")]
    [InlineData("""{"class_name": "LSTMCell", "config": {"units": 2, "recurrent_dropout": 1}}""", "recurrent_dropout")]
    [InlineData("""{"class_name": "SimpleRNNCell", "config": {"units": 2, "activation": {"class_name": "relu"}}}""", "activation")]
    [InlineData("""{"class_name": "GRUCell", "config": {"units": 2, "kernel_regularizer": {"class_name": "L2", "config": {"l2": "NaN"}}}}""", "kernel_regularizer")]
    public void CellsOfTheWrongKindOrWithBadSettingsAreRefusedByName(string cell, string named)
    {
        var e = Assert.Throws<DataFormatException>(() => Model.Load(FileWithCell(JsonNode.Parse(cell)!)));
        output.WriteLine(e.Message);
        Assert.Contains("'outer'", e.Message);
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void TwentyThousandUnnamedCellsAreNamedInLinearTime()
    {
        // Each unnamed cell searched "simple_rnn_cell", "simple_rnn_cell_1", … from the start: 2·10⁸ names for 20,000 cells.
        var cells = new RnnCell[20_000];
        for (int i = 0; i < cells.Length; i++) cells[i] = new SimpleRnnCell(1);
        double start = ThreadCpuTime.Now();
        var stack = new StackedRnnCells(cells);
        double seconds = ThreadCpuTime.Now() - start;
        output.WriteLine($"20,000 cells named in {seconds * 1000:F0} ms of CPU");
        Assert.Equal("simple_rnn_cell", stack.Cells[0].Name);
        Assert.Equal("simple_rnn_cell_19999", stack.Cells[^1].Name);
        Assert.True(seconds < 2, $"{seconds:F1}s of CPU");

        // Explicit names are kept and skipped by the unnamed ones.
        var mixed = new StackedRnnCells([new LstmCell(1), new LstmCell(1, name: "lstm_cell_1"), new LstmCell(1), new LstmCell(1, name: "lstm_cell")]);
        Assert.Equal(["lstm_cell_2", "lstm_cell_1", "lstm_cell_3", "lstm_cell"], mixed.Cells.Select(c => c.Name));
    }

    [Fact]
    public void AStackOfMoreThanMaxCellsIsRefusedBeforeAnyCellIsMade()
    {
        var many = new JsonArray([.. Enumerable.Range(0, StackedRnnCells.MaxCells + 1).Select(_ => (JsonNode)Wrapped("SimpleRNNCell", new JsonObject { ["units"] = 1 }))]);
        var e = Assert.Throws<DataFormatException>(() => Model.Load(FileWithCell(Wrapped("StackedRNNCells", new JsonObject { ["cells"] = many }))));
        Assert.Contains(nameof(StackedRnnCells.MaxCells), e.Message);
        Assert.Contains($"{StackedRnnCells.MaxCells + 1} cells", e.Message);
        var list = Assert.Throws<DataFormatException>(() => Model.Load(FileWithCell(many.DeepClone()))); // Keras 2's list of cells
        Assert.Contains("'outer'", list.Message);
        Assert.Contains(nameof(StackedRnnCells.MaxCells), list.Message);
    }
}
