using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace DeepSharp.Serving;

/// <summary>One part of a multipart form: its field name, file name (null for a plain field), Content-Type (null when it gives none) and bytes.</summary>
internal sealed record MultipartPart(string Name, string? FileName, string? ContentType, ReadOnlyMemory<byte> Data)
{
    /// <summary>How errors name it: the file name, else the field name.</summary>
    public string Describe() => FileName is { } file ? $"file '{Shorten(file)}'" : $"part '{Shorten(Name)}'";

    internal static string Shorten(string name) => name.Length <= 64 ? name : name[..64] + "...";
}

/// <summary>
/// The parts of a <c>multipart/form-data</c> body already read whole (so the body limit holds however
/// many parts it has); malformed framing, a missing boundary or more than <c>maxParts</c> parts are a 4xx.
/// </summary>
internal static class MultipartParts
{
    /// <summary>The parts of <paramref name="body"/> in order; <paramref name="filesOnly"/> skips fields that are not files (and does not count them).</summary>
    public static async Task<List<MultipartPart>> ReadAsync(string? contentType, byte[] body, int length, int maxParts, bool filesOnly, CancellationToken cancellation)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media)
            || HeaderUtilities.RemoveQuotes(media.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
            throw new BadRequestException(400, "the multipart form has no boundary in its Content-Type");
        var parts = new List<MultipartPart>();
        try
        {
            var reader = new MultipartReader(boundary, new MemoryStream(body, 0, length, writable: false)) { HeadersCountLimit = 16, HeadersLengthLimit = 8 * 1024 };
            MultipartSection? section;
            while ((section = await reader.ReadNextSectionAsync(cancellation)) is not null)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    if (filesOnly) continue;
                    throw new BadRequestException(400, $"part {parts.Count} has no 'Content-Disposition: form-data; name=...' header; name each part after the input it holds");
                }
                bool file = disposition.IsFileDisposition();
                if (filesOnly && !file) continue; // form fields other than files are ignored
                if (parts.Count == maxParts)
                    throw new BadRequestException(413, $"the form holds more than {maxParts} {(filesOnly ? "files" : "parts")}; send at most {maxParts}");
                using var data = new MemoryStream();
                await section.Body.CopyToAsync(data, cancellation);
                string? type = section.ContentType is { Length: > 0 } t && MediaTypeHeaderValue.TryParse(t, out var partMedia) ? partMedia.MediaType.Value?.ToLowerInvariant() : null;
                parts.Add(new MultipartPart(
                    HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "",
                    file ? HeaderUtilities.RemoveQuotes(disposition.FileName.HasValue ? disposition.FileName : disposition.FileNameStar).Value ?? "" : null,
                    type,
                    data.ToArray()));
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException) // the multipart reader's framing errors and limits
        {
            throw new BadRequestException(400, $"the multipart form is malformed: {ImageInputs.OneLine(e.Message)}");
        }
        return parts;
    }
}
