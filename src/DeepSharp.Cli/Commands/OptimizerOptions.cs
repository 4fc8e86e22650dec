using System.CommandLine;
using System.Globalization;
using DeepSharp.Optimizers;

namespace DeepSharp.Cli.Commands;

/// <summary>
/// <c>--optimizer NAME --learning-rate LR --gradient-accumulation N</c>: the optimizer a training command
/// compiles with instead of its model's own (Keras's names, Keras's defaults for everything else), its
/// constant learning rate, and Keras's <c>gradient_accumulation_steps</c>. All three go into the run's
/// checkpoint settings, so a restart with others is refused.
/// </summary>
internal sealed class OptimizerOptions
{
    public Option<string?> Name { get; } = new("--optimizer")
    {
        Description = $"Train with this optimizer (Keras's defaults) instead of the model's own: {string.Join(", ", Optimizer.Names)}.",
    };

    public Option<float?> LearningRate { get; } = new("--learning-rate")
    {
        Description = "Learning rate (default: the optimizer's; with the model's own schedule, its starting rate).",
    };

    public Option<int?> GradientAccumulation { get; } = new("--gradient-accumulation")
    {
        Description = "Average the gradients of N batches and update once per N (an effective batch N times larger; default 1: every batch).",
    };

    public OptimizerOptions()
    {
        Name.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && Known(result.Tokens[0].Value) is null)
                result.AddError($"--optimizer '{result.Tokens[0].Value}' is unknown; choose one of: {string.Join(", ", Optimizer.Names)}.");
        });
        LearningRate.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && float.TryParse(result.Tokens[0].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out float lr)
                && !(lr > 0f && float.IsFinite(lr)))
                result.AddError("--learning-rate must be a positive number.");
        });
        GradientAccumulation.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, out int n) && n < 1)
                result.AddError("--gradient-accumulation must be a positive integer (1: no accumulation).");
        });
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Name);
        command.Options.Add(LearningRate);
        command.Options.Add(GradientAccumulation);
    }

    /// <summary>The first of these options the command line gives, or null.</summary>
    public string? Given(System.CommandLine.Parsing.CommandResult result)
    {
        foreach (Option option in new Option[] { Name, LearningRate, GradientAccumulation })
            if (result.GetResult(option) is { Implicit: false }) return option.Name;
        return null;
    }

    /// <summary>The batches averaged per update (1 when not given).</summary>
    public int AccumulationSteps(ParseResult result) => result.GetValue(GradientAccumulation) ?? 1;

    /// <summary>
    /// The optimizer to compile with: <paramref name="modelOwn"/> (given the rate asked for, or null) unless
    /// --optimizer names another; then the accumulation asked for.
    /// </summary>
    public Optimizer Create(ParseResult result, Func<float?, Optimizer> modelOwn)
    {
        float? rate = result.GetValue(LearningRate);
        Optimizer optimizer;
        if (result.GetValue(Name) is { } name)
        {
            optimizer = Optimizer.FromName(Known(name)!);
            if (rate is { } lr) optimizer.LearningRate = lr;
        }
        else optimizer = modelOwn(rate);
        if (AccumulationSteps(result) is > 1 and int n) optimizer.GradientAccumulationSteps = n;
        return optimizer;
    }

    /// <summary>The settings a resumed run must share with the checkpoint's, as the user gave them.</summary>
    public void AddRunSettings(ParseResult result, IDictionary<string, string> settings)
    {
        if (result.GetValue(Name) is { } name) settings["--optimizer"] = Known(name)!;
        if (result.GetValue(LearningRate) is { } lr) settings["--learning-rate"] = lr.ToString("R", CultureInfo.InvariantCulture);
        if (AccumulationSteps(result) > 1) settings["--gradient-accumulation"] = AccumulationSteps(result).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>How the run's log line describes the optimizer.</summary>
    public static string Describe(Optimizer optimizer, string modelOwn, bool replaced)
    {
        string text = replaced ? optimizer.Name : modelOwn;
        if (replaced || optimizer.Schedule is Optimizers.Schedules.ConstantLearningRate)
            text += string.Create(CultureInfo.InvariantCulture, $" (learning rate {optimizer.LearningRate:G4})");
        if (optimizer.GradientAccumulationSteps is { } n) text += $", gradients accumulated over {n} batches";
        return text;
    }

    /// <summary>The Keras name for what the user typed (case and underscores ignored, as FromName), or null.</summary>
    private static string? Known(string typed)
    {
        string key = typed.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
        foreach (var name in Optimizer.Names) if (name == key) return name;
        return null;
    }
}
