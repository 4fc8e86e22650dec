using Microsoft.Playwright;
using Xunit.Abstractions;

namespace DeepSharp.Serving.Tests;

/// <summary>
/// The page at / in Debian's chromium, driven by Playwright: a digit drawn stroke by stroke with the
/// mouse is recognised, the bars show ten probabilities, and a screenshot is kept as an artifact.
/// </summary>
public class BrowserTests(ServerFixture fixture, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    private const string Chromium = "/usr/bin/chromium";

    /// <summary>Strokes of a digit in the pad's unit square, each a polyline.</summary>
    public static TheoryData<int, double[][]> Digits => new()
    {
        { 7, [[0.25, 0.2, 0.75, 0.2], [0.75, 0.2, 0.62, 0.45, 0.45, 0.85]] },
        { 0, [Ellipse(0.5, 0.5, 0.22, 0.32)] },
        { 1, [[0.52, 0.15, 0.5, 0.85]] },
    };

    private static double[] Ellipse(double cx, double cy, double rx, double ry) =>
        Enumerable.Range(0, 33).SelectMany(i => new[] { cx + rx * Math.Sin(i * Math.PI / 16), cy - ry * Math.Cos(i * Math.PI / 16) }).ToArray();

    [SkippableTheory]
    [MemberData(nameof(Digits))]
    public async Task DrawnDigitIsRecognised(int digit, double[][] strokes)
    {
        Skip.IfNot(File.Exists(Chromium), $"Debian's chromium is not installed at {Chromium} (apt-get install chromium); the browser test needs it.");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu"],
        });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 960, Height = 700 } });
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text); };
        await page.GotoAsync(fixture.Server.Address!.ToString());
        var pad = page.Locator("#pad");
        await pad.WaitForAsync(new() { State = WaitForSelectorState.Visible });
        var box = (await pad.BoundingBoxAsync())!;
        long predictionsBefore = fixture.Server.Metrics.Requests("/v1/predict", 200);

        foreach (var stroke in strokes)
        {
            await page.Mouse.MoveAsync((float)(box.X + stroke[0] * box.Width), (float)(box.Y + stroke[1] * box.Height));
            await page.Mouse.DownAsync();
            for (int p = 2; p < stroke.Length; p += 2)
                await page.Mouse.MoveAsync((float)(box.X + stroke[p] * box.Width), (float)(box.Y + stroke[p + 1] * box.Height), new() { Steps = 8 });
            await page.Mouse.UpAsync();
        }
        // The bars follow the drawing live; wait until the last prediction is in.
        await page.WaitForFunctionAsync("() => !busy && !again && document.body.dataset.predicted !== undefined", null, new() { Timeout = 15_000 });

        string folder = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(folder);
        string screenshot = Path.Combine(folder, $"serving-page-digit-{digit}.png");
        await page.ScreenshotAsync(new() { Path = screenshot });
        output.WriteLine($"Screenshot: {screenshot}");
        Console.WriteLine($"BrowserTests screenshot: {screenshot}");

        Assert.Empty(errors);
        // Live: the page predicted while the strokes were drawn, not once at the end.
        long predictions = fixture.Server.Metrics.Requests("/v1/predict", 200) - predictionsBefore;
        Assert.True(predictions >= 2, $"the page sent {predictions} predictions while a {digit} was drawn in {strokes.Length} strokes of 8 moves or more");
        Assert.Equal(10, await page.Locator("#bars li").CountAsync());
        string predicted = await page.EvaluateAsync<string>("() => document.body.dataset.predicted");
        string shown = await page.Locator("#top-label").InnerTextAsync();
        var widths = await page.Locator("#bars .fill").EvaluateAllAsync<string[]>("bars => bars.map(b => b.style.width)");
        Assert.True(predicted == digit.ToString(), $"drew a {digit}, the page predicted {predicted}; bars {string.Join(" ", widths)}; see {screenshot}");
        Assert.Equal(digit.ToString(), shown);
    }
}
