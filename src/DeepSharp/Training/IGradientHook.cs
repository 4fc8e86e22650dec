using DeepSharp.Nn;

namespace DeepSharp.Training;

/// <summary>
/// The seam where a training step's gradients are final, for data-parallel training (each rank
/// all-reduces them here; see "The gradient seam" in docs/architecture.md). Register one on the
/// model's trainer (<c>model.Trainer.GradientHooks</c>, after Compile); every training step then calls,
/// on the training thread:
/// <list type="number">
/// <item><see cref="GradientReady"/> during backward, once for each trainable parameter the loss
/// reached, as soon as its gradient is complete — output layers first, roughly — so a reduction can
/// start while backward goes on;</item>
/// <item><see cref="GradientsReady"/> once after backward and before the optimizer applies the
/// gradients (clipping included), when every gradient is final: the place to wait for reductions
/// started earlier, or to reduce everything at once.</item>
/// </list>
/// A hook may rewrite a gradient in place (<c>parameter.Value.Grad</c>), never replace the buffer;
/// it must not change the weights. Order and timing of the calls follow the graph, not the clock,
/// so they are the same on every rank.
/// </summary>
internal interface IGradientHook
{
    /// <summary>
    /// <paramref name="parameter"/>'s gradient (<c>parameter.Value.Grad</c>) is final for this step.
    /// <paramref name="index"/> is its position in <paramref name="parameter"/>'s model's trainable
    /// parameters, fixed for the whole Fit (the list <see cref="GradientsReady"/> receives).
    /// </summary>
    void GradientReady(int index, Parameter parameter);

    /// <summary>
    /// Backward is done; the optimizer applies the gradients next. <paramref name="trainable"/> are
    /// the model's trainable parameters (those with no gradient this step have a null or zeroed
    /// <c>Grad</c> and got no <see cref="GradientReady"/>).
    /// </summary>
    void GradientsReady(IReadOnlyList<Parameter> trainable);
}
