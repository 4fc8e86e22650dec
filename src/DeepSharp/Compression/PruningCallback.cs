using DeepSharp.Nn;
using DeepSharp.Training.Callbacks;

namespace DeepSharp.Compression;

/// <summary>
/// Prunes during Fit by a <see cref="PruningSchedule"/> (tfmot's <c>prune_low_magnitude</c> with its
/// <c>UpdatePruningStep</c> callback, in one): before each training step t — the optimizer's
/// iteration count, so a resumed run continues the schedule where it stopped — when the schedule
/// says so, the masks of the prunable weights are recomputed by magnitude to the schedule's
/// sparsity at t and the pruned weights zeroed. Between updates the optimizer holds the masks.
/// <code>
/// model.Fit(x, y, epochs: 2, callbacks: [new PruningCallback(new PolynomialDecaySparsity(0.5f, 0.9f, 0, 1000))]);
/// Pruning.StripPruning(model);
/// </code>
/// At the start of each Fit the masks are taken from the weights' zeros, after any callback listed
/// before this one has restored a checkpoint (BackupAndRestore), so a resumed run holds the masks
/// of the interrupted one. The model keeps its masks after Fit; <see cref="Pruning.StripPruning"/> removes them.
/// </summary>
public sealed class PruningCallback : Callback
{
    private readonly Func<Parameter, bool>? _select;
    private bool _masksPending;

    /// <param name="schedule">When and how far to prune.</param>
    /// <param name="scope">Per layer (default) or global thresholds.</param>
    /// <param name="select">Which weights to prune (default <see cref="Pruning.IsPrunable"/>).</param>
    public PruningCallback(PruningSchedule schedule, PruningScope scope = PruningScope.Layer, Func<Parameter, bool>? select = null)
    {
        Schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));
        Scope = scope;
        _select = select;
    }

    /// <summary>The sparsity schedule.</summary>
    public PruningSchedule Schedule { get; }

    /// <summary>Per layer or global.</summary>
    public PruningScope Scope { get; }

    /// <summary>The step of the last mask update (−1 before the first).</summary>
    public long LastUpdateStep { get; private set; } = -1;

    /// <inheritdoc/>
    public override void OnTrainBegin() => _masksPending = true;

    /// <inheritdoc/>
    public override void OnTrainBatchBegin(int step)
    {
        var model = Model!;
        if (model.Optimizer is not { } optimizer)
            throw new InvalidOperationException($"PruningCallback: model '{model.Name}' is not compiled.");
        if (_masksPending)
        {
            // Weights may have been restored since the last Fit (a checkpoint, LoadWeights): the
            // masks are what their zeros say.
            Pruning.RederiveMasks(model, _select);
            _masksPending = false;
        }
        long t = optimizer.Iterations;
        if (!Schedule.ShouldPrune(t)) return;
        float sparsity = Schedule.Sparsity(t);
        foreach (var group in Pruning.Groups(model, Scope, _select)) MagnitudeMask.Update(group, sparsity);
        LastUpdateStep = t;
    }
}
