using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DeepSharp.Serving;

/// <summary>
/// The middleware around every request: times it and counts it in <see cref="ServingMetrics"/>, and
/// turns every refusal into its status with a one-line <c>{"error": "..."}</c> body — a
/// <see cref="BadRequestException"/>, Kestrel's own (body too large, bad framing), an empty 404/405
/// from routing — so a client never sees an HTML page or a stack trace.
/// </summary>
internal sealed class ErrorResponses(ServingMetrics metrics, ILogger logger)
{
    public async Task Invoke(HttpContext context, RequestDelegate next)
    {
        long start = Stopwatch.GetTimestamp();
        metrics.AddInFlight(1);
        try
        {
            try
            {
                await next(context);
                if (context.Response.StatusCode >= 400 && !context.Response.HasStarted && context.Response.ContentLength is null)
                    await Write(context, context.Response.StatusCode, context.Response.StatusCode switch
                    {
                        404 => $"no such endpoint: {context.Request.Method} {context.Request.Path}; see GET /v1/model, POST /v1/predict, /healthz, /metrics",
                        405 => $"{context.Request.Method} is not allowed on {context.Request.Path}",
                        _ => "the request was refused",
                    });
            }
            catch (BadRequestException e)
            {
                await Write(context, e.StatusCode, e.Message);
            }
            catch (BadHttpRequestException e)
            {
                await Write(context, e.StatusCode, ImageInputs.OneLine(e.Message));
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client left; nobody reads an answer.
            }
            catch (Exception e) // a fault of the server or the model, not of the request: logged, and still one JSON line
            {
                logger.LogError(e, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
                await Write(context, 500, $"internal error: {e.GetType().Name}: {e.Message}");
            }
        }
        finally
        {
            metrics.AddInFlight(-1);
            metrics.RecordRequest(Route(context), context.Response.StatusCode, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
    }

    /// <summary>Writes <c>{"error": message}</c> with <paramref name="status"/>, unless a response has already begun.</summary>
    internal static async Task Write(HttpContext context, int status, string message)
    {
        if (context.Response.HasStarted) return;
        context.Response.Clear();
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        if (status == 503) context.Response.Headers.RetryAfter = "1";
        using var body = new MemoryStream();
        // Relaxed escaping: the body is JSON for programs, never HTML, so quotes in messages stay readable.
        using (var json = new Utf8JsonWriter(body, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("error", message.ReplaceLineEndings(" "));
            json.WriteEndObject();
        }
        body.WriteByte((byte)'\n');
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body.GetBuffer().AsMemory(0, (int)body.Length));
    }

    /// <summary>The route a request is counted under: the known paths, or "other" (so that scanners cannot grow the label set).</summary>
    private static string Route(HttpContext context) => context.Request.Path.Value switch
    {
        "/v1/predict" or "/v1/model" or "/healthz" or "/metrics" or "/" => context.Request.Path.Value!,
        { } p when p.StartsWith("/page/", StringComparison.Ordinal) => "/page",
        { } p when p.StartsWith("/v1/models/", StringComparison.Ordinal) && p.EndsWith(":predict", StringComparison.Ordinal) => "/v1/models/:predict",
        _ => "other",
    };
}
