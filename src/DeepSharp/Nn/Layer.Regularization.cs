using DeepSharp.Autograd;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn;

/// <summary>
/// Regularization losses (Keras's <c>layer.losses</c>): the penalties of the weights that carry a
/// <see cref="Parameter.Regularizer"/>, and the activity penalty of the layer's output.
/// </summary>
public abstract partial class Layer
{
    private Tensor? _activityLoss;

    /// <summary>
    /// The penalty on this layer's output (Keras's <c>activity_regularizer</c>), divided by the batch
    /// size as Keras 3 does; null for none. Layers that take it (Dense, the convolutions, Embedding, the
    /// recurrent layers, MultiHeadAttention) set it from their constructors.
    /// </summary>
    public Regularizer? ActivityRegularizer { get; protected init; }

    /// <summary>
    /// Keras's <c>layer.losses</c>: one scalar per trainable weight (this layer's and its sublayers')
    /// that has a regularizer, computed now from the weight's value and differentiable, then the
    /// activity penalties of the latest call of each layer that has an activity regularizer and was
    /// called with gradients recorded. Fit, Evaluate and the one-batch calls add these to the loss
    /// themselves; read them in a custom training loop, after the forward pass, to do the same.
    /// </summary>
    public IReadOnlyList<Tensor> RegularizationLosses
    {
        get
        {
            var losses = new List<Tensor>();
            foreach (var p in Parameters)
                if (p.Trainable && p.Regularizer is { } r) losses.Add(r.Penalty(p.Value));
            foreach (var layer in SelfAndSublayers())
                if (layer._activityLoss is { } a) losses.Add(a);
            return losses;
        }
    }

    /// <summary>
    /// Records the activity penalty of <paramref name="output"/> when the layer has an
    /// <see cref="ActivityRegularizer"/> and returns the output unchanged: call it on the layer's
    /// result at the end of <see cref="Forward(Tensor, bool)"/>. Inside Fit and Evaluate the step
    /// collects it; elsewhere the layer keeps it for <see cref="RegularizationLosses"/> (not under
    /// NoGrad, so that inference does not pay for it).
    /// </summary>
    protected Tensor WithActivityPenalty(Tensor output)
    {
        if (ActivityRegularizer is not { } r) return output;
        if (ActivityLosses.Collecting) ActivityLosses.Add(r, output);
        else _activityLoss = NoGrad.IsActive ? null : ActivityLosses.Of(r, output);
        return output;
    }

    /// <summary>
    /// As <see cref="WithActivityPenalty(Tensor)"/> for a call that returns several tensors (a
    /// recurrent layer's output and states, attention's output and scores): Keras penalises each.
    /// </summary>
    protected void WithActivityPenalty(IReadOnlyList<Tensor> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        if (ActivityRegularizer is not { } r) return;
        if (ActivityLosses.Collecting)
        {
            for (int i = 0; i < outputs.Count; i++) ActivityLosses.Add(r, outputs[i]);
            return;
        }
        Tensor? sum = null;
        if (!NoGrad.IsActive)
            for (int i = 0; i < outputs.Count; i++) sum = ActivityLosses.Of(r, outputs[i], sum);
        _activityLoss = sum;
    }
}
