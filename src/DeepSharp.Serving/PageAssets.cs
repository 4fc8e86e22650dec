using System.Reflection;
using Microsoft.AspNetCore.Http;

namespace DeepSharp.Serving;

/// <summary>The page at / (index.html, app.js, style.css), embedded in this assembly and served from memory: no CDN, no build step.</summary>
internal static class PageAssets
{
    private static readonly Dictionary<string, (byte[] Bytes, string Type)> Files = Load();

    private static Dictionary<string, (byte[], string)> Load()
    {
        var assembly = typeof(PageAssets).Assembly;
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (string name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith("page/", StringComparison.Ordinal)) continue;
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            string file = name["page/".Length..];
            string type = Path.GetExtension(file) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                _ => "application/octet-stream",
            };
            files[file] = (memory.ToArray(), type);
        }
        return files;
    }

    /// <summary>Serves the embedded file <paramref name="file"/>, or 404.</summary>
    public static async Task Serve(HttpContext context, string file)
    {
        if (!Files.TryGetValue(file, out var asset)) throw new BadRequestException(404, $"no such page file: {file}");
        context.Response.ContentType = asset.Type;
        context.Response.ContentLength = asset.Bytes.Length;
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        await context.Response.Body.WriteAsync(asset.Bytes);
    }
}
