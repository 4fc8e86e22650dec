using System.Diagnostics.CodeAnalysis;
using DeepSharp.Optimizers;
using DeepSharp.Serialization;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>Checkpoints of a running Fit: what BackupAndRestore saves between steps and restores at the start.</summary>
internal sealed partial class Trainer
{
    private const string ShuffleRole = "shuffle", GlobalRole = "global", LayerRolePrefix = "layers/";

    /// <summary>A snapshot of the running Fit, taken between steps (from a callback).</summary>
    public Checkpoint CaptureCheckpoint()
    {
        var run = Run ?? throw new InvalidOperationException("A checkpoint can only be taken during Fit (from a callback).");
        var c = new Checkpoint
        {
            Epoch = run.Epoch,
            Step = run.Step,
            TotalSteps = run.TotalSteps,
            PassBatch = run.PassBatch,
            Optimizer = Optimizer.GetState(),
            DataOrder = run.Train.Order.Length > 0 ? run.Train.Order.ToArray() : null,
            LossSum = run.LossMean.Sum,
            LossCount = run.LossMean.Count,
        };
        foreach (var p in _model.Parameters) c.Weights[p.Path] = p.Value.Clone();
        foreach (var (role, generator) in TrainingGenerators(run)) c.Generators[role] = generator.GetState();
        foreach (var m in _compiled)
            if (m.Metric.GetState() is { } totals) c.Metrics[m.LogName] = totals;
        foreach (int e in run.History.Epochs) c.HistoryEpochs.Add(e);
        foreach (var (name, values) in run.History.Values) c.History[name] = [.. values];
        return c;
    }

    /// <summary>
    /// Puts a checkpoint's state into this model, its optimizer, generators and data loader, and makes
    /// the running Fit continue from its position. Called from a callback's OnTrainBegin.
    /// </summary>
    /// <exception cref="WeightMismatchException">The checkpoint's weights do not fit this model.</exception>
    /// <exception cref="DataFormatException">The checkpoint does not fit this training run (optimizer, generators, data, metrics).</exception>
    public void RestoreCheckpoint(Checkpoint c, string source)
    {
        var run = Run ?? throw new InvalidOperationException("A checkpoint can only be restored during Fit (from a callback).");
        [DoesNotReturn] void Fail(string what) => throw new DataFormatException($"Checkpoint '{source}': {what}");

        // Check everything that can be checked before changing anything.
        CheckWeights(c, source);
        var weights = _model.Parameters.Select(p => (p, c.Weights[p.Path].Span.ToArray())).ToList();
        ModelWeights.CheckValues(weights, $"Checkpoint '{source}'"); // as a model file's weights are: integer weights, scales
        var generators = TrainingGenerators(run);
        var expected = generators.Select(g => g.Role).Order(StringComparer.Ordinal).ToList();
        var saved = c.Generators.Keys.Order(StringComparer.Ordinal).ToList();
        if (!expected.SequenceEqual(saved))
            Fail($"it holds generators [{string.Join(", ", saved)}]; this training run has [{string.Join(", ", expected)}].");
        if (run.Train.BatchCount is int batches && c.PassBatch > batches)
            Fail($"it is at batch {c.PassBatch} of a pass; the data has {batches} batches per pass.");
        if (c.Step > 0 && c.LossCount == 0) Fail($"it is at step {c.Step} but its running loss counts no samples.");
        if (run.Train.Order.Length > 0)
        {
            if (c.DataOrder is null) Fail("it holds no data order; this training run shuffles a data set.");
            run.Train.RestoreOrder(c.DataOrder);
        }
        else if (c.DataOrder is not null)
            Fail("it holds a data order; this training run reads batches from a source that has none.");

        try
        {
            Optimizer.SetState(c.Optimizer);
        }
        catch (Exception e) when (e is ArgumentException or ShapeMismatchException)
        {
            throw new DataFormatException($"Checkpoint '{source}': the optimizer state does not fit ({e.Message})", e);
        }
        foreach (var (p, values) in weights) values.CopyTo(p.Value.Span);
        foreach (var (role, generator) in generators) generator.SetState(c.Generators[role]);
        if (c.Step > 0)
        {
            foreach (var m in _compiled)
                if (c.Metrics.TryGetValue(m.LogName, out var totals) && !m.Metric.SetState(totals))
                    Fail($"metric '{m.LogName}' totals [{string.Join(", ", totals)}] do not fit it.");
        }
        run.LossMean = new RunningMean(c.LossSum, c.LossCount);
        run.History.Clear();
        for (int i = 0; i < c.HistoryEpochs.Count; i++)
        {
            var logs = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var (name, values) in c.History) logs[name] = values[i];
            run.History.Record(c.HistoryEpochs[i], logs);
        }
        (run.Epoch, run.Step, run.TotalSteps, run.PassBatch) = (c.Epoch, c.Step, c.TotalSteps, c.PassBatch);
        run.Resume = c;
    }

    /// <summary>
    /// The settings of the running Fit that a checkpoint must share to be resumed from: the batches
    /// (size, samples, batches per pass, steps per epoch, shuffling), the architecture (SHA-256 of the
    /// model's config JSON, first 16 hex digits) and the optimizer with its schedule and gradient accumulation (a decaying schedule
    /// by its rates at a few steps; a constant rate is part of the optimizer's restored state instead).
    /// </summary>
    internal SortedDictionary<string, string> FitSettings(int stepsPerEpoch)
    {
        var run = Run ?? throw new InvalidOperationException("Fit settings exist only during Fit.");
        var optimizer = Optimizer;
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["steps_per_epoch"] = stepsPerEpoch.ToString(inv),
            ["shuffle"] = run.Train.Shuffle ? "true" : "false",
            ["optimizer"] = optimizer.Name,
            ["model"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
                System.Text.Encoding.UTF8.GetBytes(_model.ArchitectureJson().ToJsonString())))[..16],
        };
        if (optimizer.GradientAccumulationSteps is { } accumulation) settings["gradient_accumulation_steps"] = accumulation.ToString(inv);
        if (run.Train.BatchSize > 0) settings["batch_size"] = run.Train.BatchSize.ToString(inv);
        if (run.Train.SampleCount is int samples) settings["samples"] = samples.ToString(inv);
        if (run.Train.BatchCount is int batches) settings["batches_per_pass"] = batches.ToString(inv);
        var schedule = optimizer.Schedule;
        settings["learning_rate_schedule"] = schedule is Optimizers.Schedules.ConstantLearningRate ? schedule.Name
            : $"{schedule.Name}: " + string.Join(", ", new long[] { 0, 100, 10_000, 1_000_000 }.Select(step => $"{schedule.Rate(step).ToString("R", inv)} at step {step}"));
        return settings;
    }

    private void CheckWeights(Checkpoint c, string source)
    {
        var problems = new ModelWeights.Problems();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in _model.Parameters)
        {
            seen.Add(p.Path);
            if (!c.Weights.TryGetValue(p.Path, out var w)) problems.Add($"{p.Path}: missing from the checkpoint (model {p.Shape})");
            else if (w.Shape != p.Shape) problems.Add($"{p.Path}: checkpoint {w.Shape}, model {p.Shape}");
        }
        foreach (var (path, w) in c.Weights)
            if (!seen.Contains(path)) problems.Add(path, w.Shape);
        problems.ThrowIfAny(source);
    }

    /// <summary>
    /// Every generator training draws from, by role: the data loader's shuffling, each layer's own
    /// (dropout, augmentation) and the global one (which forks new generators).
    /// </summary>
    private List<(string Role, RandomGenerator Generator)> TrainingGenerators(FitRun run)
    {
        var list = new List<(string, RandomGenerator)> { (GlobalRole, RandomGenerator.Global) };
        if (run.Train.Generator is { } shuffle) list.Add((ShuffleRole, shuffle));
        foreach (var layer in _model.Layers)
            foreach (var l in layer.SelfAndSublayers())
                if (l.TrainingGenerator is { } g) list.Add((LayerRolePrefix + l.Path, g));
        return list;
    }
}
