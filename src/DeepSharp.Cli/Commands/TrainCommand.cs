using System.CommandLine;

namespace DeepSharp.Cli.Commands;

/// <summary><c>deepsharp train DATASET</c>: trains a preset model on a data set.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var train = new Command("train", "Train a preset model on a data set.");
        train.Options.Add(CliDistributed.ShardOptimizer); // data-parallel under mpiexec (docs/distributed.md)
        train.Options.Add(CliDistributed.Exchange);
        train.Subcommands.Add(TrainMnistCommand.Create());
        train.Subcommands.Add(TrainNamesCommand.Create());
        train.Subcommands.Add(TrainSpamCommand.Create());
        train.Subcommands.Add(TrainSpeechDigitsCommand.Create());
        return train;
    }
}
