using System.Text.Json;
using DeepSharp.Tensors;
using Microsoft.AspNetCore.Http;

namespace DeepSharp.Serving;

/// <summary>
/// Requests to a model with several inputs or outputs: <c>{"inputs": {"a": [a1, a2], "b": [b1, b2]}}</c>,
/// every input named once, each an array of the same number of entries (flat or nested to that input's
/// shape, as <see cref="JsonInputs"/> reads them); answered <c>{"outputs": {"y": [[...], [...]], "z": ...}}</c>
/// in the model's output order. The samples go to the batcher as packed rows (<see cref="PackedRows"/>),
/// so requests to such a model are batched as any others.
/// </summary>
internal static class MultiTensorInputs
{
    private const int MaxDepth = 17;

    /// <summary>The samples as packed rows (every input's values in input order, sample after sample) and their number; 400 or 413 saying what is wrong.</summary>
    public static (float[] Rows, int Count) Parse(ReadOnlySpan<byte> body, ServedModel model, int maxInputs)
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
                    values[index] = model.TakesText(index) && HoldsStrings(reader)
                        ? ReadTexts(ref reader, model, index, maxInputs)
                        : JsonInputs.ReadInputs(ref reader, model.InputShapes[index], maxInputs, $"input '{Shorten(name)}'");
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
        var rows = new float[count * model.PackedInputSize];
        PackedRows.FromBlocks([.. values.Select(v => v!.Value.Values)], model.InputShapes, count, rows);
        return (rows, count);
    }

    /// <summary>Writes <c>{"outputs": {"name": [[...], ...], ...}}</c>, each output's rows flat, from <paramref name="count"/> packed output rows.</summary>
    public static Task WriteResponse(HttpContext context, ServedModel model, float[] outputs, int count)
    {
        var (buffer, json) = ResponseBuffer.Get();
        json.WriteStartObject();
        json.WriteStartObject("outputs"u8);
        for (int o = 0; o < model.OutputShapes.Count; o++)
        {
            json.WriteStartArray(model.OutputNames[o]);
            int size = model.OutputShapes[o].Size;
            var values = new float[count * size];
            PackedRows.ToBlock(outputs.AsSpan(0, count * model.PackedOutputSize), model.OutputShapes, o, count, values);
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

    /// <summary>Whether the array the reader is on starts with a string (texts for a sequence input), looking ahead on a copy.</summary>
    private static bool HoldsStrings(Utf8JsonReader reader) => reader.TokenType == JsonTokenType.StartArray && reader.Read() && reader.TokenType == JsonTokenType.String;

    /// <summary>An array of texts for sequence input <paramref name="index"/>, each vectorized into one sample (the model file's vectorizer).</summary>
    private static (float[] Values, int Count) ReadTexts(ref Utf8JsonReader reader, ServedModel model, int index, int maxInputs)
    {
        int size = model.InputShapes[index].Size;
        var texts = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String)
                throw JsonInputs.Bad($"input '{model.InputNames[index]}', entry {texts.Count}: expected a text like the first entry, got {reader.TokenType}");
            if (texts.Count == maxInputs) throw new BadRequestException(413, $"more than {maxInputs} inputs in one request; send at most {maxInputs}");
            string text = reader.GetString()!;
            if (text.Length > TextRequest.MaxTextLength)
                throw new BadRequestException(413, $"input '{model.InputNames[index]}', entry {texts.Count} holds {text.Length} characters; a text is at most {TextRequest.MaxTextLength}");
            texts.Add(text);
        }
        TextInputs.CheckRoom(texts.Count, size, $"texts of input '{model.InputNames[index]}'");
        var values = new float[texts.Count * size];
        for (int i = 0; i < texts.Count; i++) TextInputs.Vectorize(model.TextVectorizer!, texts[i], values.AsSpan(i * size, size));
        return (values, texts.Count);
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
