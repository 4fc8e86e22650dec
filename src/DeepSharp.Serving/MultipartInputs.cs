using System.Text;
using System.Text.Json;

namespace DeepSharp.Serving;

/// <summary>
/// A multipart form to a model with several inputs: one part per input, named after it (a part may
/// repeat, adding samples in order), each in a form its input takes — a PNG image (one sample of an
/// image input), JSON (an array of samples, flat or nested, as in <c>{"inputs": {"name": [...]}}</c>)
/// or text (one sample of a sequence input when the model holds a text vectorizer). A part's
/// Content-Type says which (<c>image/png</c>, <c>application/json</c>, <c>text/plain</c>); without one
/// (or as <c>application/octet-stream</c>) the bytes say it: the PNG signature, a JSON array, else text.
/// Every input must end up with the same number of samples; they go to the batcher as packed rows.
/// </summary>
internal static class MultipartInputs
{
    private const int MaxDepth = 17;

    /// <summary>The most parts a form may hold: every input's samples, one part each.</summary>
    public static int MaxParts(ServedModel model, int maxInputs) => model.InputNames.Count * maxInputs;

    /// <summary>The samples of <paramref name="parts"/> as packed rows and their number; 400, 413 or 415 saying which part is wrong.</summary>
    public static (float[] Rows, int Count) Parse(IReadOnlyList<MultipartPart> parts, ServedModel model, int maxInputs)
    {
        int inputs = model.InputNames.Count;
        var samples = new List<float[]>[inputs];
        for (int i = 0; i < inputs; i++) samples[i] = [];
        foreach (var part in parts)
        {
            int index = IndexOf(model.InputNames, part.Name);
            if (index < 0)
                throw Bad(part.Name.Length == 0
                    ? $"{part.Describe()} has no field name; name each part after the input it holds: {Names(model)}"
                    : $"the model has no input '{MultipartPart.Shorten(part.Name)}'; name each part after the input it holds: {Names(model)}");
            var list = samples[index];
            switch (KindOf(part))
            {
                case Kind.Png:
                    if (model.ImageChannelsOf(index) == 0)
                        throw new BadRequestException(415, $"{part.Describe()} is a PNG image, but input '{part.Name}' takes values of shape {JsonInputs.Describe(model.InputShapes[index])}, not images; send it as JSON (application/json){(model.TakesText(index) ? " or text (text/plain)" : "")}");
                    var image = Room(list, model, index, maxInputs);
                    ImageInputs.Decode(part.Data.Span, model.InputShapes[index], image, $"{part.Describe()} (input '{part.Name}')");
                    break;
                case Kind.Text:
                    if (!model.TakesText(index))
                        throw new BadRequestException(415, $"{part.Describe()} is text, but input '{part.Name}' takes {(model.ImageChannelsOf(index) > 0 ? "PNG images or " : "")}values of shape {JsonInputs.Describe(model.InputShapes[index])}{(model.TextVectorizer is null ? " (the model file holds no text vectorizer)" : "")}; send it as JSON (application/json){(model.ImageChannelsOf(index) > 0 ? " or PNG (image/png)" : "")}");
                    string text = Text(part);
                    TextInputs.Vectorize(model.TextVectorizer!, text, Room(list, model, index, maxInputs));
                    break;
                default:
                    ReadJson(part, model, index, list, maxInputs);
                    break;
            }
        }
        var missing = model.InputNames.Where((_, i) => samples[i].Count == 0).ToArray();
        if (missing.Length > 0)
            throw Bad($"input{(missing.Length > 1 ? "s" : "")} {string.Join(", ", missing.Select(m => $"'{m}'"))} missing; the form needs one part (or more) per input: {Names(model)}");
        int count = samples[0].Count;
        for (int i = 1; i < inputs; i++)
            if (samples[i].Count != count)
                throw Bad($"input '{model.InputNames[i]}' has {samples[i].Count} sample{(samples[i].Count == 1 ? "" : "s")} and '{model.InputNames[0]}' {count}; every input needs one sample per sample of the others");
        var blocks = new float[inputs][];
        for (int i = 0; i < inputs; i++)
        {
            int size = model.InputShapes[i].Size;
            blocks[i] = new float[count * size];
            for (int n = 0; n < count; n++) samples[i][n].CopyTo(blocks[i], n * size);
        }
        var rows = new float[count * model.PackedInputSize];
        PackedRows.FromBlocks(blocks, model.InputShapes, count, rows);
        return (rows, count);
    }

    private enum Kind { Png, Json, Text }

    private static Kind KindOf(MultipartPart part)
    {
        switch (part.ContentType)
        {
            case "image/png": return Kind.Png;
            case "application/json": return Kind.Json;
            case "text/plain": return Kind.Text;
            case null or "application/octet-stream":
                var span = part.Data.Span;
                if (span.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])) return Kind.Png;
                return span.TrimStart(" \t\r\n"u8) is [(byte)'[', ..] ? Kind.Json : Kind.Text;
            default:
                throw new BadRequestException(415, $"{part.Describe()} has Content-Type '{part.ContentType}'; a part is image/png, application/json or text/plain");
        }
    }

    /// <summary>A new sample of input <paramref name="index"/>, added to <paramref name="list"/>; 413 past the limit.</summary>
    private static float[] Room(List<float[]> list, ServedModel model, int index, int maxInputs)
    {
        if (list.Count == maxInputs)
            throw new BadRequestException(413, $"input '{model.InputNames[index]}' has more than {maxInputs} samples; send at most {maxInputs} per request");
        TextInputs.CheckRoom(list.Count + 1, model.InputShapes[index].Size, $"samples of input '{model.InputNames[index]}'"); // a text part of 2 bytes is a whole sample
        var sample = new float[model.InputShapes[index].Size];
        list.Add(sample);
        return sample;
    }

    private static string Text(MultipartPart part)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(part.Data.Span);
        }
        catch (DecoderFallbackException)
        {
            throw Bad($"{part.Describe()} is not valid UTF-8 text");
        }
        if (text.Length > TextRequest.MaxTextLength)
            throw new BadRequestException(413, $"{part.Describe()} holds {text.Length} characters; a text is at most {TextRequest.MaxTextLength}");
        return text;
    }

    /// <summary>A JSON part: an array of samples of input <paramref name="index"/>, as the named-JSON form takes them.</summary>
    private static void ReadJson(MultipartPart part, ServedModel model, int index, List<float[]> list, int maxInputs)
    {
        var shape = model.InputShapes[index];
        var reader = new Utf8JsonReader(part.Data.Span, new JsonReaderOptions { MaxDepth = MaxDepth });
        string what = $"{part.Describe()} (input '{part.Name}')";
        (float[] Values, int Count) read;
        try
        {
            if (!reader.Read()) throw Bad($"{what} is empty; send an array of samples of shape {JsonInputs.Describe(shape)}");
            read = JsonInputs.ReadInputs(ref reader, shape, maxInputs, what);
            if (reader.Read()) throw Bad($"{what} holds more than one JSON value");
        }
        catch (JsonException e)
        {
            throw Bad($"{what} is not valid JSON: {JsonInputs.FirstLine(e.Message)}");
        }
        catch (InvalidOperationException e) // a string that is not valid Unicode once read (a lone surrogate "\ud800")
        {
            throw Bad($"{what} holds a string that is not valid Unicode: {JsonInputs.FirstLine(e.Message)}");
        }
        catch (BadRequestException e) when (!e.Message.StartsWith(what, StringComparison.Ordinal))
        {
            throw new BadRequestException(e.StatusCode, $"{what}: {e.Message}"); // "input 0, value 2: ..." of which part
        }
        if (list.Count + read.Count > maxInputs)
            throw new BadRequestException(413, $"input '{model.InputNames[index]}' has more than {maxInputs} samples; send at most {maxInputs} per request");
        int size = shape.Size;
        for (int n = 0; n < read.Count; n++) list.Add(read.Values.AsSpan(n * size, size).ToArray());
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++) if (names[i] == name) return i;
        return -1;
    }

    private static string Names(ServedModel model) => string.Join(", ", model.InputNames.Select((n, i) =>
        $"'{n}' ({(model.ImageChannelsOf(i) > 0 ? "PNG or " : "")}{(model.TakesText(i) ? "text or " : "")}JSON {JsonInputs.Describe(model.InputShapes[i])})"));

    private static BadRequestException Bad(string message) => new(400, message);
}
