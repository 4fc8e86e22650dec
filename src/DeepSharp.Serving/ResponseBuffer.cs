using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace DeepSharp.Serving;

/// <summary>
/// A per-thread buffer and JSON writer for answers, reused from request to request: an answer is
/// written into it, then copied into the response's pipe with its Content-Length before the first await.
/// </summary>
internal static class ResponseBuffer
{
    /// <summary>A buffer that grew past this is dropped after use rather than kept for the thread's life.</summary>
    private const int KeepBytes = 1 << 20;

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_json;

    /// <summary>This thread's empty buffer and a JSON writer over it.</summary>
    public static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Json) Get()
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(16 * 1024);
        buffer.ResetWrittenCount();
        var json = t_json ??= new Utf8JsonWriter(buffer);
        json.Reset(buffer);
        return (buffer, json);
    }

    /// <summary>Copies what <paramref name="buffer"/> holds into the response (status 200) and flushes it.</summary>
    public static Task Send(HttpContext context, ArrayBufferWriter<byte> buffer, string contentType)
    {
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = contentType;
        response.ContentLength = buffer.WrittenCount;
        var pipe = response.BodyWriter;
        pipe.Write(buffer.WrittenSpan);
        if (buffer.Capacity > KeepBytes) t_buffer = null;
        buffer.ResetWrittenCount();
        var flush = pipe.FlushAsync(context.RequestAborted);
        return flush.IsCompletedSuccessfully ? Task.CompletedTask : flush.AsTask();
    }
}
