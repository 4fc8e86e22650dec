using System.ComponentModel;
using System.Diagnostics;
using DeepSharp.Data.Audio;

namespace DeepSharp.Data.Datasets;

/// <summary>
/// Makes a speech-digits folder: runs espeak-ng once per utterance (<c>-v accent+variant -s speed -p
/// pitch -w file word</c>), several at once (bounded by the processor count), each with a time limit;
/// checks that each file is 16-bit mono WAV, hashes it, and writes the manifest last.
/// </summary>
internal static class SpeechDigitsGenerator
{
    /// <summary>Writes every utterance of <paramref name="spec"/> under <paramref name="folder"/> and returns them with their hashes.</summary>
    /// <exception cref="DatasetUnavailableException">espeak-ng is missing, fails, or runs past <paramref name="timeout"/>.</exception>
    public static List<SpeechUtterance> Generate(SpeechDigitsSpec spec, string folder, string espeak, TimeSpan timeout)
    {
        var utterances = spec.Utterances();
        Directory.CreateDirectory(Path.Combine(folder, "wav"));
        var done = new SpeechUtterance[utterances.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) };
        try
        {
            Parallel.For(0, utterances.Count, options, i =>
            {
                var u = utterances[i];
                string path = Path.Combine(folder, u.File);
                Speak(espeak, u, path, timeout);
                WavFile.Read(path); // 16-bit mono PCM, whole
                done[i] = u with { Sha256 = FileHash.Sha256Hex(path) };
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.All(x => x is DeepSharpException))
        {
            throw e.InnerExceptions[0];
        }
        AtomicFile.WriteAllText(Path.Combine(folder, SpeechDigitsManifest.FileName), SpeechDigitsManifest.Format(spec, done));
        return [.. done];
    }

    private static void Speak(string espeak, SpeechUtterance u, string path, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(espeak)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "-v", u.Voice, "-s", $"{u.Speed}", "-p", $"{u.Pitch}", "-w", path, SpeechDigitsSpec.Words[u.Digit] })
            start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception("no process");
        }
        catch (Win32Exception e)
        {
            throw new DatasetUnavailableException($"The speech-digits data set is made with espeak-ng, which could not be started ('{espeak}': {e.Message}). " +
                "Install it (Debian/Ubuntu: apt-get install espeak-ng) or name it with $DEEPSHARP_ESPEAK.");
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                throw new DatasetUnavailableException($"espeak-ng ran past {timeout.TotalSeconds:0} s on voice {u.Voice}, word '{SpeechDigitsSpec.Words[u.Digit]}'.");
            }
            process.WaitForExit();
            if (process.ExitCode != 0 || !File.Exists(path))
                throw new DatasetUnavailableException($"espeak-ng failed (exit code {process.ExitCode}) on voice {u.Voice}, speed {u.Speed}, pitch {u.Pitch}, " +
                    $"word '{SpeechDigitsSpec.Words[u.Digit]}': {TerminalText.Escape(stderr.Result.Trim())}");
            _ = stdout.Result;
        }
    }
}
