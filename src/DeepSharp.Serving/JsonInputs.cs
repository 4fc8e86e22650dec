using System.Text.Json;
using DeepSharp.Tensors;

namespace DeepSharp.Serving;

/// <summary>
/// Reads a predict request's JSON body, <c>{"inputs": [x1, x2, ...]}</c>, into one float buffer of
/// (count, input shape). Each input is either nested arrays of exactly the model's per-sample shape
/// (<c>[[0.1, ...], ...]</c> for (28, 28)) or one flat array of all its values in row-major order.
/// Every value must be a finite number that fits float32: NaN and Infinity (which JSON cannot write)
/// and numbers beyond float32's range are refused, as are unknown keys. TF Serving's row format,
/// <c>{"instances": [x1, x2, ...]}</c> (with an optional <c>"signature_name"</c>, which is ignored), is read the
/// same way; the caller answers it as TF Serving does, <c>{"predictions": [...]}</c>.
/// </summary>
internal static class JsonInputs
{
    private const int MaxDepth = 16;

    /// <summary>The inputs of <paramref name="body"/>; throws <see cref="BadRequestException"/> (400) saying what is wrong and where.</summary>
    public static (float[] Values, int Count) Parse(ReadOnlySpan<byte> body, ServedModel model, int maxInputs) =>
        Parse(body, model, maxInputs, out _);

    /// <summary>As <see cref="Parse(ReadOnlySpan{byte}, ServedModel, int)"/>; <paramref name="instances"/> tells whether the body used TF Serving's "instances".</summary>
    public static (float[] Values, int Count) Parse(ReadOnlySpan<byte> body, ServedModel model, int maxInputs, out bool instances)
    {
        instances = false;
        if (FlatJsonInputs.TryParse(body, model.InputSize, maxInputs, out var flat)) return flat; // the usual body, in one pass
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw Bad("the body must be a JSON object {\"inputs\": [...]}");
            (float[] Values, int Count)? inputs = null;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                if (reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("texts"u8))
                    throw Bad("this model does not take text (its model file holds no text vectorizer); send {\"inputs\": [...]}");
                if (reader.ValueTextEquals("signature_name"u8)) // TF Serving's; a served model has one signature
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String) throw Bad("\"signature_name\" must be a string");
                    continue;
                }
                bool rows = reader.ValueTextEquals("instances"u8);
                if (!rows && !reader.ValueTextEquals("inputs"u8))
                    throw Bad($"unknown key '{Shorten(reader.GetString() ?? "")}'; the body is {{\"inputs\": [...]}} (or TF Serving's {{\"instances\": [...]}})");
                if (inputs is not null) throw Bad("the body gives its inputs twice; give one of \"inputs\" and \"instances\"");
                instances = rows;
                reader.Read();
                inputs = ReadInputs(ref reader, model.InputShape, maxInputs, rows ? "\"instances\"" : "\"inputs\"", rows ? model.InputNames[0] : null);
            }
            if (reader.Read()) throw Bad("the body holds more than one JSON value");
            if (inputs is not { } result) throw Bad("the body has no \"inputs\"");
            if (result.Count == 0) throw Bad($"\"{(instances ? "instances" : "inputs")}\" is empty; give at least one input");
            return result;
        }
        catch (JsonException e)
        {
            throw Bad($"the body is not valid JSON: {FirstLine(e.Message)}");
        }
        catch (InvalidOperationException e) // a string that is not valid Unicode once read (a lone surrogate "\ud800"), in a key or a value
        {
            throw Bad($"the body holds a string that is not valid Unicode: {FirstLine(e.Message)}");
        }
    }

    /// <summary>
    /// An array of inputs of <paramref name="shape"/> (each flat or nested), the reader on its StartArray; <paramref name="what"/>
    /// names it in errors. With <paramref name="inputName"/> (TF Serving's "instances" for a one-input model) an entry may also
    /// be an object naming that input, <c>{"input": [...]}</c>, as TF Serving takes a row by input name.
    /// </summary>
    internal static (float[] Values, int Count) ReadInputs(ref Utf8JsonReader reader, Shape shape, int maxInputs, string what, string? inputName = null)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw Bad($"{what} must be an array with one entry per input");
        int size = shape.Size;
        var values = new float[size]; // one input, as most requests hold; doubled as more come
        int count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (count == maxInputs) throw new BadRequestException(413, $"more than {maxInputs} inputs in one request; send at most {maxInputs}");
            if ((long)(count + 1) * size > values.Length) Array.Resize(ref values, (int)Math.Min((long)maxInputs * size, (long)values.Length * 2));
            if (inputName is not null && reader.TokenType == JsonTokenType.StartObject) ReadNamedInput(ref reader, shape, values.AsSpan(count * size, size), count, inputName);
            else ReadInput(ref reader, shape, values.AsSpan(count * size, size), count);
            count++;
        }
        return (values, count);
    }

    /// <summary>A TF Serving row given as an object, <c>{"name": input}</c>, the reader on its StartObject: the one key must be the model's input name.</summary>
    private static void ReadNamedInput(ref Utf8JsonReader reader, Shape shape, Span<float> target, int index, string inputName)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName)
            throw Bad($"instance {index} is an empty object; name the model's input: {{\"{inputName}\": [...]}}");
        string key = reader.GetString() ?? "";
        if (key != inputName) throw Bad($"instance {index} names input '{Shorten(key)}'; the model's one input is '{inputName}'");
        reader.Read();
        ReadInput(ref reader, shape, target, index);
        if (!reader.Read() || reader.TokenType != JsonTokenType.EndObject)
            throw Bad($"instance {index} names more than one input; the model has one, '{inputName}'");
    }

    /// <summary>One input, flat or nested to the model's shape, into <paramref name="target"/>.</summary>
    internal static void ReadInput(ref Utf8JsonReader reader, Shape shape, Span<float> target, int index)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw Bad($"input {index} is not an array; each input is an array of shape {Describe(shape)} or a flat array of {target.Length} numbers");
        int written = 0;
        if (!reader.Read()) throw Bad($"input {index} ends early");
        if (reader.TokenType != JsonTokenType.StartArray || shape.Rank == 1)
        {
            // Flat: every value of the input in row-major order.
            while (reader.TokenType != JsonTokenType.EndArray)
            {
                if (written == target.Length) throw Bad($"input {index} has more than {target.Length} values; the model takes inputs of shape {Describe(shape)}");
                target[written++] = Number(ref reader, index, written - 1);
                reader.Read();
            }
        }
        else
        {
            ReadNested(ref reader, shape, 0, target, ref written, index);
            reader.Read();
            if (reader.TokenType != JsonTokenType.EndArray)
                throw Bad($"input {index} has more than {shape[0]} rows; the model takes inputs of shape {Describe(shape)}");
        }
        if (written != target.Length)
            throw Bad($"input {index} has {written} values; the model takes inputs of shape {Describe(shape)} ({target.Length} values)");
    }

    /// <summary>
    /// The contents of the array at axis <paramref name="axis"/> + 1 whose first element the reader is on;
    /// checks every length against the shape. Ends on the EndArray of the axis-0 array's last element.
    /// </summary>
    private static void ReadNested(ref Utf8JsonReader reader, Shape shape, int axis, Span<float> target, ref int written, int index)
    {
        // The reader is on the first element of an array at depth `axis` (which holds shape[axis] elements).
        for (int i = 0; i < shape[axis]; i++)
        {
            if (i > 0 && !reader.Read()) throw Bad($"input {index} ends early");
            if (reader.TokenType == JsonTokenType.EndArray)
                throw Bad($"input {index} has {i} entries along axis {axis}; the model takes inputs of shape {Describe(shape)}");
            if (axis == shape.Rank - 1)
            {
                target[written++] = Number(ref reader, index, written - 1);
                continue;
            }
            if (reader.TokenType != JsonTokenType.StartArray)
                throw Bad($"input {index} has a number where axis {axis + 1} needs an array; the model takes inputs of shape {Describe(shape)}");
            reader.Read();
            ReadNested(ref reader, shape, axis + 1, target, ref written, index);
            reader.Read();
            if (reader.TokenType != JsonTokenType.EndArray)
                throw Bad($"input {index} has more than {shape[axis + 1]} entries along axis {axis + 1}; the model takes inputs of shape {Describe(shape)}");
        }
    }

    private static float Number(ref Utf8JsonReader reader, int index, int position)
    {
        if (reader.TokenType != JsonTokenType.Number)
            throw Bad($"input {index}, value {position}: expected a number, got {Token(ref reader)} (NaN and Infinity are not accepted)");
        if (FlatJsonInputs.TryNumber(reader.ValueSpan, out float plain)) return plain; // the same value, faster
        if (!reader.TryGetDouble(out double value) || !double.IsFinite(value) || Math.Abs(value) > float.MaxValue)
            throw Bad($"input {index}, value {position}: {System.Text.Encoding.UTF8.GetString(reader.ValueSpan)} is not a finite float32");
        return (float)value;
    }

    private static string Token(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => $"the string \"{Shorten(reader.GetString() ?? "")}\"",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => reader.TokenType.ToString(),
    };

    private static string Shorten(string s) => s.Length <= 20 ? s : s[..20] + "...";

    /// <summary>A shape as the JSON arrays it needs, e.g. [28, 28, 1].</summary>
    internal static string Describe(Shape shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    internal static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }

    internal static BadRequestException Bad(string message) => new(400, message);
}
