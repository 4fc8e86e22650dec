using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace DeepSharp.Serving.Tests;

/// <summary>Request bodies and response reading shared by the tests.</summary>
internal static class Requests
{
    /// <summary><c>{"inputs": [...]}</c> with each input flat.</summary>
    public static StringContent Json(params float[][] inputs)
    {
        var text = new StringBuilder("{\"inputs\":[");
        for (int i = 0; i < inputs.Length; i++)
        {
            if (i > 0) text.Append(',');
            text.Append('[').AppendJoin(',', inputs[i].Select(v => v.ToString("R", CultureInfo.InvariantCulture))).Append(']');
        }
        return Json(text.Append("]}").ToString());
    }

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    public static ByteArrayContent Png(byte[] png)
    {
        var content = new ByteArrayContent(png);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        return content;
    }

    /// <summary>The response's JSON body, after checking its status.</summary>
    public static async Task<JsonObject> Read(HttpResponseMessage response, int status)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(body)!.AsObject();
    }

    /// <summary>Checks a refusal: the status, a one-line JSON body {"error": "..."} naming <paramref name="expected"/>.</summary>
    public static async Task<string> Error(HttpResponseMessage response, int status, string expected)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("\n", body.TrimEnd('\n'));
        var json = JsonNode.Parse(body)!.AsObject();
        Assert.Single(json);
        string message = (string)json["error"]!;
        Assert.Contains(expected, message, StringComparison.OrdinalIgnoreCase);
        return message;
    }

    public static float[] Floats(JsonNode node) => node.AsArray().Select(v => (float)v!).ToArray();
}
