using Microsoft.Playwright;
using Xunit.Abstractions;

namespace DeepSharp.Serving.Tests;

/// <summary>
/// The page's text box in Debian's chromium: typing into it shows a text classifier's two classes as
/// bars (updated as the text changes); for a character or WordPiece model, "Continue" shows the continuation.
/// Screenshots are kept as artifacts.
/// </summary>
public class TextPageTests(TextServers servers, ITestOutputHelper output) : IClassFixture<TextServers>
{
    private const string Chromium = "/usr/bin/chromium";

    private static async Task<(IPlaywright, IBrowser, IPage, List<string>)> Open(Uri address)
    {
        Skip.IfNot(File.Exists(Chromium), $"Debian's chromium is not installed at {Chromium} (apt-get install chromium); the browser test needs it.");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox", "--disable-gpu"] });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 960, Height = 600 } });
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text); };
        await page.GotoAsync(address.ToString());
        await page.Locator("#text-input").WaitForAsync(new() { State = WaitForSelectorState.Visible });
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

    [SkippableFact]
    public async Task TypedTextIsClassifiedLive()
    {
        var (playwright, browser, page, errors) = await Open(servers.Classifier.Address!);
        try
        {
            await page.Locator("#text-input").PressSequentiallyAsync("what a lovely nice day", new() { Delay = 20 });
            await page.WaitForFunctionAsync("() => !busy && !again && document.body.dataset.predicted === '1'", null, new() { Timeout = 15_000 });
            string shot = await Screenshot(page, "serving-page-text-classifier.png");
            Assert.Empty(errors);
            Assert.Equal(2, await page.Locator("#bars li").CountAsync());
            Assert.False(await page.Locator("#generate-options").IsVisibleAsync());
            Assert.Equal("positive", await page.Locator("#top-label").InnerTextAsync());
            await page.Locator("#text-input").FillAsync("awful ugly");
            await page.WaitForFunctionAsync("() => !busy && !again && document.body.dataset.predicted === '0'", null, new() { Timeout = 15_000 });
            Assert.True(await page.Locator("#top-label").InnerTextAsync() == "negative", $"see {shot}");
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    [SkippableFact]
    public async Task ACharacterModelContinuesTypedText()
    {
        var (playwright, browser, page, errors) = await Open(servers.Generator.Address!);
        try
        {
            Assert.True(await page.Locator("#generate-options").IsVisibleAsync());
            await page.Locator("#temperature").FillAsync("0");
            await page.Locator("#text-input").FillAsync("a");
            await page.Locator("#text-send").ClickAsync();
            await page.WaitForFunctionAsync("() => document.body.dataset.continuation !== undefined", null, new() { Timeout = 15_000 });
            await Screenshot(page, "serving-page-text-generator.png");
            Assert.Empty(errors);
            Assert.Equal("bc", await page.Locator("#continuation-text").InnerTextAsync());
            Assert.Equal("a", await page.Locator("#continuation-prefix").InnerTextAsync());
            Assert.False(await page.Locator("#bars").IsVisibleAsync());
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    [SkippableFact]
    public async Task ASubwordModelContinuesATypedPrompt()
    {
        var model = TextModels.SubwordGenerator;
        var tokenizer = Assert.IsType<DeepSharp.Text.WordPieceTokenizer>(model.TextVectorizer!.Tokenizer);
        Assert.Contains(tokenizer.Pieces, p => p.StartsWith("##", StringComparison.Ordinal)); // the words are cut into pieces
        await using var server = new ModelServer(new ServedModel(model, name: "bright-clown"), new ServingOptions { Port = 0 });
        await server.StartAsync();
        var (playwright, browser, page, errors) = await Open(server.Address!);
        try
        {
            string title = await page.Locator("#text-title").InnerTextAsync();
            Assert.True(title.Contains("WordPiece", StringComparison.Ordinal), $"the title '{title}' does not name the tokenizer");
            await page.Locator("#temperature").FillAsync("0");
            await page.Locator("#max-length").FillAsync("8");
            await page.Locator("#text-input").PressSequentiallyAsync("Bright", new() { Delay = 20 });
            await page.Locator("#text-send").ClickAsync();
            await page.WaitForFunctionAsync("() => document.body.dataset.continuation !== undefined", null, new() { Timeout = 15_000 });
            string shot = await Screenshot(page, "serving-page-subword-generator.png");
            Assert.Empty(errors);
            string continuation = await page.Locator("#continuation-text").TextContentAsync() ?? "";
            Assert.True(continuation.StartsWith(" clown", StringComparison.Ordinal), $"'Bright' continued with '{continuation}'; see {shot}");
            Assert.Equal("Bright", await page.Locator("#continuation-prefix").TextContentAsync());
            using var client = new HttpClient { BaseAddress = server.Address };
            var json = await Requests.Read(await client.PostAsync("/v1/predict", Requests.Json("""{"text": "Bright", "temperature": 0, "max_length": 8}""")), 200);
            Assert.Equal((string)json["continuations"]![0]!["continuation"]!, continuation); // the page shows what the API answers
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }
}
