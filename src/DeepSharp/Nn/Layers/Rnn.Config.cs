using System.Text.Json.Nodes;

namespace DeepSharp.Nn.Layers;

public sealed partial class Rnn
{
    /// <summary>Keras's config: return_sequences, return_state, go_backwards, stateful, unroll, zero_output_for_mask, and the cell as {"class_name", "config"}.</summary>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        RecurrentOptions.WriteSequence(config, ReturnSequences, ReturnState, GoBackwards, Unroll, ZeroOutputForMask);
        config["cell"] = Wrapped(Cell);
        return config;
    }

    internal static Rnn FromConfig(LayerConfig c)
    {
        RecurrentOptions.RefuseStateful(c);
        var json = c.Json["cell"];
        if (json is JsonArray cells) StackedRnnCells.CheckCount(c, "cell", cells.Count);
        var cell = json is JsonArray list // Keras 2 configs may hold a list of cells
            ? new StackedRnnCells([.. list.Select((node, i) => UnwrapCell(c, node as JsonObject, $"cell[{i}]"))])
            : UnwrapCell(c, json as JsonObject, "cell");
        return new Rnn(cell, c.Bool("return_sequences", false), c.Bool("return_state", false), c.Bool("go_backwards", false), false,
            c.Bool("unroll", false), c.Bool("zero_output_for_mask", false), c.Name, c.Shape("input_shape"));
    }

    /// <summary>A cell as Keras serializes it inside another config: {"class_name": ..., "config": {...}}.</summary>
    internal static JsonObject Wrapped(RnnCell cell) =>
        new() { ["module"] = "keras.layers", ["class_name"] = cell.TypeName, ["config"] = cell.GetConfig() };

    /// <summary>
    /// The cell a config value holds as {"class_name", "config"}: a built-in cell, or one of your own
    /// that is registered or in an open <see cref="CustomObjects"/> scope.
    /// </summary>
    internal static RnnCell UnwrapCell(LayerConfig c, JsonObject? wrapped, string key)
    {
        if (wrapped is null) throw c.Error(key, "is missing or not an object {\"class_name\", \"config\"}");
        var inner = new LayerConfig(wrapped, c.Type + "/" + key, $"{(c.Name is null ? $"Layer type {c.Type}" : $"Layer '{c.Name}' ({c.Type})")}, {key}");
        string type = inner.OptionalString("class_name") ?? throw c.Error(key, "lacks 'class_name'");
        var config = inner.Json["config"] as JsonObject ?? throw c.Error(key, $"(a {TerminalText.Escape(type)}) lacks 'config' or it is not an object");
        Layer made;
        try
        {
            made = LayerRegistry.Create(type, (JsonObject)config.DeepClone());
        }
        catch (DeepSharpException e) // name the RNN (or stack) holding the cell: a cell's config rarely names the cell
        {
            throw new DeepSharpException(c.Error(key, $"(a {TerminalText.Escape(type)}) is invalid: {e.Message.TrimEnd('.')}").Message, e);
        }
        return made as RnnCell
            ?? throw c.Error(key, $"must be an RNN cell (SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells or a registered cell deriving from RnnCell), got {type}");
    }
}
