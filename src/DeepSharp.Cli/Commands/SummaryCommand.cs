using System.CommandLine;

namespace DeepSharp.Cli.Commands;

/// <summary><c>deepsharp summary MODEL</c>: the layer table of a model file.</summary>
internal static class SummaryCommand
{
    public static Command Create()
    {
        var model = ModelArguments.Model();
        var command = new Command("summary", "Print the layers, output shapes and parameter counts of a model file.") { model };
        command.SetAction(result =>
        {
            var loaded = ModelArguments.Load(result.GetValue(model)!);
            loaded.Summary();
            return 0;
        });
        return command;
    }
}
