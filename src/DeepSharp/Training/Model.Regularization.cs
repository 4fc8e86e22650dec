using DeepSharp.Tensors;

namespace DeepSharp.Training;

public partial class Model
{
    /// <summary>
    /// Keras's <c>model.losses</c> (<see cref="Losses"/> are the compiled losses): every layer's
    /// <see cref="Nn.Layer.RegularizationLosses"/> — the penalty of each trainable weight that has a regularizer, computed now and differentiable, then the activity
    /// penalties of the layers' latest calls with gradients recorded. Fit, TrainOnBatch, Evaluate and
    /// TestOnBatch add them to the loss themselves; a custom training loop adds them to its loss after
    /// the forward pass (<c>Ops.Add</c>) before calling Backward.
    /// </summary>
    public IReadOnlyList<Tensor> RegularizationLosses
    {
        get
        {
            var losses = new List<Tensor>();
            foreach (var layer in Layers) losses.AddRange(layer.RegularizationLosses);
            return losses;
        }
    }
}
