using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace DeepSharp.Serving;

/// <summary>
/// POST /v1/predict: inputs from JSON (<c>{"inputs": [...]}</c>), a raw PNG body (<c>image/png</c>, one
/// input), or a multipart form whose files are PNG images (one input each); the body is read to at
/// most <see cref="ServingOptions.MaxBodyBytes"/> and checked completely before the model sees it.
/// Answers <c>{"outputs": [[...]], "predictions": [{"class", "label", "probability"}]}</c>.
/// </summary>
internal sealed class PredictEndpoint(ServedModel model, ServingOptions options, IInference inference)
{
    public async Task Handle(HttpContext context)
    {
        var request = context.Request;
        string? contentType = request.ContentType;
        if (string.IsNullOrEmpty(contentType) || !MediaTypeHeaderValue.TryParse(contentType, out var media))
            throw new BadRequestException(415, "no Content-Type; send application/json, image/png or multipart/form-data");
        string type = media.MediaType.Value?.ToLowerInvariant() ?? "";
        if (type is not ("application/json" or "image/png" or "multipart/form-data"))
            throw new BadRequestException(415, $"Content-Type '{type}' is not accepted; send application/json, image/png or multipart/form-data");
        (float[] Values, int Count) parsed;
        inference.Arrive(); // the batcher may wait for this request while its body is read
        try
        {
            parsed = type switch
            {
                "application/json" => await ReadJson(context),
                "image/png" => await ReadPng(context),
                _ => await ReadMultipart(context),
            };
        }
        catch
        {
            inference.Depart();
            throw;
        }
        var outputs = await inference.PredictAsync(parsed.Values, parsed.Count); // departs the request before queueing it
        int inputs = outputs.Length / model.OutputSize;
        await WriteResponse(context, outputs, inputs);
    }

    private async Task<(float[], int)> ReadJson(HttpContext context)
    {
        var (buffer, length) = await ReadBody(context);
        try
        {
            return JsonInputs.Parse(buffer.AsSpan(0, length), model, options.MaxInputsPerRequest);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
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
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var media)
            || HeaderUtilities.RemoveQuotes(media.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
            throw new BadRequestException(400, "the multipart form has no boundary in its Content-Type");
        var (buffer, length) = await ReadBody(context);
        try
        {
            var reader = new MultipartReader(boundary, new MemoryStream(buffer, 0, length, writable: false)) { HeadersCountLimit = 16, HeadersLengthLimit = 8 * 1024 };
            var values = new List<float[]>();
            MultipartSection? section;
            while ((section = await reader.ReadNextSectionAsync(context.RequestAborted)) is not null)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition())
                    continue; // form fields other than files are ignored
                if (values.Count == options.MaxInputsPerRequest)
                    throw new BadRequestException(413, $"the form holds more than {options.MaxInputsPerRequest} files; send at most {options.MaxInputsPerRequest}");
                using var file = new MemoryStream();
                await section.Body.CopyToAsync(file, context.RequestAborted);
                var input = new float[model.InputSize];
                string name = HeaderUtilities.RemoveQuotes(disposition.FileName).Value ?? "";
                ImageInputs.Decode(file.GetBuffer().AsSpan(0, (int)file.Length), model, input, $"file '{Shorten(name)}'");
                values.Add(input);
            }
            if (values.Count == 0) throw new BadRequestException(400, "the form holds no files; attach PNG images (any field name), one input each");
            var all = new float[values.Count * (long)model.InputSize];
            for (int i = 0; i < values.Count; i++) values[i].CopyTo(all, i * model.InputSize);
            return (all, values.Count);
        }
        catch (Exception e) when (e is IOException or InvalidDataException) // the multipart reader's framing errors and limits
        {
            throw new BadRequestException(400, $"the multipart form is malformed: {ImageInputs.OneLine(e.Message)}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string Shorten(string name) => name.Length <= 64 ? name : name[..64] + "...";

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

    private async Task WriteResponse(HttpContext context, float[] outputs, int count)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            int size = model.OutputSize;
            json.WriteStartArray("outputs");
            for (int i = 0; i < count; i++)
            {
                json.WriteStartArray();
                foreach (float v in outputs.AsSpan(i * size, size)) json.WriteNumberValue(v);
                json.WriteEndArray();
            }
            json.WriteEndArray();
            if (model.ClassCount > 0)
            {
                json.WriteStartArray("predictions");
                for (int i = 0; i < count; i++) WritePrediction(json, outputs.AsSpan(i * size, size));
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        context.Response.ContentLength = buffer.Length;
        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted);
    }

    /// <summary>The top class, its label and its probability (softmax of the outputs when they are logits).</summary>
    private void WritePrediction(Utf8JsonWriter json, ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
        double probability = row[best];
        if (!model.OutputsProbabilities)
        {
            double sum = 0;
            foreach (float v in row) sum += Math.Exp(v - row[best]);
            probability = 1 / sum;
        }
        json.WriteStartObject();
        json.WriteNumber("class", best);
        json.WriteString("label", model.Labels?[best] ?? best.ToString(System.Globalization.CultureInfo.InvariantCulture));
        json.WriteNumber("probability", (float)probability);
        json.WriteEndObject();
    }
}
