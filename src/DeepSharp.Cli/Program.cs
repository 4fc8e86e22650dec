using System.CommandLine;
using DeepSharp.Cli;
using DeepSharp.Cli.Commands;

var root = new RootCommand("DeepSharp: build, train and run neural networks in pure C#.");
root.Subcommands.Add(TrainCommand.Create());
return CliRunner.Run(root, args);
