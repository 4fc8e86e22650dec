namespace DeepSharp.Compression;

/// <summary>
/// tfmot's <c>ConstantSparsity</c>: one target sparsity, applied every
/// <see cref="PruningSchedule.Frequency"/> steps from the begin step (to the end step, or for good
/// with −1). <c>new ConstantSparsity(0.9f, 0, frequency: 1)</c> prunes 90 % at the first step.
/// </summary>
public sealed class ConstantSparsity : PruningSchedule
{
    /// <param name="targetSparsity">The fraction of weights pruned, in [0, 1).</param>
    /// <param name="beginStep">First step that updates the masks.</param>
    /// <param name="endStep">Last step that updates them; −1 for no end.</param>
    /// <param name="frequency">Steps between mask updates (tfmot's default 100).</param>
    /// <exception cref="ArgumentException">A sparsity outside [0, 1) or bad steps.</exception>
    public ConstantSparsity(float targetSparsity, long beginStep, long endStep = -1, int frequency = 100)
        : base(beginStep, endStep, frequency) => TargetSparsity = CheckSparsity(targetSparsity, nameof(targetSparsity));

    /// <summary>The fraction of weights pruned.</summary>
    public float TargetSparsity { get; }

    /// <inheritdoc/>
    public override float Sparsity(long step) => TargetSparsity;
}
