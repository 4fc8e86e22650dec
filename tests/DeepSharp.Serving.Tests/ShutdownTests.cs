using System.Diagnostics;
using System.Text.RegularExpressions;

namespace DeepSharp.Serving.Tests;

/// <summary>
/// A real <c>deepsharp serve</c> process and SIGTERM: the request in flight finishes with its answer,
/// new connections are refused, and the process exits 0.
/// </summary>
public class ShutdownTests
{
    [SkippableFact]
    public async Task SigtermLetsTheRequestInFlightFinishAndRefusesNewOnes()
    {
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "SIGTERM is a POSIX signal.");
        string cli = Path.Combine(AppContext.BaseDirectory, "DeepSharp.Cli.dll");
        var start = new ProcessStartInfo("dotnet", [cli, "serve", TrainedMnist.File, "--port", "0", "--threads", "1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        var address = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
            var match = Regex.Match(e.Data, @"at (http://\S+)");
            if (match.Success) address.TrySetResult(new Uri(match.Groups[1].Value));
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var uri = await address.Task.WaitAsync(TimeSpan.FromSeconds(60));
            using var client = new HttpClient { BaseAddress = uri, Timeout = TimeSpan.FromSeconds(30) };
            Assert.Equal(200, (int)(await client.GetAsync("/healthz")).StatusCode);

            // The request in flight: its body is sent in two halves, the second after the signal.
            var secondHalf = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var inFlight = client.PostAsync("/v1/predict", new SlowContent(await Requests.Json(TrainedMnist.Image(0)).ReadAsByteArrayAsync(), secondHalf.Task));
            await Task.Delay(500);
            Assert.False(inFlight.IsCompleted, "the request should still be sending its body");
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString()])) await kill.WaitForExitAsync();
            await Task.Delay(500);

            // New connections are refused (or, if one slips in, answered 503) while the first request is still in flight.
            Assert.False(inFlight.IsCompleted, "the request in flight should still be waiting");
            using (var fresh = new HttpClient { BaseAddress = uri, Timeout = TimeSpan.FromSeconds(10) })
            {
                try
                {
                    var refused = await fresh.PostAsync("/v1/predict", Requests.Json(TrainedMnist.Image(1)));
                    Assert.Equal(503, (int)refused.StatusCode);
                }
                catch (HttpRequestException)
                {
                    // Connection refused: the listener is closed.
                }
            }

            secondHalf.SetResult();
            var json = await Requests.Read(await inFlight, 200);
            Assert.Single(json["outputs"]!.AsArray());
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(0, process.ExitCode);
            lock (output) Assert.Contains("Stopped.", output.ToString());
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
    }

    /// <summary>A JSON body sent in two halves: the second once <paramref name="resume"/> completes.</summary>
    private sealed class SlowContent : HttpContent
    {
        private readonly byte[] body;
        private readonly Task resume;

        public SlowContent(byte[] body, Task resume)
        {
            this.body = body;
            this.resume = resume;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(body.AsMemory(0, body.Length / 2));
            await stream.FlushAsync();
            await resume;
            await stream.WriteAsync(body.AsMemory(body.Length / 2));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }
}
