using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;

namespace DeepSharp.Serving.Tests;

/// <summary>
/// SLOW (one NativeAOT publish: about 45 s of CPU, 1–3 minutes on 2 shared cores): samples/AotInference
/// published with NativeAOT into a temporary folder (<c>--artifacts-path</c>, so the repository's own
/// bin/obj are not touched), run on the trained MNIST CNN's model file and 200 test images; its answers
/// must be those of the same library under the JIT (this test process) for every image: the same class,
/// and probabilities equal to within float rounding (<see cref="Tolerance"/>). NativeAOT on
/// Linux needs clang and zlib1g-dev (.ci/run installs them); without clang the test is skipped and says so.
/// </summary>
public sealed class NativeAotSampleTests
{
    private const int Images = 200;

    /// <summary>
    /// How far a probability may differ: a default NativeAOT build targets x86-64-v2, so its kernels take
    /// 128-bit paths where the JIT on this machine takes 512-bit ones, and sums round in another order
    /// (seen: 1e-10 on 1e-4, a relative 1e-6); a wrong kernel or weight moves them by far more.
    /// </summary>
    private const float Tolerance = 1e-5f;

    [SkippableFact]
    public void PublishedNativeSampleAnswersAsTheJitBuild()
    {
        string? clang = Which("clang");
        Skip.If(clang is null, "clang is not installed (apt-get install clang zlib1g-dev): NativeAOT on Linux links with it, so the NativeAOT publish test cannot run.");
        string root = RepositoryRoot();
        string temp = Directory.CreateTempSubdirectory("deepsharp-aot-").FullName;
        try
        {
            string publish = Path.Combine(temp, "publish");
            var clock = Stopwatch.StartNew();
            Run("dotnet", root, TimeSpan.FromMinutes(8),
                "publish", "samples/AotInference/AotInference.csproj", "-c", "Release", "--artifacts-path", Path.Combine(temp, "artifacts"), "-o", publish);
            double publishSeconds = clock.Elapsed.TotalSeconds;
            string native = Path.Combine(publish, "AotInference");
            Assert.True(File.Exists(native), $"The publish wrote no native AotInference into {publish}: {string.Join(", ", Directory.GetFiles(publish).Select(Path.GetFileName))}");
            Assert.False(File.Exists(Path.Combine(publish, "AotInference.dll")), "The publish wrote AotInference.dll: it was not a NativeAOT publish.");

            // 200 MNIST test images as an idx3-ubyte file: the pixels the test process scales the same way.
            string imagesFile = Path.Combine(temp, "images-idx3-ubyte");
            var pixels = TrainedMnist.TestImages.SliceRows(0, Images).ToArray();
            var bytes = new byte[16 + pixels.Length];
            BinaryPrimitives.WriteInt32BigEndian(bytes, 0x803);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), Images);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), 28);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), 28);
            for (int i = 0; i < pixels.Length; i++) bytes[16 + i] = (byte)Math.Round(pixels[i] * 255f);
            File.WriteAllBytes(imagesFile, bytes);
            var x = new float[pixels.Length];
            for (int i = 0; i < x.Length; i++) x[i] = bytes[16 + i] / 255f;

            string output = Run(native, temp, TimeSpan.FromMinutes(1), TrainedMnist.File, imagesFile, "--outputs");
            var expected = TrainedMnist.Model.Predict(DeepSharp.Tensors.Tensor.Wrap(x, Images, 28, 28, 1)).ToArray();
            var lines = output.Split('\n').Where(l => l.StartsWith("outputs ", StringComparison.Ordinal)).ToArray();
            Assert.True(lines.Length == Images, $"The native sample printed {lines.Length} output lines for {Images} images:\n{output}");
            int classes = expected.Length / Images;
            for (int i = 0; i < Images; i++)
            {
                var values = lines[i][(lines[i].IndexOf(':') + 2)..].Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
                Assert.Equal(classes, values.Length);
                var jit = expected.AsSpan(i * classes, classes);
                Assert.True(ArgMax(values) == ArgMax(jit), $"Image {i}: NativeAOT says class {ArgMax(values)}, JIT {ArgMax(jit)}.");
                for (int c = 0; c < classes; c++)
                    Assert.True(Math.Abs(values[c] - jit[c]) <= Tolerance, $"Image {i}, class {c}: NativeAOT {values[c]:R}, JIT {jit[c]:R}.");
            }
            Console.WriteLine($"NativeAOT publish {publishSeconds:F0} s; {new FileInfo(native).Length / 1e6:F1} MB; {output.Split('\n').FirstOrDefault(l => l.Contains("predicted in", StringComparison.Ordinal))}");
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
        return best;
    }

    private static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DeepSharp.slnx"))) return dir.FullName;
        throw new InvalidOperationException("The repository root (DeepSharp.slnx) is not above the test output folder.");
    }

    /// <summary>Runs a program as a user's shell would (no MSBuild variables of the running <c>dotnet test</c>, no build servers left behind); fails the test unless it exits with 0.</summary>
    private static string Run(string file, string workingDirectory, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo(file, args) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var name in start.Environment.Keys.ToArray())
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
                start.Environment.Remove(name);
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"`{Path.GetFileName(file)} {string.Join(' ', args)}` did not finish in {timeout.TotalSeconds:F0} s.");
        }
        process.WaitForExit();
        string output = stdout.Result + stderr.Result;
        Assert.True(process.ExitCode == 0, $"`{Path.GetFileName(file)} {string.Join(' ', args)}` exited with {process.ExitCode}:\n{output}");
        return output;
    }
}
