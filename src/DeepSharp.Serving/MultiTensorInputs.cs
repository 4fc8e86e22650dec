using System.Text.Json;
using DeepSharp.Tensors;
using Microsoft.AspNetCore.Http;

namespace DeepSharp.Serving;

/// <summary>
/// Requests to a model with several inputs or outputs: <c>{"inputs": {"a": [a1, a2], "b": [b1, b2]}}</c>,
/// every input named once, each an array of the same number of entries (flat or nested to that input's
/// shape, as <see cref="JsonInputs"/> reads them); answered <c>{"outputs": {"y": [[...], [...]], "z": ...}}</c>
/// in the model's output order. Such a request runs as its own batch, on the thread pool (not through
/// the dynamic batcher).
/// </summary>
internal static class MultiTensorInputs
{
    private const int MaxDepth = 17;

    /// <summary>One tensor per model input, in input order, and the number of samples; 400 or 413 saying what is wrong.</summary>
    public static (Tensor[] Inputs, int Count) Parse(ReadOnlySpan<byte> body, ServedModel model, int maxInputs)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxDepth });
        var values = new (float[] Values, int Count)?[model.InputNames.Count];
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw JsonInputs.Bad(Expected(model));
            bool any = false;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                if (!reader.ValueTextEquals("inputs"u8)) throw JsonInputs.Bad($"unknown key '{Shorten(reader.GetString() ?? "")}'; {Expected(model)}");
                any = true;
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject) throw JsonInputs.Bad($"\"inputs\" must be an object keyed by input name; {Expected(model)}");
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    string name = reader.GetString() ?? "";
                    int index = IndexOf(model.InputNames, name);
                    if (index < 0) throw JsonInputs.Bad($"the model has no input '{Shorten(name)}'; its inputs are {string.Join(", ", model.InputNames)}");
                    if (values[index] is not null) throw JsonInputs.Bad($"input '{Shorten(name)}' is given twice");
                    reader.Read();
                    values[index] = JsonInputs.ReadInputs(ref reader, model.InputShapes[index], maxInputs, $"input '{Shorten(name)}'");
                }
            }
            if (reader.Read()) throw JsonInputs.Bad("the body holds more than one JSON value");
            if (!any) throw JsonInputs.Bad($"the body has no \"inputs\"; {Expected(model)}");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw JsonInputs.Bad($"the body is not valid JSON: {JsonInputs.FirstLine(e.Message)}");
        }
        var missing = model.InputNames.Where((_, i) => values[i] is null).ToArray();
        if (missing.Length > 0) throw JsonInputs.Bad($"input{(missing.Length > 1 ? "s" : "")} {string.Join(", ", missing.Select(m => $"'{m}'"))} missing; {Expected(model)}");
        int count = values[0]!.Value.Count;
        for (int i = 0; i < values.Length; i++)
            if (values[i]!.Value.Count != count)
                throw JsonInputs.Bad($"input '{model.InputNames[i]}' has {values[i]!.Value.Count} entries and '{model.InputNames[0]}' {count}; every input needs one entry per sample");
        if (count == 0) throw JsonInputs.Bad("the inputs are empty; give at least one sample");
        var tensors = new Tensor[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            var (data, n) = values[i]!.Value;
            int size = model.InputShapes[i].Size;
            tensors[i] = Tensor.Wrap(data.Length == n * size ? data : data[..(n * size)], model.InputShapes[i].WithBatch(n));
        }
        return (tensors, count);
    }

    /// <summary>Writes <c>{"outputs": {"name": [[...], ...], ...}}</c>, each output's rows flat.</summary>
    public static Task WriteResponse(HttpContext context, ServedModel model, Tensor[] outputs, int count)
    {
        var (buffer, json) = ResponseBuffer.Get();
        json.WriteStartObject();
        json.WriteStartObject("outputs"u8);
        for (int o = 0; o < outputs.Length; o++)
        {
            json.WriteStartArray(model.OutputNames[o]);
            var values = outputs[o].ToArray();
            int size = model.OutputShapes[o].Size;
            for (int i = 0; i < count; i++)
            {
                json.WriteStartArray();
                foreach (float v in values.AsSpan(i * size, size)) json.WriteNumberValue(v);
                json.WriteEndArray();
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();
        return ResponseBuffer.Send(context, buffer, "application/json");
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++) if (names[i] == name) return i;
        return -1;
    }

    private static string Expected(ServedModel model) =>
        "the body is {\"inputs\": {" + string.Join(", ", model.InputNames.Select((n, i) => $"\"{n}\": [{JsonInputs.Describe(model.InputShapes[i])}, ...]")) + "}}";

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
