using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

internal sealed partial class Trainer
{
    // The trainable weights that carry a regularizer, listed after the first forward pass of a Fit
    // or batch call has built the layers; empty for most models, so the step adds nothing then.
    private Parameter[]? _regularized;

    // The sum of the activity penalties the current step's forward pass collected (null: none).
    private Tensor? _activityLoss;

    /// <summary>
    /// Keras's compute_loss: the compiled losses plus <c>model.losses</c> — each regularized trainable
    /// weight's penalty and the layers' activity penalties — so that the penalties are minimised,
    /// logged in "loss" and counted by Evaluate. Loss weights do not scale them (as in Keras).
    /// </summary>
    private Tensor WithRegularization(Tensor total)
    {
        var regularized = _regularized ??= Regularized(_model.Parameters);
        for (int i = 0; i < regularized.Length; i++)
            total = regularized[i].Regularizer!.AddPenalty(total, regularized[i].Value, 1f);
        return _activityLoss is { } activity ? Ops.Add(total, activity) : total;
    }

    private static Parameter[] Regularized(IEnumerable<Parameter> parameters)
    {
        var list = new List<Parameter>();
        foreach (var p in parameters)
            if (p.Trainable && p.Regularizer is not null) list.Add(p);
        return [.. list];
    }
}
