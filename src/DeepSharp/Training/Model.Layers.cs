using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Serialization;

namespace DeepSharp.Training;

public partial class Model
{
    /// <summary>The top-level layer named <paramref name="name"/> (Keras's <c>model.get_layer(name)</c>).</summary>
    /// <exception cref="ArgumentException">No layer has that name; the message lists the names.</exception>
    public Layer GetLayer(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var layer in Layers)
            if (layer.Name == name) return layer;
        throw new ArgumentException($"Model '{Name}' has no layer named '{TerminalText.Escape(name)}'; its layers: {string.Join(", ", Layers.Select(l => l.Name))}.", nameof(name));
    }

    /// <summary>The top-level layer at <paramref name="index"/>, in the order of <see cref="Layers"/> (Keras's <c>get_layer(index=...)</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside 0 to Layers.Count − 1.</exception>
    public Layer GetLayer(int index) =>
        index >= 0 && index < Layers.Count ? Layers[index]
        : throw new ArgumentOutOfRangeException(nameof(index), index, $"Model '{Name}' has {Layers.Count} layers.");

    /// <summary>
    /// The architecture as JSON text (Keras's <c>model.to_json()</c>): what <see cref="Save"/> writes
    /// in the file's metadata, without the weights. <see cref="FromJson"/> rebuilds it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model is a subclassed model (its architecture is code), or a Sequential model without layers.</exception>
    public string ToJson()
    {
        if (IsSubclassed) throw SubclassedArchitecture("has no JSON architecture");
        if (this is Sequential && Layers.Count == 0) throw new InvalidOperationException($"Model '{Name}' has no layers.");
        return ArchitectureJson().ToJsonString();
    }

    /// <summary>
    /// A new model with fresh weights from the architecture <see cref="ToJson"/> wrote (Keras's
    /// <c>model_from_json</c>); the same checked reader as <see cref="Load(string)"/>, creating only
    /// built-in, registered or <paramref name="customObjects"/> types.
    /// </summary>
    /// <exception cref="DataFormatException">The text is not a model architecture DeepSharp can build.</exception>
    public static Model FromJson(string json, CustomObjects? customObjects = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var scope = customObjects?.Scope();
        const string source = "JSON";
        var (className, config) = ModelConfig.ReadTop(json, source);
        try
        {
            using var budget = new WeightBudget(ModelConfig.MaxFreshWeights); // fresh weights: the text bounds nothing
            Model model = className switch
            {
                "Sequential" => BuildSequential(ModelConfig.Parse(className, config, source), source),
                "Functional" => Functional.FromConfig(config),
                _ => throw new DataFormatException($"Model JSON: model class '{TerminalText.Escape(className)}' is unknown; known: Sequential, Functional."),
            };
            if (model.IsBuilt) CheckOutputSizes(model, "Model JSON");
            return model;
        }
        catch (DeepSharpException e) when (e is not DataFormatException)
        {
            throw new DataFormatException($"Model JSON: the model config does not build ({e.Message})", e);
        }
        catch (Exception e) when (ModelConfig.IsConfigError(e))
        {
            throw new DataFormatException($"Model JSON: the model config does not build ({e.Message})", e);
        }
    }
}
