using System.CommandLine;

namespace DeepSharp.Cli.Commands;

/// <summary>Options shared by training commands, with their validation.</summary>
internal static class CommonOptions
{
    public static Option<int> Positive(string name, string description, int defaultValue)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(result =>
        {
            if (Given(result) is <= 0) result.AddError($"{name} must be a positive integer.");
        });
        return option;
    }

    /// <summary>A positive integer that is null when not given (the caller picks the default).</summary>
    public static Option<int?> OptionalPositive(string name, string description)
    {
        var option = new Option<int?>(name) { Description = description };
        option.Validators.Add(result =>
        {
            if (Given(result) is <= 0) result.AddError($"{name} must be a positive integer.");
        });
        return option;
    }

    public static Option<int> Threads()
    {
        var option = new Option<int>("--threads")
        {
            Description = "CPU threads for the kernels (default: all processors; under mpiexec, the processors shared among the ranks on this machine).",
            DefaultValueFactory = _ => CliDistributed.DefaultThreads,
        };
        option.Validators.Add(result =>
        {
            if (Given(result) is <= 0 or > 1024) result.AddError("--threads must be between 1 and 1024.");
        });
        return option;
    }

    /// <summary>The integer the user typed, or null (absent, or not a number: the parser reports that).</summary>
    private static int? Given(System.CommandLine.Parsing.OptionResult result) =>
        result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, out int value) ? value : null;

    public static Option<long> Seed() => new("--seed")
    {
        Description = "Random seed for initialisation, shuffling and dropout.",
        DefaultValueFactory = _ => 42,
    };

    public static Option<DirectoryInfo?> DataDir() => new("--data-dir")
    {
        Description = "Folder holding the data set's files (instead of fetching them into the cache).",
    };
}
