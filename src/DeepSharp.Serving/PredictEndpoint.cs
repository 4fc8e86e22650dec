using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace DeepSharp.Serving;

/// <summary>
/// POST /v1/predict: inputs from JSON (<c>{"inputs": [...]}</c>), a raw PNG body (<c>image/png</c>, one
/// input), or a multipart form whose files are PNG images (one input each); the body is read to at
/// most <see cref="ServingOptions.MaxBodyBytes"/> and checked completely before the model sees it.
/// Answers <c>{"outputs": [[...]], "predictions": [{"class", "label", "probability"}]}</c>; a body in TF Serving's
/// row format (<c>{"instances": [...]}</c>) is answered as TF Serving answers it, <c>{"predictions": [[...]]}</c>.
/// </summary>
internal sealed class PredictEndpoint(ServedModel model, ServingOptions options, IInference inference)
{
    private const string Accepted = "application/json, application/octet-stream (float32 little-endian), image/png or multipart/form-data";

    public async Task Handle(HttpContext context)
    {
        var request = context.Request;
        string type = MediaType(request.ContentType);
        if (type is not ("application/json" or "application/octet-stream" or "image/png" or "multipart/form-data"))
            throw new BadRequestException(415, $"Content-Type '{type}' is not accepted; send {Accepted}");
        if (model.IsMultiTensor)
        {
            await HandleMultiTensor(context, type);
            return;
        }
        (float[] Values, int Count) parsed;
        bool instances = false; // TF Serving's {"instances": [...]}: answered {"predictions": [...]}
        bool pooled = false; // the values were rented (raw float32 bodies): returned once the model has read them
        inference.Arrive(); // the batcher may wait for this request while its body is read
        try
        {
            if (type == "application/octet-stream")
            {
                parsed = await ReadBinary(context);
                pooled = true;
            }
            else if (type == "application/json")
            {
                var (buffer, length) = await ReadBody(context);
                try
                {
                    var body = buffer.AsSpan(0, length);
                    if (model.TextKind != TextKind.None && TextRequest.IsText(body)) // (a model without text refuses "text" in JsonInputs, without a second pass)
                    {
                        var text = TextRequest.Parse(body, options.MaxInputsPerRequest);
                        if (model.TextKind == TextKind.Generator)
                        {
                            inference.Depart(); // a continuation runs Predict itself, one character at a time
                            await Continue(context, text);
                            return;
                        }
                        parsed = (TextInputs.Vectorize(model, text.Texts), text.Texts.Count);
                    }
                    else parsed = JsonInputs.Parse(body, model, options.MaxInputsPerRequest, out instances);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
            else
            {
                parsed = type == "image/png" ? await ReadPng(context) : await ReadMultipart(context);
            }
        }
        catch
        {
            inference.Depart();
            throw;
        }
        float[] outputs;
        try
        {
            outputs = await inference.PredictAsync(parsed.Values, parsed.Count); // departs the request before queueing it
        }
        finally
        {
            if (pooled) ArrayPool<float>.Shared.Return(parsed.Values);
        }
        int inputs = outputs.Length / model.OutputSize;
        if (WantsBinary(request)) await BinaryTensors.WriteResponse(context, outputs, inputs, model.OutputShape);
        else if (instances) await WriteTfServingResponse(context, outputs, inputs);
        else await WriteResponse(context, outputs, inputs);
    }

    /// <summary>The media type of a Content-Type, lower case: the two usual ones without parsing (no allocation), others parsed.</summary>
    private static string MediaType(string? contentType)
    {
        if (string.Equals(contentType, "application/json", StringComparison.OrdinalIgnoreCase)) return "application/json";
        if (string.Equals(contentType, "application/octet-stream", StringComparison.OrdinalIgnoreCase)) return "application/octet-stream";
        if (string.IsNullOrEmpty(contentType) || !MediaTypeHeaderValue.TryParse(contentType, out var media))
            throw new BadRequestException(415, $"no Content-Type; send {Accepted}");
        return media.MediaType.Value?.ToLowerInvariant() ?? "";
    }

    /// <summary>A model with several inputs or outputs: named JSON inputs or raw float32 blocks, batched as packed rows (<see cref="PackedRows"/>).</summary>
    private async Task HandleMultiTensor(HttpContext context, string type)
    {
        if (type is not ("application/json" or "application/octet-stream" or "multipart/form-data"))
            throw new BadRequestException(415, $"Content-Type '{type}' is not accepted: this model has {model.InputNames.Count} inputs and {model.OutputNames.Count} outputs; send application/json {{\"inputs\": {{\"name\": [...]}}}}, application/octet-stream (every input's float32 samples in turn) or multipart/form-data (one part per input, named after it: PNG, JSON or text)");
        (float[] Rows, int Count) parsed;
        bool instances = false; // TF Serving's {"instances": [...]}: answered {"predictions": [...]}
        inference.Arrive(); // the batcher may wait for this request while its body is read
        try
        {
            var (buffer, length) = await ReadBody(context);
            try
            {
                parsed = type switch
                {
                    "application/json" => MultiTensorInputs.Parse(buffer.AsSpan(0, length), model, options.MaxInputsPerRequest, out instances),
                    "application/octet-stream" => BinaryTensors.ParseMany(buffer.AsSpan(0, length), context.Request, model, options.MaxInputsPerRequest),
                    _ => MultipartInputs.Parse(await MultipartParts.ReadAsync(context.Request.ContentType, buffer, length, MultipartInputs.MaxParts(model, options.MaxInputsPerRequest), filesOnly: false, context.RequestAborted), model, options.MaxInputsPerRequest),
                };
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch
        {
            inference.Depart();
            throw;
        }
        var outputs = await inference.PredictAsync(parsed.Rows, parsed.Count); // departs the request before queueing it
        if (WantsBinary(context.Request)) await BinaryTensors.WriteManyResponse(context, outputs, parsed.Count, model);
        else if (instances) await MultiTensorInputs.WriteTfServingResponse(context, model, outputs, parsed.Count);
        else await MultiTensorInputs.WriteResponse(context, model, outputs, parsed.Count);
    }

    /// <summary>Whether the client asked for raw float32 outputs (<c>Accept: application/octet-stream</c>).</summary>
    private static bool WantsBinary(HttpRequest request) =>
        request.Headers.Accept.Count > 0 && request.Headers.Accept.ToString().Contains("application/octet-stream", StringComparison.OrdinalIgnoreCase);

    /// <summary>A body of raw float32 values (little-endian), count × the model's input size, in an array rented from <see cref="ArrayPool{T}.Shared"/> (return it).</summary>
    private async Task<(float[], int)> ReadBinary(HttpContext context)
    {
        var (buffer, length) = await ReadBody(context);
        try
        {
            return BinaryTensors.Parse(buffer.AsSpan(0, length), context.Request, model, options.MaxInputsPerRequest);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Continues each text of <paramref name="request"/> on the thread pool; answers <c>{"continuations": [{"text", "continuation"}]}</c>.</summary>
    private async Task Continue(HttpContext context, TextRequest request)
    {
        var continuations = await Task.Run(() => request.Texts.Select(t => TextInputs.Continue(model, t, request, context.RequestAborted)).ToArray(), context.RequestAborted);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("continuations");
            for (int i = 0; i < continuations.Length; i++)
            {
                json.WriteStartObject();
                json.WriteString("text", request.Texts[i]);
                json.WriteString("continuation", continuations[i]);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    private async Task<(float[], int)> ReadPng(HttpContext context)
    {
        var (buffer, length) = await ReadBody(context);
        try
        {
            var values = new float[model.InputSize];
            ImageInputs.Decode(buffer.AsSpan(0, length), model, values, "the request body");
            return (values, 1);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The files of a multipart form, each one PNG input. The body is read whole (to the same limit as
    /// any other) before the form is parsed, so the limit holds however many parts it has.
    /// </summary>
    private async Task<(float[], int)> ReadMultipart(HttpContext context)
    {
        var (buffer, length) = await ReadBody(context);
        try
        {
            var files = await MultipartParts.ReadAsync(context.Request.ContentType, buffer, length, options.MaxInputsPerRequest, filesOnly: true, context.RequestAborted);
            if (files.Count == 0) throw new BadRequestException(400, "the form holds no files; attach PNG images (any field name), one input each");
            TextInputs.CheckRoom(files.Count, model.InputSize, "images"); // allocated before the first is decoded: 256 parts of 10 bytes asked for 256 whole inputs
            var all = new float[files.Count * (long)model.InputSize];
            for (int i = 0; i < files.Count; i++)
                ImageInputs.Decode(files[i].Data.Span, model, all.AsSpan(i * model.InputSize, model.InputSize), files[i].Describe());
            return (all, files.Count);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The whole body in a pooled buffer (return it), refused with 413 as soon as it passes the limit.</summary>
    private async Task<(byte[] Buffer, int Length)> ReadBody(HttpContext context)
    {
        CheckDeclaredLength(context.Request);
        long limit = options.MaxBodyBytes;
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit + 1, context.Request.ContentLength + 1 ?? 64 * 1024));
        int length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit) throw TooLarge();
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit + 1, (long)buffer.Length * 2));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                int read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted);
                if (read == 0) break;
                length += read;
                if (length > limit) throw TooLarge();
            }
            return (buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private void CheckDeclaredLength(HttpRequest request)
    {
        if (request.ContentLength > options.MaxBodyBytes) throw TooLarge();
    }

    private BadRequestException TooLarge() => new(413, $"the body is larger than the limit of {options.MaxBodyBytes} bytes");

    /// <summary>
    /// The JSON answer, written into this thread's reusable buffer and copied into the response's pipe before
    /// anything is awaited (so no other request on this thread can touch the buffer meanwhile), then flushed.
    /// </summary>
    private Task WriteResponse(HttpContext context, float[] outputs, int count)
    {
        var (buffer, json) = ResponseBuffer.Get();
        json.WriteStartObject();
        int size = model.OutputSize;
        json.WriteStartArray("outputs"u8);
        WriteRows(json, outputs, count, size);
        json.WriteEndArray();
        if (model.ClassCount > 0)
        {
            json.WriteStartArray("predictions"u8);
            for (int i = 0; i < count; i++) WritePrediction(json, outputs.AsSpan(i * size, size));
            json.WriteEndArray();
        }
        json.WriteEndObject();
        json.Flush();
        return ResponseBuffer.Send(context, buffer, "application/json");
    }

    /// <summary>Each of the <paramref name="count"/> inputs' <paramref name="size"/> outputs as one JSON array, into the array open in <paramref name="json"/>.</summary>
    private static void WriteRows(Utf8JsonWriter json, float[] outputs, int count, int size)
    {
        for (int i = 0; i < count; i++)
        {
            json.WriteStartArray();
            foreach (float v in outputs.AsSpan(i * size, size)) json.WriteNumberValue(v);
            json.WriteEndArray();
        }
    }

    /// <summary>TF Serving's answer to "instances": <c>{"predictions": [[...], ...]}</c>, each input's outputs (row-major, as "outputs" holds them).</summary>
    private Task WriteTfServingResponse(HttpContext context, float[] outputs, int count)
    {
        var (buffer, json) = ResponseBuffer.Get();
        json.WriteStartObject();
        int size = model.OutputSize;
        json.WriteStartArray("predictions"u8);
        WriteRows(json, outputs, count, size);
        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        return ResponseBuffer.Send(context, buffer, "application/json");
    }

    /// <summary>The top class, its label and its probability (softmax of the outputs when they are logits; p and 1 − p for one sigmoid output).</summary>
    private void WritePrediction(Utf8JsonWriter json, ReadOnlySpan<float> row)
    {
        int best = 0;
        double probability;
        if (model.OutputIsSigmoid)
        {
            best = row[0] >= 0.5f ? 1 : 0;
            probability = best == 1 ? row[0] : 1 - row[0];
        }
        else
        {
            for (int c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
            probability = row[best];
            if (!model.OutputsProbabilities)
            {
                double sum = 0;
                foreach (float v in row) sum += Math.Exp(v - row[best]);
                probability = 1 / sum;
            }
        }
        json.WriteStartObject();
        json.WriteNumber("class"u8, best);
        json.WriteString("label"u8, model.Labels?[best] ?? best.ToString(System.Globalization.CultureInfo.InvariantCulture));
        json.WriteNumber("probability"u8, (float)probability);
        json.WriteEndObject();
    }
}
