using System.CommandLine;
using System.CommandLine.Help;

namespace DeepSharp.Cli;

/// <summary>
/// Runs the command line: usage mistakes and bad input print one line on standard error and exit
/// non-zero, without a stack trace; only unexpected failures show one. Bad input is every
/// <see cref="DeepSharpException"/> (a damaged, hostile or unreadable file among them), and the
/// I/O and argument errors of the command's own file handling.
/// </summary>
internal static class CliRunner
{
    public const int UsageError = 2;
    public const int Failure = 1;

    /// <summary>The command's name in help and usage lines, however it is launched (the apphost, <c>dotnet DeepSharp.Cli.dll</c>, <c>dotnet run</c>).</summary>
    public const string Name = "deepsharp";

    /// <summary>
    /// The root command, named <see cref="Name"/>: a RootCommand takes its name from the executable
    /// (DeepSharp.Cli under <c>dotnet</c>), so this is a plain command with RootCommand's --help and --version.
    /// </summary>
    public static Command Root(string description) => new(Name, description) { new HelpOption(), new VersionOption() };

    /// <summary>The arguments of this run, as given (to print a command that repeats it).</summary>
    public static IReadOnlyList<string> Arguments { get; private set; } = [];

    public static int Run(Command root, string[] args)
    {
        Arguments = args;
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"deepsharp: {error.Message}");
            Console.Error.WriteLine("Run 'deepsharp --help' for usage.");
            return UsageError;
        }
        try
        {
            CliDistributed.Start(parse); // under mpiexec: join the job (rank 0 alone prints)
            int code = parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
            if (code != 0) CliDistributed.AbortIfSeveral(new InvalidOperationException($"the command ended with exit code {code}"));
            return code;
        }
        catch (Exception e) when (IsUserError(e))
        {
            // Messages quote names from files: escaped, so a hostile name cannot drive the terminal.
            Console.Error.WriteLine($"deepsharp: error: {TerminalText.Escape(e.Message.ReplaceLineEndings(" "))}");
            CliDistributed.AbortIfSeveral(e);
            return Failure;
        }
        catch (Exception e) when (CliDistributed.Strategy is { WorldSize: > 1 })
        {
            CliDistributed.AbortIfSeveral(e); // an unexpected failure on one rank must not leave the others waiting
            throw;
        }
    }

    private static bool IsUserError(Exception e) =>
        e is DeepSharpException or IOException or UnauthorizedAccessException or ArgumentException;
}
