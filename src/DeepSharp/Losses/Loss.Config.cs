using System.Text.Json.Nodes;
using DeepSharp.Tensors;

namespace DeepSharp.Losses;

public abstract partial class Loss
{
    /// <summary>
    /// The name a model file's compile config gives this loss's class (Keras's registered name): the type's name by
    /// default, the function's name for <see cref="FromFunction"/>. A model compiled with a loss of your own saves it
    /// under this name, and <c>Model.Load(path, new CustomObjects().AddLoss(ClassName, ...))</c> creates it again.
    /// </summary>
    public virtual string ClassName => GetType().Name;

    /// <summary>
    /// The settings a model file keeps for a loss of your own (Keras's <c>get_config</c>), given back to the factory
    /// passed to <c>CustomObjects.AddLoss</c> on load; empty by default. DeepSharp's own losses are written by the
    /// compile config itself.
    /// </summary>
    public virtual JsonObject GetConfig() => [];

    /// <summary>
    /// A loss from a function of (targets, predictions) giving one value per sample (or per position), as a Keras loss
    /// function <c>def my_loss(y_true, y_pred)</c>: sample weights, masks and the "sum_over_batch_size" reduction are
    /// applied as for every loss. Saved by <paramref name="name"/>; load such a model with
    /// <c>new CustomObjects().AddLoss(loss)</c>.
    /// </summary>
    /// <param name="name">The loss's name in messages and model files (e.g. "squared_hinge").</param>
    /// <param name="perSample">(yTrue, yPred) → the per-sample values, built from <c>Ops</c> so that it differentiates.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or not printable.</exception>
    public static Loss FromFunction(string name, Func<Tensor, Tensor, Tensor> perSample)
    {
        ArgumentNullException.ThrowIfNull(perSample);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Any(char.IsControl)) throw new ArgumentException($"Loss name '{TerminalText.Escape(name)}' holds a control character.", nameof(name));
        return new FunctionLoss(name, perSample);
    }

    private sealed class FunctionLoss(string name, Func<Tensor, Tensor, Tensor> perSample) : Loss
    {
        public override string Name => name;

        public override string ClassName => name;

        public override Tensor PerSample(Tensor yTrue, Tensor yPred) => perSample(yTrue, yPred);
    }
}
