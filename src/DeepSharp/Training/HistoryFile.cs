using System.Text.Json.Nodes;

namespace DeepSharp.Training;

/// <summary>A <see cref="History"/> as JSON: <c>{"epoch": [0, 1], "history": {"loss": [...], "accuracy": [...]}}</c>.</summary>
public static class HistoryFile
{
    /// <summary>The history as JSON text (a NaN value is written as null, which JSON can hold).</summary>
    public static string ToJson(this History history)
    {
        var epochs = new JsonArray();
        foreach (int e in history.Epochs) epochs.Add((JsonNode)e);
        var values = new JsonObject();
        foreach (var (name, list) in history.Values)
        {
            var array = new JsonArray();
            foreach (double v in list) array.Add(double.IsFinite(v) ? (JsonNode)v : null);
            values[name] = array;
        }
        var root = new JsonObject { ["epoch"] = epochs, ["history"] = values };
        return root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>Writes the history as JSON, atomically.</summary>
    public static void Save(this History history, string path) => AtomicFile.WriteAllText(path, history.ToJson());
}
