using System.Text.Json.Nodes;

namespace DeepSharp.Metrics;

public abstract partial class Metric
{
    /// <summary>
    /// The name a model file's compile config gives this metric's class (Keras's registered name): the type's name by
    /// default. A model compiled with a metric of your own saves it under this name, and
    /// <c>Model.Load(path, new CustomObjects().AddMetric(ClassName, ...))</c> creates it again.
    /// </summary>
    public virtual string ClassName => GetType().Name;

    /// <summary>
    /// The settings a model file keeps for a metric of your own (Keras's <c>get_config</c>), given back to the factory
    /// passed to <c>CustomObjects.AddMetric</c> on load; empty by default.
    /// </summary>
    public virtual JsonObject GetConfig() => [];
}
