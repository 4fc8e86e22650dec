using System.Text.Json;
using DeepSharp.Tensors;
using Microsoft.AspNetCore.Http;

namespace DeepSharp.Serving;

/// <summary>
/// Requests to a model with several inputs or outputs: <c>{"inputs": {"a": [a1, a2], "b": [b1, b2]}}</c>,
/// every input named once, each an array of the same number of entries (flat or nested to that input's
/// shape, as <see cref="JsonInputs"/> reads them); answered <c>{"outputs": {"y": [[...], [...]], "z": ...}}</c>
/// in the model's output order. The samples go to the batcher as packed rows (<see cref="PackedRows"/>),
/// so requests to such a model are batched as any others. TF Serving's row format,
/// <c>{"instances": [{"a": a1, "b": b1}, {"a": a2, "b": b2}]}</c> (one object per sample, every input named in each;
/// a text input takes a string), is read too and answered as TF Serving does: <c>{"predictions": [...]}</c>, one
/// entry per sample (its output's values for a model with one output, an object by output name otherwise).
/// </summary>
internal static class MultiTensorInputs
{
    private const int MaxDepth = 17;

    /// <summary>The samples as packed rows (every input's values in input order, sample after sample) and their number; 400 or 413 saying what is wrong.</summary>
    public static (float[] Rows, int Count) Parse(ReadOnlySpan<byte> body, ServedModel model, int maxInputs) => Parse(body, model, maxInputs, out _);

    /// <summary>As <see cref="Parse(ReadOnlySpan{byte}, ServedModel, int)"/>; <paramref name="instances"/> tells whether the body used TF Serving's "instances".</summary>
    public static (float[] Rows, int Count) Parse(ReadOnlySpan<byte> body, ServedModel model, int maxInputs, out bool instances)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxDepth });
        var values = new (float[] Values, int Count)?[model.InputNames.Count];
        instances = false;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw JsonInputs.Bad(Expected(model));
            bool any = false;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                if (reader.ValueTextEquals("signature_name"u8)) // TF Serving's; a served model has one signature
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String) throw JsonInputs.Bad("\"signature_name\" must be a string");
                    continue;
                }
                bool byRow = reader.ValueTextEquals("instances"u8);
                if (!byRow && !reader.ValueTextEquals("inputs"u8)) throw JsonInputs.Bad($"unknown key '{Shorten(reader.GetString() ?? "")}'; {Expected(model)}");
                if (any) throw JsonInputs.Bad("the body gives its inputs twice; give one of \"inputs\" and \"instances\"");
                any = true;
                reader.Read();
                if (byRow)
                {
                    instances = true;
                    ReadInstances(ref reader, model, maxInputs, values);
                    continue;
                }
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

    /// <summary>
    /// TF Serving's rows, the reader on their StartArray: one object per sample naming every input once (an array of that
    /// input's shape, flat or nested, or a string for a text input), into <paramref name="values"/>, one block per input.
    /// </summary>
    private static void ReadInstances(ref Utf8JsonReader reader, ServedModel model, int maxInputs, (float[] Values, int Count)?[] values)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw JsonInputs.Bad("\"instances\" must be an array with one object per sample");
        int inputs = model.InputNames.Count, count = 0;
        var blocks = new float[inputs][];
        for (int i = 0; i < inputs; i++) blocks[i] = new float[model.InputShapes[i].Size];
        var seen = new bool[inputs];
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (count == maxInputs) throw new BadRequestException(413, $"more than {maxInputs} inputs in one request; send at most {maxInputs}");
            if (reader.TokenType != JsonTokenType.StartObject)
                throw JsonInputs.Bad($"instance {count} is not an object; each instance names every input: {Instance(model)}");
            Array.Clear(seen);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                string name = reader.GetString() ?? "";
                int index = IndexOf(model.InputNames, name);
                if (index < 0) throw JsonInputs.Bad($"instance {count}: the model has no input '{Shorten(name)}'; its inputs are {string.Join(", ", model.InputNames)}");
                if (seen[index]) throw JsonInputs.Bad($"instance {count}: input '{Shorten(name)}' is given twice");
                seen[index] = true;
                int size = model.InputShapes[index].Size;
                if ((long)(count + 1) * size > blocks[index].Length)
                    Array.Resize(ref blocks[index], (int)Math.Min((long)maxInputs * size, (long)blocks[index].Length * 2));
                var target = blocks[index].AsSpan(count * size, size);
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && model.TakesText(index))
                {
                    string text = reader.GetString()!;
                    if (text.Length > TextRequest.MaxTextLength)
                        throw new BadRequestException(413, $"instance {count}, input '{model.InputNames[index]}' holds {text.Length} characters; a text is at most {TextRequest.MaxTextLength}");
                    TextInputs.Vectorize(model.TextVectorizer!, text, target);
                }
                else JsonInputs.ReadInput(ref reader, model.InputShapes[index], target, count);
            }
            int missing = Array.IndexOf(seen, false);
            if (missing >= 0) throw JsonInputs.Bad($"instance {count} lacks input '{model.InputNames[missing]}'; each instance names every input: {Instance(model)}");
            count++;
        }
        for (int i = 0; i < inputs; i++) values[i] = (blocks[i], count);
    }

    /// <summary>Writes TF Serving's answer to "instances": <c>{"predictions": [...]}</c>, per sample its output's values, or an object by output name for several outputs.</summary>
    public static Task WriteTfServingResponse(HttpContext context, ServedModel model, float[] outputs, int count)
    {
        var (buffer, json) = ResponseBuffer.Get();
        int outputCount = model.OutputShapes.Count;
        var blocks = new float[outputCount][];
        for (int o = 0; o < outputCount; o++)
        {
            blocks[o] = new float[count * model.OutputShapes[o].Size];
            PackedRows.ToBlock(outputs.AsSpan(0, count * model.PackedOutputSize), model.OutputShapes, o, count, blocks[o]);
        }
        json.WriteStartObject();
        json.WriteStartArray("predictions"u8);
        for (int i = 0; i < count; i++)
        {
            if (outputCount > 1) json.WriteStartObject();
            for (int o = 0; o < outputCount; o++)
            {
                int size = model.OutputShapes[o].Size;
                if (outputCount > 1) json.WriteStartArray(model.OutputNames[o]);
                else json.WriteStartArray();
                foreach (float v in blocks[o].AsSpan(i * size, size)) json.WriteNumberValue(v);
                json.WriteEndArray();
            }
            if (outputCount > 1) json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        return ResponseBuffer.Send(context, buffer, "application/json");
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

    private static string Instance(ServedModel model) =>
        "{" + string.Join(", ", model.InputNames.Select((n, i) => $"\"{n}\": {JsonInputs.Describe(model.InputShapes[i])}")) + "}";

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
