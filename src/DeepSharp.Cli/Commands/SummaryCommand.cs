using System.CommandLine;
using System.Globalization;
using DeepSharp.Compression;

namespace DeepSharp.Cli.Commands;

/// <summary><c>deepsharp summary MODEL</c>: the layer table of a model file.</summary>
internal static class SummaryCommand
{
    public static Command Create()
    {
        var model = ModelArguments.Model();
        var command = new Command("summary", "Print the layers, output shapes and parameter counts of a model file, and the share of zero kernel weights of a pruned one.") { model };
        command.SetAction(result =>
        {
            var loaded = ModelArguments.Load(result.GetValue(model)!);
            loaded.Summary();
            // A file does not carry pruning masks (deepsharp prune strips them), so a pruned file's sparsity is its zeros.
            var sparse = Pruning.Sparsity(loaded).Where(s => s.Value > 0).ToList();
            if (sparse.Count > 0)
            {
                Console.WriteLine(" Sparsity (zero kernel weights):");
                foreach (var (layer, fraction) in sparse)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   {TerminalText.Escape(layer)}: {100 * fraction:F2} %"));
            }
            return 0;
        });
        return command;
    }
}
