using System.Net.Http.Headers;
using System.Runtime.InteropServices;

namespace DeepSharp.Serving.Tests;

/// <summary>POST /v1/predict with raw float32 bodies (<c>application/octet-stream</c>), answered as JSON or as raw float32.</summary>
public class BinaryTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly HttpClient _client = fixture.Client;

    private static ByteArrayContent Binary(float[] values, string? shape = null)
    {
        var content = new ByteArrayContent(MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (shape is not null) content.Headers.Add("X-Shape", shape);
        return content;
    }

    private static float[] Images(params int[] indices) => indices.SelectMany(TrainedMnist.Image).ToArray();

    [Fact]
    public async Task ABinaryBatchGivesTheSameAnswerAsJson()
    {
        var images = Images(0, 1, 2);
        var fromBinary = await Requests.Read(await _client.PostAsync("/v1/predict", Binary(images, "3, 28, 28, 1")), 200);
        var fromJson = await Requests.Read(await _client.PostAsync("/v1/predict", Requests.Json([.. new[] { 0, 1, 2 }.Select(TrainedMnist.Image)])), 200);
        Assert.Equal(fromJson.ToJsonString(), fromBinary.ToJsonString());
    }

    [Fact]
    public async Task RawOutputsWhenAskedFor()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/predict") { Content = Binary(Images(3, 4)) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/octet-stream"));
        using var response = await _client.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("2,10", string.Join(",", response.Headers.GetValues("X-Shape")));
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var outputs = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        var json = await Requests.Read(await _client.PostAsync("/v1/predict", Requests.Json(TrainedMnist.Image(3), TrainedMnist.Image(4))), 200);
        var expected = json["outputs"]!.AsArray().SelectMany(r => Requests.Floats(r!)).ToArray();
        Assert.Equal(expected, outputs);
    }

    public static TheoryData<int, string?, int, string> BadBodies => new()
    {
        { 0, null, 400, "positive multiple of 3136" },
        { 3135, null, 400, "3135 bytes" },
        { 3137, null, 400, "3137 bytes" },
        { 3136 * 17, null, 413, "at most 16" },
        { 3136, "2,28,28,1", 400, "X-Shape" },
        { 3136, "1,784", 400, "X-Shape" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task BadBinaryBodiesAreRefused(int bytes, string? shape, int status, string expected)
    {
        var content = new ByteArrayContent(new byte[bytes]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (shape is not null) content.Headers.Add("X-Shape", shape);
        var json = await Requests.Read(await _client.PostAsync("/v1/predict", content), status);
        Assert.Contains(expected, (string)json["error"]!);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public async Task NonFiniteValuesAreRefused(float value)
    {
        var image = Images(0);
        image[100] = value;
        var json = await Requests.Read(await _client.PostAsync("/v1/predict", Binary(image)), 400);
        Assert.Contains("input 0, value 100", (string)json["error"]!);
    }
}
