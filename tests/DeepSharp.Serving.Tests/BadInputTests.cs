using System.Net.Http.Headers;
using System.Text;

namespace DeepSharp.Serving.Tests;

/// <summary>
/// Every kind of bad request gets a 4xx with a one-line {"error": "..."} that says what was wrong —
/// never a 500 — and the server keeps answering good requests after each.
/// </summary>
public class BadInputTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly HttpClient _client = fixture.Client;

    private static string Values(int count, string value = "0.5") => string.Join(',', Enumerable.Repeat(value, count));

    public static TheoryData<string, string, int, string> JsonBodies => new()
    {
        { "too few values", $"{{\"inputs\":[[{Values(783)}]]}}", 400, "783 values" },
        { "too many values", $"{{\"inputs\":[[{Values(785)}]]}}", 400, "more than 784" },
        { "nested, a row short", "{\"inputs\":[[" + string.Join(',', Enumerable.Repeat($"[{Values(28, "[0]")}]", 27)) + "]]}", 400, "27 entries along axis 0" },
        { "nested, no channel axis", "{\"inputs\":[[" + string.Join(',', Enumerable.Repeat($"[{Values(28)}]", 28)) + "]]}", 400, "axis 2 needs an array" },
        { "NaN literal", $"{{\"inputs\":[[NaN,{Values(783)}]]}}", 400, "not valid JSON" },
        { "Infinity literal", $"{{\"inputs\":[[Infinity,{Values(783)}]]}}", 400, "not valid JSON" },
        { "NaN as a string", $"{{\"inputs\":[[\"NaN\",{Values(783)}]]}}", 400, "expected a number" },
        { "beyond float32", $"{{\"inputs\":[[1e39,{Values(783)}]]}}", 400, "not a finite float32" },
        { "beyond double", $"{{\"inputs\":[[-1e400,{Values(783)}]]}}", 400, "not a finite float32" },
        { "not JSON", "inputs=1", 400, "not valid JSON" },
        { "empty body", "", 400, "not valid JSON" },
        { "truncated", "{\"inputs\":[[0.5,", 400, "not valid JSON" },
        { "two values", "{\"inputs\":[]} {}", 400, "not valid JSON" },
        { "an array, not an object", "[[0.5]]", 400, "JSON object" },
        { "no inputs key", "{}", 400, "no \"inputs\"" },
        { "unknown key", "{\"instance\":[]}", 400, "unknown key 'instance'" },
        { "inputs not an array", "{\"inputs\":5}", 400, "must be an array" },
        { "no inputs", "{\"inputs\":[]}", 400, "is empty" },
        { "input not an array", "{\"inputs\":[5]}", 400, "input 0 is not an array" },
        { "null value", $"{{\"inputs\":[[null,{Values(783)}]]}}", 400, "got null" },
        { "too many inputs", "{\"inputs\":[" + string.Join(',', Enumerable.Repeat($"[{Values(784, "0")}]", ServerFixture.MaxInputs + 1)) + "]}", 413, $"more than {ServerFixture.MaxInputs} inputs" },
        { "too deep", "{\"inputs\":[" + new string('[', 40) + new string(']', 40) + "]}", 400, "expected a number, got an array" },
    };

    [Theory]
    [MemberData(nameof(JsonBodies))]
    public async Task BadJsonGetsAClearError(string what, string body, int status, string expected)
    {
        _ = what;
        await Requests.Error(await _client.PostAsync("/v1/predict", Requests.Json(body)), status, expected);
        await StillServing();
    }

    [Fact]
    public async Task WrongContentTypeGets415()
    {
        await Requests.Error(await _client.PostAsync("/v1/predict", new StringContent("0.5", Encoding.UTF8, "text/plain")), 415, "text/plain");
        var noType = new ByteArrayContent("{}"u8.ToArray());
        await Requests.Error(await _client.PostAsync("/v1/predict", noType), 415, "Content-Type");
        var jpeg = new ByteArrayContent([0xFF, 0xD8, 0xFF]);
        jpeg.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        await Requests.Error(await _client.PostAsync("/v1/predict", jpeg), 415, "image/png");
        await StillServing();
    }

    [Fact]
    public async Task OversizedBodiesGet413WithOrWithoutContentLength()
    {
        string big = $"{{\"inputs\":[[{Values(40_000)}]]}}"; // 160 KB, over the fixture's 64 KB
        await Requests.Error(await _client.PostAsync("/v1/predict", Requests.Json(big)), 413, "larger than the limit");
        // Chunked: no Content-Length, so the limit is found while reading.
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/predict") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        await Requests.Error(await _client.SendAsync(request), 413, "larger than the limit");
        var png = Requests.Png(new byte[ServerFixture.MaxBodyBytes + 1]);
        await Requests.Error(await _client.PostAsync("/v1/predict", png), 413, "larger than the limit");
        using var form = new MultipartFormDataContent { { new ByteArrayContent(new byte[ServerFixture.MaxBodyBytes * 2]), "image", "big.png" } };
        await Requests.Error(await _client.PostAsync("/v1/predict", form), 413, "larger than the limit");
        using var malformed = new StringContent("--x\r\nno headers", Encoding.UTF8);
        malformed.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=x");
        await Requests.Error(await _client.PostAsync("/v1/predict", malformed), 400, "multipart");
        await StillServing();
    }

    [Fact]
    public async Task NonImageBytesGet400()
    {
        await Requests.Error(await _client.PostAsync("/v1/predict", Requests.Png(Encoding.UTF8.GetBytes("GIF89a, not a PNG"))), 400, "not a PNG");
        await Requests.Error(await _client.PostAsync("/v1/predict", Requests.Png([])), 400, "not a PNG");
        var truncated = TestPng.Gray(TrainedMnist.Image(0), 28, 28)[..60];
        await Requests.Error(await _client.PostAsync("/v1/predict", Requests.Png(truncated)), 400, "request body");
        var corrupt = TestPng.Gray(TrainedMnist.Image(0), 28, 28);
        corrupt[45] ^= 0xFF; // inside the IDAT: its CRC no longer matches
        await Requests.Error(await _client.PostAsync("/v1/predict", Requests.Png(corrupt)), 400, "request body");
        using var form = new MultipartFormDataContent { { new ByteArrayContent("hello"u8.ToArray()), "image", "hello.png" } };
        await Requests.Error(await _client.PostAsync("/v1/predict", form), 400, "file 'hello.png' is not a PNG");
        using var empty = new MultipartFormDataContent { { new StringContent("x"), "field" } };
        await Requests.Error(await _client.PostAsync("/v1/predict", empty), 400, "no files");
        await StillServing();
    }

    [Fact]
    public async Task PngOfAnotherSizeGets400()
    {
        var png = TestPng.Gray(new float[32 * 32], 32, 32);
        await Requests.Error(await _client.PostAsync("/v1/predict", Requests.Png(png)), 400, "is 32×32 pixels");
        await StillServing();
    }

    /// <summary>Headers declaring 100000×100000 (10 G pixels) and 28×3000000: refused from the header, in well under a second.</summary>
    [Fact]
    public async Task DecompressionBombsAreRefusedBeforeDecoding()
    {
        foreach (var (width, height) in new[] { (100_000, 100_000), (28, 3_000_000), (16_384, 16_384) })
        {
            var started = DateTime.UtcNow;
            await Requests.Error(await _client.PostAsync("/v1/predict", Requests.Png(TestPng.Bomb(width, height))), 400, "declared in its header");
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), $"{width}×{height} took {DateTime.UtcNow - started}");
        }
        await StillServing();
    }

    [Fact]
    public async Task UnknownPathsAndMethodsGetJsonErrors()
    {
        await Requests.Error(await _client.GetAsync("/v1/nothing"), 404, "no such endpoint");
        await Requests.Error(await _client.GetAsync("/v1/predict"), 405, "GET is not allowed");
        await Requests.Error(await _client.DeleteAsync("/v1/model"), 405, "DELETE is not allowed");
        await Requests.Error(await _client.GetAsync("/page/missing.js"), 404, "missing.js");
        await StillServing();
    }

    /// <summary>After a refusal: /healthz answers and a good request is predicted.</summary>
    private async Task StillServing()
    {
        Assert.Equal(200, (int)(await _client.GetAsync("/healthz")).StatusCode);
        var json = await Requests.Read(await _client.PostAsync("/v1/predict", Requests.Json(TrainedMnist.Image(0))), 200);
        Assert.Single(json["outputs"]!.AsArray());
        Assert.Equal(0, fixture.Server.Metrics.Requests("/v1/predict", 500));
    }
}
