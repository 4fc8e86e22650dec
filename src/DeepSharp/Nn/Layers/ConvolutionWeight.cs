using System.Text.Json.Nodes;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// How a convolution layer fills, penalises and projects one of its weights, under the config prefix Keras
/// gives it ("kernel", "depthwise", "pointwise", "bias": kernel_initializer, kernel_regularizer, kernel_constraint).
/// </summary>
internal sealed record ConvolutionWeight(string Prefix, Initializer Initializer, Regularizer? Regularizer, Constraint? Constraint)
{
    /// <summary>The weight's options, with Keras's default initializer when <paramref name="initializer"/> is null.</summary>
    public static ConvolutionWeight Of(string prefix, Initializer? initializer, Regularizer? regularizer, Constraint? constraint) =>
        new(prefix, initializer ?? (prefix == "bias" ? Initializer.Zeros : Initializer.GlorotUniform), regularizer, constraint);

    /// <summary>The options written in a config under <paramref name="prefix"/>; missing keys give Keras's defaults.</summary>
    public static ConvolutionWeight Read(LayerConfig c, string prefix) =>
        new(prefix, c.Initializer(prefix + "_initializer", prefix == "bias" ? "zeros" : "glorot_uniform"),
            c.Regularizer(prefix + "_regularizer"), c.Constraint(prefix + "_constraint"));

    /// <summary>
    /// Writes the weights' options as Keras orders them: every initializer, then every regularizer, then every
    /// constraint (the absent ones as Keras writes them).
    /// </summary>
    public static void Put(JsonObject config, IReadOnlyList<ConvolutionWeight> weights)
    {
        foreach (var w in weights) config[w.Prefix + "_initializer"] = w.Initializer.ToConfig();
        foreach (var w in weights) ConfigObjects.Put(config, w.Prefix + "_regularizer", w.Regularizer);
        foreach (var w in weights) ConfigObjects.Put(config, w.Prefix + "_constraint", w.Constraint);
    }
}
