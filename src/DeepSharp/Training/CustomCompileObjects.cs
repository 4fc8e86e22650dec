using System.Text.Json.Nodes;
using DeepSharp.Losses;
using DeepSharp.Metrics;
using DeepSharp.Nn;
using DeepSharp.Optimizers;
using DeepSharp.Optimizers.Schedules;

namespace DeepSharp.Training;

/// <summary>
/// Optimizers, learning-rate schedules, losses and metrics of your own for <see cref="Model.Load(string, CustomObjects)"/>, as Keras's
/// <c>custom_objects={"my_loss": my_loss, "MyMetric": MyMetric}</c>: a model compiled with them keeps them in its file by
/// <see cref="Loss.ClassName"/> / <see cref="Metric.ClassName"/> and their <c>GetConfig()</c>, and loads compiled once
/// they are given. Without them, Load names the missing class (or load with <c>compile: false</c> and Compile again).
/// </summary>
public static class CustomCompileObjects
{
    /// <summary>
    /// Adds a loss class: a loss saved under <paramref name="className"/> (its <see cref="Loss.ClassName"/>, the type's
    /// name by default) is made by <paramref name="fromConfig"/>, which reads what its <see cref="Loss.GetConfig"/> wrote.
    /// Returns the set, to chain calls.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty, not printable, one of DeepSharp's own loss classes, or already in the set.</exception>
    public static CustomObjects AddLoss(this CustomObjects objects, string className, Func<JsonObject, Loss> fromConfig)
    {
        ArgumentNullException.ThrowIfNull(objects);
        ArgumentNullException.ThrowIfNull(fromConfig);
        if (CompileConfig.IsBuiltInLoss(className))
            throw new ArgumentException($"'{className}' is DeepSharp's own loss class; give yours another name (override ClassName).", nameof(className));
        objects.AddCompileObject("loss", className, fromConfig);
        return objects;
    }

    /// <summary>
    /// Adds a loss under its <see cref="Loss.ClassName"/> that loads as this very object: a loss made by
    /// <see cref="Loss.FromFunction"/> (Keras's loss function), or any loss whose settings are fixed.
    /// </summary>
    /// <exception cref="ArgumentException">Its name is one of DeepSharp's own loss classes, or already in the set.</exception>
    public static CustomObjects AddLoss(this CustomObjects objects, Loss loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        return objects.AddLoss(loss.ClassName, _ => loss);
    }

    /// <summary>Adds a loss type made by its parameterless constructor, under its type name (its config is not read).</summary>
    /// <exception cref="ArgumentException">The type's name is one of DeepSharp's own loss classes, or already in the set.</exception>
    public static CustomObjects AddLoss<T>(this CustomObjects objects) where T : Loss, new() => objects.AddLoss(typeof(T).Name, _ => new T());

    /// <summary>
    /// Adds a metric class: a metric saved under <paramref name="className"/> (its <see cref="Metric.ClassName"/>, the
    /// type's name by default) is made by <paramref name="fromConfig"/>, which reads what its <see cref="Metric.GetConfig"/>
    /// wrote; each call must return a new metric (metrics hold running totals). Returns the set, to chain calls.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty, not printable, one of DeepSharp's own metric classes, or already in the set.</exception>
    public static CustomObjects AddMetric(this CustomObjects objects, string className, Func<JsonObject, Metric> fromConfig)
    {
        ArgumentNullException.ThrowIfNull(objects);
        ArgumentNullException.ThrowIfNull(fromConfig);
        if (CompileConfig.IsBuiltInMetric(className))
            throw new ArgumentException($"'{className}' is DeepSharp's own metric class; give yours another name (override ClassName).", nameof(className));
        objects.AddCompileObject("metric", className, fromConfig);
        return objects;
    }

    /// <summary>Adds a metric type made by its parameterless constructor, under its type name (its config is not read).</summary>
    /// <exception cref="ArgumentException">The type's name is one of DeepSharp's own metric classes, or already in the set.</exception>
    public static CustomObjects AddMetric<T>(this CustomObjects objects) where T : Metric, new() => objects.AddMetric(typeof(T).Name, _ => new T());

    /// <summary>
    /// Adds an optimizer class: an optimizer saved under <paramref name="className"/> (its <see cref="Optimizer.ClassName"/>, the
    /// type's name by default) is made by <paramref name="fromConfig"/> from what its <see cref="Optimizer.GetConfig"/> wrote
    /// and its learning rate (a constant or a schedule, DeepSharp's or one given with <c>AddSchedule</c>); Load then restores
    /// its clipping, weight decay and state (slots, iterations). Returns the set, to chain calls.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty, not printable, one of DeepSharp's own optimizer classes, or already in the set.</exception>
    public static CustomObjects AddOptimizer(this CustomObjects objects, string className, Func<JsonObject, LearningRateSchedule, Optimizer> fromConfig)
    {
        ArgumentNullException.ThrowIfNull(objects);
        ArgumentNullException.ThrowIfNull(fromConfig);
        if (CompileConfig.IsBuiltInOptimizer(className))
            throw new ArgumentException($"'{className}' is DeepSharp's own optimizer class; give yours another name (override ClassName).", nameof(className));
        objects.AddCompileObject("optimizer", className, config => fromConfig(config, ScheduleConfig.Read(config["learning_rate"])));
        return objects;
    }

    /// <summary>
    /// Adds a learning-rate schedule class: a schedule saved under <paramref name="className"/> (its
    /// <see cref="LearningRateSchedule.Name"/>) is made by <paramref name="fromConfig"/> from what its
    /// <see cref="LearningRateSchedule.GetConfig"/> wrote. Returns the set, to chain calls.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty, not printable, one of DeepSharp's own schedule classes, or already in the set.</exception>
    public static CustomObjects AddSchedule(this CustomObjects objects, string className, Func<JsonObject, LearningRateSchedule> fromConfig)
    {
        ArgumentNullException.ThrowIfNull(objects);
        ArgumentNullException.ThrowIfNull(fromConfig);
        if (ScheduleConfig.IsBuiltIn(className))
            throw new ArgumentException($"'{className}' is DeepSharp's own schedule class; give yours another name.", nameof(className));
        objects.AddCompileObject("schedule", className, fromConfig);
        return objects;
    }
}
