using System.CommandLine;
using DeepSharp.Cli;
using DeepSharp.Cli.Commands;

var root = CliRunner.Root("DeepSharp: build, train and run neural networks in pure C#.");
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(PretrainCommand.Create());
root.Subcommands.Add(SummaryCommand.Create());
root.Subcommands.Add(EvaluateCommand.Create());
root.Subcommands.Add(PredictCommand.Create());
root.Subcommands.Add(ExportCommand.Create());
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(PruneCommand.Create());
root.Subcommands.Add(PlotCommand.Create());
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(QuantizeCommand.Create());
root.Subcommands.Add(DistillCommand.Create());
return CliRunner.Run(root, args);
