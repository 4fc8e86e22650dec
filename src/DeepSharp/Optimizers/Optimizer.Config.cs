using System.Text.Json.Nodes;

namespace DeepSharp.Optimizers;

/// <summary>How a model file keeps an optimizer of your own (Keras's get_config / from_config).</summary>
public abstract partial class Optimizer
{
    private float? _clipNorm, _clipValue, _globalClipNorm, _weightDecay;

    /// <summary>
    /// The class name under which a model file keeps this optimizer (the type's name by default), which
    /// <c>CustomObjects.AddOptimizer</c> must be given to load it compiled.
    /// </summary>
    public virtual string ClassName => GetType().Name;

    /// <summary>
    /// The settings of an optimizer of your own that its factory reads back (Keras's <c>get_config</c>);
    /// the file adds <c>learning_rate</c> (the schedule) and the clipping and weight-decay settings,
    /// which Load restores itself. Empty by default.
    /// </summary>
    public virtual JsonObject GetConfig() => [];

    /// <summary>Sets the clipping and weight decay a model file holds, on an optimizer its custom factory made.</summary>
    internal void RestoreCommonSettings(float? clipNorm, float? clipValue, float? globalClipNorm, float? weightDecay) =>
        (_clipNorm, _clipValue, _globalClipNorm, _weightDecay) = (clipNorm, clipValue, globalClipNorm, weightDecay);
}
