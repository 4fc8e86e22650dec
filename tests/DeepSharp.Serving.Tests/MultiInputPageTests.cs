using System.Text.Json.Nodes;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Text;
using DeepSharp.Training;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace DeepSharp.Serving.Tests;

/// <summary>
/// The page at / for models with two inputs, in Debian's chromium: one field per input of /v1/model
/// (an image pad that takes drawings and uploaded pictures, a text box, numbers), sent as one multipart
/// form; the outputs the page shows are what <see cref="Model.Predict(Tensor[], int, CancellationToken)"/>
/// gives for the same inputs. Screenshots are kept as artifacts.
/// </summary>
public sealed class MultiInputPageTests(ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";

    /// <summary>An 8×8 gray image and a text of 5 token ids (the vectorizer kept in its model file) → 3 class probabilities.</summary>
    private static Model ImageAndText()
    {
        RandomGenerator.SetGlobalSeed(12);
        var image = Model.Input([8, 8, 1], name: "picture");
        var tokens = Model.Input([5], name: "caption");
        var words = new GlobalAveragePooling1D().Call(new Embedding(8, 4).Call(tokens));
        var merged = new Concatenate().Call(new Flatten().Call(image), words);
        var model = new Functional([image, tokens], [new Dense(3, Activation.Softmax, name: "label").Call(merged)], name: "picture-and-caption");
        model.TextVectorizer = new TextVectorizer(outputSequenceLength: 5).Adapt(["red green blue", "cat dog"]);
        string file = Path.Combine(Directory.CreateTempSubdirectory("deepsharp-serving-page-").FullName, "two.safetensors");
        model.Save(file);
        return Model.Load(file);
    }

    /// <summary>Two inputs of numbers, (2, 3) and (4), → a softmax of 3 and one number.</summary>
    private static Model TwoTensors()
    {
        RandomGenerator.SetGlobalSeed(13);
        var grid = Model.Input([2, 3], name: "grid");
        var extra = Model.Input([4], name: "extra");
        var merged = new Concatenate().Call(new Flatten().Call(grid), extra);
        return new Functional([grid, extra], [new Dense(3, Activation.Softmax, name: "label").Call(merged), new Dense(1, name: "score").Call(extra)], name: "two-tensors");
    }

    private static async Task<(IPlaywright, IBrowser, IPage, List<string>)> Open(Uri address)
    {
        Skip.IfNot(File.Exists(Chromium), $"Debian's chromium is not installed at {Chromium} (apt-get install chromium); the browser test needs it.");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox", "--disable-gpu"] });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1000, Height = 760 } });
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        page.Console += (_, m) => { if (m.Type == "error" && !m.Text.Contains("status of 400", StringComparison.Ordinal)) errors.Add(m.Text); };
        await page.GotoAsync(address.ToString());
        await page.Locator("#fields fieldset").First.WaitForAsync(new() { State = WaitForSelectorState.Visible });
        return (playwright, browser, page, errors);
    }

    private async Task<string> Screenshot(IPage page, string name)
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, name);
        await page.ScreenshotAsync(new() { Path = path });
        output.WriteLine($"Screenshot: {path}");
        return path;
    }

    /// <summary>Waits for the answer to the page's latest fields; the outputs it shows, by name, as flat values of the first sample.</summary>
    private static async Task<Dictionary<string, float[]>> Answer(IPage page, string? before)
    {
        await page.WaitForFunctionAsync("before => !busy && !again && document.body.dataset.outputs !== undefined && document.body.dataset.outputs !== before", before, new() { Timeout = 15_000 });
        string json = await page.EvaluateAsync<string>("() => document.body.dataset.outputs");
        return JsonNode.Parse(json)!.AsObject().ToDictionary(p => p.Key, p => Flat(p.Value!.AsArray()[0]!).ToArray());
    }

    private static IEnumerable<float> Flat(JsonNode node) => node is JsonArray array ? array.SelectMany(n => Flat(n!)) : [(float)node];

    private static void AssertClose(float[] want, float[] got, string what)
    {
        Assert.Equal(want.Length, got.Length);
        for (int i = 0; i < want.Length; i++) Assert.True(Math.Abs(want[i] - got[i]) < 1e-5f, $"{what}, value {i}: Predict gives {want[i]}, the page shows {got[i]}");
    }

    [SkippableFact]
    public async Task AnUploadedPictureAndATypedTextGivePredictsOutputsAndADrawingIsSent()
    {
        var model = ImageAndText();
        await using var server = new ModelServer(new ServedModel(model), new ServingOptions { Port = 0 });
        await server.StartAsync();
        var (playwright, browser, page, errors) = await Open(server.Address!);
        try
        {
            Assert.Equal(["picture", "caption"], await page.Locator("#fields fieldset").EvaluateAllAsync<string[]>("f => f.map(e => e.dataset.input)"));
            Assert.Contains("image 8×8", await page.Locator("fieldset[data-input=picture] legend").InnerTextAsync());
            Assert.Contains("text", await page.Locator("fieldset[data-input=caption] legend").InnerTextAsync());

            // An 8×8 picture uploaded, then a caption typed: each change asks again, the last answer is for both.
            var pixels = Enumerable.Range(0, 64).Select(i => (i * 37 % 64) / 63f).ToArray();
            string png = Path.Combine(Directory.CreateTempSubdirectory("deepsharp-serving-page-").FullName, "picture.png");
            await File.WriteAllBytesAsync(png, TestPng.Gray(pixels, 8, 8));
            await page.Locator("fieldset[data-input=picture] input[type=file]").SetInputFilesAsync(png);
            await Answer(page, null);
            long multipartBefore = server.Metrics.Requests("/v1/predict", 200);
            await page.Locator("fieldset[data-input=caption] textarea").PressSequentiallyAsync("red cat", new() { Delay = 20 });
            await page.WaitForFunctionAsync("() => !busy && !again", null, new() { Timeout = 15_000 });
            var shown = await Answer(page, null);
            Assert.True(server.Metrics.Requests("/v1/predict", 200) > multipartBefore, "typing the caption sent no request");
            string shot = await Screenshot(page, "serving-page-two-inputs.png");

            var bytes = pixels.Select(v => MathF.Round(v * 255f) / 255f).ToArray();
            var expected = model.Predict([Tensor.FromArray(bytes, 1, 8, 8, 1), model.TextVectorizer!.Vectorize(["red cat"])]);
            Assert.Equal(["label"], shown.Keys);
            AssertClose(expected[0].ToArray(), shown["label"], $"label (see {shot})");
            Assert.Equal(3, await page.Locator(".output[data-output=label] .bars li").CountAsync());

            // Clearing the pad and drawing a stroke sends the drawing: the outputs move away from the blank picture's.
            // (the outputs before the click are read first: the answer can arrive before ClickAsync returns)
            string beforeClear = await page.EvaluateAsync<string>("() => document.body.dataset.outputs");
            await page.Locator("fieldset[data-input=picture] button").ClickAsync();
            var blank = await Answer(page, beforeClear);
            var blankExpected = model.Predict([Tensor.Zeros(1, 8, 8, 1), model.TextVectorizer!.Vectorize(["red cat"])]);
            AssertClose(blankExpected[0].ToArray(), blank["label"], "label of a cleared pad");
            string before = await page.EvaluateAsync<string>("() => document.body.dataset.outputs");
            var box = (await page.Locator("fieldset[data-input=picture] canvas").BoundingBoxAsync())!;
            await page.Mouse.MoveAsync(box.X + box.Width * 0.2f, box.Y + box.Height * 0.3f);
            await page.Mouse.DownAsync();
            await page.Mouse.MoveAsync(box.X + box.Width * 0.8f, box.Y + box.Height * 0.7f, new() { Steps = 8 });
            await page.Mouse.UpAsync();
            var drawn = await Answer(page, before);
            await Screenshot(page, "serving-page-two-inputs-drawn.png");
            Assert.True(drawn["label"].Zip(blank["label"]).Any(p => Math.Abs(p.First - p.Second) > 1e-4f), "drawing on the pad did not change what the model was sent");
            Assert.Empty(errors);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    [SkippableFact]
    public async Task NumberFieldsGivePredictsOutputsAndAWrongCountIsNamed()
    {
        var model = TwoTensors();
        await using var server = new ModelServer(new ServedModel(model), new ServingOptions { Port = 0 });
        await server.StartAsync();
        var (playwright, browser, page, errors) = await Open(server.Address!);
        try
        {
            Assert.Contains("shape [2, 3]", await page.Locator("fieldset[data-input=grid] legend").InnerTextAsync());
            await page.Locator("fieldset[data-input=grid] textarea").FillAsync("[[0.5, -1, 2], [0, 1.5, 3]]");
            await page.Locator("fieldset[data-input=extra] textarea").FillAsync("1 2, -3 0.25");
            var shown = await Answer(page, null);
            await Screenshot(page, "serving-page-two-tensors.png");
            var expected = model.Predict([Tensor.FromArray([0.5f, -1, 2, 0, 1.5f, 3], 1, 2, 3), Tensor.FromArray([1f, 2, -3, 0.25f], 1, 4)]);
            Assert.Equal(["label", "score"], shown.Keys);
            AssertClose(expected[0].ToArray(), shown["label"], "label");
            AssertClose(expected[1].ToArray(), shown["score"], "score");
            Assert.Equal(3, await page.Locator(".output[data-output=label] .bars li").CountAsync());
            Assert.Equal(1, await page.Locator(".output[data-output=score] pre").CountAsync());

            // Three numbers for an input of four: the page says which input and sends nothing.
            long requests = server.Metrics.Requests("/v1/predict", 200) + server.Metrics.Requests("/v1/predict", 400);
            await page.Locator("fieldset[data-input=extra] textarea").FillAsync("1 2 3");
            await page.WaitForFunctionAsync("() => !busy && !again && document.getElementById('status').className === 'error'", null, new() { Timeout = 15_000 });
            Assert.Equal("input extra: 3 numbers; it takes 4 (shape [4])", await page.Locator("#status").InnerTextAsync());
            Assert.Equal(requests, server.Metrics.Requests("/v1/predict", 200) + server.Metrics.Requests("/v1/predict", 400));
            Assert.Empty(errors);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }
}
