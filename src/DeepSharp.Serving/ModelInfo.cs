using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Serving;

/// <summary>GET /v1/model: what a client needs to call /v1/predict (shapes, labels, limits) and the model's summary.</summary>
internal static class ModelInfo
{
    public static JsonObject Of(ServedModel model, ServingOptions options)
    {
        var layers = new JsonArray();
        foreach (var layer in model.Model.Layers)
            layers.Add(new JsonObject { ["name"] = layer.Name, ["type"] = layer.TypeName, ["parameters"] = layer.ParameterCount });
        return new JsonObject
        {
            ["name"] = model.Name,
            ["inputs"] = new JsonArray([.. model.InputNames.Select((n, i) => (JsonNode)new JsonObject { ["name"] = n, ["shape"] = BatchShape(model.InputShapes[i]), ["kind"] = model.TakesText(i) ? "text" : model.ImageChannelsOf(i) > 0 ? "image" : "tensor" })]),
            ["outputs"] = new JsonArray([.. model.OutputNames.Select((n, i) => (JsonNode)new JsonObject { ["name"] = n, ["shape"] = BatchShape(model.OutputShapes[i]) })]),
            ["input_shape"] = BatchShape(model.InputShape),
            ["output_shape"] = BatchShape(model.OutputShape),
            ["input_kind"] = model.IsMultiTensor ? "tensors" : model.TextKind != TextKind.None ? "text" : model.ImageChannels > 0 ? "image" : "tensor",
            ["text"] = model.TextVectorizer is { } vectorizer && model.TextKind != TextKind.None ? new JsonObject
            {
                ["task"] = model.TextKind == TextKind.Generator ? "generate" : "classify",
                ["vocabulary_size"] = vectorizer.VocabularySize,
                ["output_mode"] = vectorizer.OutputMode,
                ["sequence_length"] = model.InputShape[0],
                ["split"] = vectorizer.SplitMode == DeepSharp.Text.Split.Character ? "character" : "whitespace",
                ["tokenizer"] = vectorizer.Tokenizer switch
                {
                    DeepSharp.Text.WordPieceTokenizer => "wordpiece",
                    DeepSharp.Text.BpeTokenizer bpe => "bpe:" + bpe.Name,
                    _ => null,
                },
                ["max_text_length"] = TextRequest.MaxTextLength,
                ["max_temperature"] = TextRequest.MaxTemperature,
            } : null,
            ["classes"] = model.ClassCount,
            ["labels"] = model.Labels is { } labels ? new JsonArray([.. labels.Select(l => JsonValue.Create(l))]) : null,
            ["outputs_are_probabilities"] = model.OutputsProbabilities,
            ["parameters"] = model.Model.Layers.Sum(l => l.ParameterCount),
            ["layers"] = layers,
            ["summary"] = model.Summary,
            ["limits"] = new JsonObject
            {
                ["max_body_bytes"] = options.MaxBodyBytes,
                ["max_inputs_per_request"] = options.MaxInputsPerRequest,
                ["max_batch_size"] = options.MaxBatchSize,
                ["max_wait_ms"] = options.MaxWait.TotalMilliseconds,
            },
        };
    }

    /// <summary>Keras's way: [null, 28, 28, 1].</summary>
    private static JsonArray BatchShape(Shape shape)
    {
        var array = new JsonArray { null };
        foreach (int d in shape.ToArray()) array.Add(d);
        return array;
    }
}
