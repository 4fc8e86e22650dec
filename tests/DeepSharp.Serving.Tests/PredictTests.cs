using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Serving.Tests;

/// <summary>POST /v1/predict with JSON batches (flat and nested), raw PNG and multipart PNG; GET /v1/model, /healthz, the page.</summary>
public class PredictTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly HttpClient _client = fixture.Client;

    /// <summary>What Model.Predict gives for test images <paramref name="indices"/>, one row each.</summary>
    private static float[][] Direct(params int[] indices)
    {
        var x = Tensor.FromArray(indices.SelectMany(TrainedMnist.Image).ToArray(), indices.Length, 28, 28, 1);
        var y = TrainedMnist.Model.Predict(x).ToArray();
        return indices.Select((_, i) => y[(i * 10)..(i * 10 + 10)]).ToArray();
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-5f, $"value {i}: expected {expected[i]}, got {actual[i]}");
    }

    [Fact]
    public async Task JsonBatchGivesModelPredictOutputsAndTopClasses()
    {
        int[] indices = [0, 1, 2, 3, 4];
        var response = await _client.PostAsync("/v1/predict", Requests.Json(indices.Select(TrainedMnist.Image).ToArray()));
        var json = await Requests.Read(response, 200);
        var outputs = json["outputs"]!.AsArray();
        var predictions = json["predictions"]!.AsArray();
        Assert.Equal(indices.Length, outputs.Count);
        var expected = Direct(indices);
        int correct = 0;
        for (int i = 0; i < indices.Length; i++)
        {
            var row = Requests.Floats(outputs[i]!);
            AssertClose(expected[i], row);
            int best = Array.IndexOf(row, row.Max());
            Assert.Equal(best, (int)predictions[i]!["class"]!);
            Assert.Equal(best.ToString(), (string)predictions[i]!["label"]!);
            Assert.Equal(row[best], (float)predictions[i]!["probability"]!);
            if (best == TrainedMnist.TestLabels[indices[i]]) correct++;
        }
        Assert.True(correct >= 4, $"the trained model got {correct} of 5 test digits right");
    }

    [Fact]
    public async Task NestedInputsOfTheModelShapeEqualFlatOnes()
    {
        var image = TrainedMnist.Image(7);
        var rows = new JsonArray();
        for (int y = 0; y < 28; y++)
        {
            var row = new JsonArray();
            for (int x = 0; x < 28; x++) row.Add(new JsonArray(image[y * 28 + x]));
            rows.Add(row);
        }
        string nested = new JsonObject { ["inputs"] = new JsonArray(rows) }.ToJsonString();
        var fromNested = await Requests.Read(await _client.PostAsync("/v1/predict", Requests.Json(nested)), 200);
        var fromFlat = await Requests.Read(await _client.PostAsync("/v1/predict", Requests.Json(image)), 200);
        AssertClose(Requests.Floats(fromFlat["outputs"]![0]!), Requests.Floats(fromNested["outputs"]![0]!));
    }

    [Fact]
    public async Task RawPngBodyIsOneInput()
    {
        var image = TrainedMnist.Image(3);
        var json = await Requests.Read(await _client.PostAsync("/v1/predict", Requests.Png(TestPng.Gray(image, 28, 28))), 200);
        // The PNG holds bytes: the input is the image rounded to 1/255.
        var rounded = image.Select(v => MathF.Round(v * 255f) / 255f).ToArray();
        var expected = TrainedMnist.Model.Predict(Tensor.FromArray(rounded, 1, 28, 28, 1)).ToArray();
        AssertClose(expected, Requests.Floats(json["outputs"]![0]!));
    }

    [Fact]
    public async Task MultipartFormFilesAreABatch()
    {
        using var form = new MultipartFormDataContent();
        for (int i = 0; i < 3; i++)
        {
            var file = new ByteArrayContent(TestPng.Gray(TrainedMnist.Image(i), 28, 28));
            file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            form.Add(file, "image", $"digit{i}.png");
        }
        var json = await Requests.Read(await _client.PostAsync("/v1/predict", form), 200);
        Assert.Equal(3, json["outputs"]!.AsArray().Count);
        for (int i = 0; i < 3; i++)
        {
            var single = await Requests.Read(await _client.PostAsync("/v1/predict", Requests.Png(TestPng.Gray(TrainedMnist.Image(i), 28, 28))), 200);
            AssertClose(Requests.Floats(single["outputs"]![0]!), Requests.Floats(json["outputs"]![i]!));
        }
    }

    [Fact]
    public async Task ModelEndpointDescribesShapesLimitsAndSummary()
    {
        var json = await Requests.Read(await _client.GetAsync("/v1/model"), 200);
        Assert.Equal("mnist", (string)json["name"]!);
        Assert.Equal("[null,28,28,1]", json["input_shape"]!.ToJsonString());
        Assert.Equal("[null,10]", json["output_shape"]!.ToJsonString());
        Assert.Equal("image", (string)json["input_kind"]!);
        Assert.Equal(10, (int)json["classes"]!);
        Assert.True((bool)json["outputs_are_probabilities"]!);
        Assert.Equal(TrainedMnist.Model.Layers.Sum(l => l.ParameterCount), (int)json["parameters"]!);
        Assert.Equal(5, json["layers"]!.AsArray().Count);
        Assert.Contains("Conv2D", (string)json["summary"]!);
        Assert.Equal(ServerFixture.MaxBodyBytes, (long)json["limits"]!["max_body_bytes"]!);
    }

    [Fact]
    public async Task HealthzAndPageAnswer()
    {
        Assert.Equal("ok", (string)(await Requests.Read(await _client.GetAsync("/healthz"), 200))["status"]!);
        var page = await _client.GetAsync("/");
        Assert.Equal(200, (int)page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        string html = await page.Content.ReadAsStringAsync();
        Assert.Contains("/page/app.js", html);
        Assert.DoesNotContain("http://", html); // nothing from a CDN
        Assert.DoesNotContain("https://", html);
        foreach (string asset in new[] { "/page/app.js", "/page/style.css" })
            Assert.Equal(200, (int)(await _client.GetAsync(asset)).StatusCode);
    }
}
