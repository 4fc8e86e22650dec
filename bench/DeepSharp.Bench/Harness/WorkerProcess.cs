using System.Diagnostics;
using System.Reflection;

namespace DeepSharp.Bench.Harness;

/// <summary>
/// The orchestrator's handle on one worker: this same program started again with --worker, with
/// its own environment (the allocator tuning must be in place before a process starts).
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;

    private WorkerProcess(string label, Process process)
    {
        Label = label;
        _process = process;
    }

    /// <summary>Short name used in the log and the table, e.g. "libtorch tuned".</summary>
    public string Label { get; }

    public static WorkerProcess Start(string label, string framework, IReadOnlyDictionary<string, string?> environment)
    {
        var psi = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find this program's path.");
        psi.FileName = self;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(Assembly.GetExecutingAssembly().Location);
        psi.ArgumentList.Add("--worker");
        psi.ArgumentList.Add(framework);
        foreach (var (key, value) in environment)
        {
            if (value is null) psi.Environment.Remove(key);
            else psi.Environment[key] = value;
        }
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start the {label} worker.");
        return new WorkerProcess(label, process);
    }

    /// <summary>Sends one command and waits for its reply; lines that are not replies are echoed.</summary>
    public Reply Call(string command)
    {
        Send(command);
        return Receive(command);
    }

    /// <summary>Sends a command without waiting, so that several workers can work at once (start-up only).</summary>
    public void Send(string command)
    {
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
    }

    /// <summary>The worker's process id (for its CPU accounting in /proc).</summary>
    public int ProcessId => _process.Id;

    /// <summary>Waits for the reply to the command sent last.</summary>
    public Reply Receive(string command)
    {
        while (_process.StandardOutput.ReadLine() is { } line)
        {
            if (line.StartsWith("@result", StringComparison.Ordinal)) return Reply.Parse(line);
            if (line.StartsWith("@error", StringComparison.Ordinal))
                throw new InvalidOperationException($"{Label} worker failed on '{command}': {line["@error ".Length..]}");
            Console.WriteLine($"  [{Label}] {line}");
        }
        throw new InvalidOperationException($"{Label} worker exited (code {(_process.HasExited ? _process.ExitCode : -1)}) during '{command}'.");
    }

    /// <summary>Peak resident memory of the worker process so far (VmHWM), in bytes.</summary>
    public long PeakWorkingSet
    {
        get
        {
            _process.Refresh();
            return _process.PeakWorkingSet64;
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.WriteLine("quit");
                _process.StandardInput.Flush();
                if (!_process.WaitForExit(10_000)) _process.Kill();
            }
        }
        catch (InvalidOperationException) { }
        catch (IOException) { }
        _process.Dispose();
    }
}
