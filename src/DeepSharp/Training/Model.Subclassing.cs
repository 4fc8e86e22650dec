using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using DeepSharp.Autograd;
using DeepSharp.Nn;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

/// <summary>
/// Subclassed models (Keras's <c>class MyModel(keras.Model)</c>, PyTorch's <c>nn.Module</c>): a class
/// derived from Model creates its layers in its constructor, each through <see cref="Track"/>, and
/// overrides <see cref="Call(Tensor, bool)"/>. Compile, Fit, Evaluate, Predict, SaveWeights and
/// LoadWeights then work as for any model; Summary lists the tracked layers without output shapes.
/// <code>
/// sealed class Mlp : Model
/// {
///     private readonly Dense _hidden, _output;
///     public Mlp() { _hidden = Track(new Dense(32, Activation.Relu)); _output = Track(new Dense(1)); }
///     public override Tensor Call(Tensor x, bool training = false) => _output.Call(_hidden.Call(x, training), training);
/// }
/// </code>
/// Tracking is explicit, not inferred from fields: <see cref="Compile(Optimizers.Optimizer, Losses.Loss, IEnumerable{Metrics.Metric}?, IEnumerable{Metrics.Metric}?)"/>
/// and <see cref="Build"/> check that every layer the model's fields hold is tracked and name the field that is not.
/// The fields check reads each subclass's declared fields by reflection; the annotation keeps them in a
/// trimmed or NativeAOT program (it applies to every class derived from Model).
/// </summary>
[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicFields | DynamicallyAccessedMemberTypes.NonPublicFields)]
public partial class Model
{
    private readonly List<Layer> _tracked = [];

    /// <summary>
    /// Makes <paramref name="layer"/> one of this subclassed model's layers and returns it: its weights
    /// become the model's (trained by Fit, saved by SaveWeights under "layer/weight" paths, nested
    /// layers' as "block/dense/kernel"). An unnamed layer gets a unique Keras-style name (dense,
    /// dense_1, ...), so paths do not depend on other models. Call it in the constructor, in a fixed
    /// order: a fresh instance then has the same paths, which LoadWeights matches.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model is a Sequential or graph model (they have their own layers).</exception>
    /// <exception cref="ArgumentException">The layer is tracked already, belongs to another layer, or its name is taken in this model.</exception>
    protected T Track<T>(T layer) where T : Layer
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (_graph is not null || this is Sequential)
            throw new InvalidOperationException($"Model '{Name}' is a {(this is Sequential ? "Sequential" : "graph model")}; Track is for subclassed models.");
        if (_tracked.Contains(layer)) throw new ArgumentException($"Layer '{layer.Name}' is tracked by model '{Name}' already.", nameof(layer));
        if (layer.Parent is not null)
            throw new ArgumentException($"Layer '{layer.Name}' belongs to layer '{layer.Parent.Path}'; track the outer layer instead.", nameof(layer));
        if (!layer.HasExplicitName) layer.Name = UniqueLayerName(layer.DefaultNamePrefix);
        else if (_tracked.Exists(l => l.Name == layer.Name))
            throw new ArgumentException($"Model '{Name}' already has a layer named '{layer.Name}' (weights are saved by layer name).", nameof(layer));
        _tracked.Add(layer);
        return layer;
    }

    /// <summary>Whether this is a subclassed model: neither a graph model nor a Sequential.</summary>
    private bool IsSubclassed => _graph is null && this is not Sequential;

    /// <summary>Builds a subclassed model by running it once, without gradients, on one sample of zeros.</summary>
    private void BuildByCalling(Shape inputShape)
    {
        CheckFieldsTracked();
        if (_tracked.Count == 0)
            throw new InvalidOperationException($"Model '{Name}' ({GetType().Name}) tracks no layers: create its layers in the constructor with Track(new Dense(...)).");
        using (NoGrad.Scope())
        using (Tensor.Scope())
            Call(Tensor.Zeros(inputShape.WithBatch(1)), training: false);
        var unbuilt = _tracked.Where(l => !l.IsBuilt).Select(l => $"'{l.Name}'").ToArray();
        if (unbuilt.Length > 0)
            throw new InvalidOperationException($"Model '{Name}' ({GetType().Name}): Call did not use the tracked layer{(unbuilt.Length == 1 ? "" : "s")} {string.Join(", ", unbuilt)}, " +
                "which therefore have no weights; track only the layers Call uses.");
    }

    /// <summary>The per-sample output shape of a subclassed model, found by running it on one sample of zeros (for Predict on no samples).</summary>
    private Shape SubclassedOutputShape(Shape inputShape)
    {
        using (NoGrad.Scope())
        using (Tensor.Scope())
            return Call(Tensor.Zeros(inputShape.WithBatch(1))).Shape.WithoutBatch();
    }

    /// <summary>
    /// Every layer held by a field of the subclass (directly or in a collection) must be tracked, or
    /// be a sublayer of a tracked one: an untracked layer's weights would be neither trained nor saved.
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Every type from GetType() up to Model derives from Model, whose [DynamicallyAccessedMembers] keeps the public and non-public fields of each such type; the analyzer cannot follow Type.BaseType.")]
    private void CheckFieldsTracked()
    {
        if (!IsSubclassed) return;
        for (var type = GetType(); type is not null && type != typeof(Model); type = type.BaseType)
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                IEnumerable<Layer> layers = field.GetValue(this) switch
                {
                    Layer l => [l],
                    IEnumerable<Layer> list => list,
                    _ => [],
                };
                foreach (var layer in layers)
                    if (layer is not null && !IsTracked(layer))
                        throw new InvalidOperationException($"Model '{Name}' ({GetType().Name}): field '{FieldName(field)}' holds layer '{layer.Name}' ({layer.TypeName}), " +
                            "which is not tracked, so its weights would be neither trained nor saved: create it with Track(new ...).");
            }
    }

    private bool IsTracked(Layer layer)
    {
        for (var l = layer; l is not null; l = l.Parent)
            if (_tracked.Contains(l)) return true;
        return false;
    }

    /// <summary>"&lt;Hidden&gt;k__BackingField" (an auto-property's field) → "Hidden".</summary>
    private static string FieldName(FieldInfo field) =>
        field.Name.StartsWith('<') && field.Name.IndexOf('>') is > 1 and var end ? field.Name[1..end] : field.Name;

    private string UniqueLayerName(string prefix)
    {
        if (_tracked.TrueForAll(l => l.Name != prefix)) return prefix;
        for (int i = 1; ; i++)
        {
            string candidate = $"{prefix}_{i}";
            if (_tracked.TrueForAll(l => l.Name != candidate)) return candidate;
        }
    }

    /// <summary>The error of what a subclassed model cannot do because its architecture is code.</summary>
    private InvalidOperationException SubclassedArchitecture(string what) => new(
        $"Model '{Name}' is a subclassed model ({GetType().Name}) and {what}: its architecture is its C# code, which a file cannot hold. " +
        $"Save its weights with SaveWeights(path) and load them into a new instance (new {GetType().Name}(...), Build(inputShape), LoadWeights(path)); " +
        "or build the network with Sequential or the functional API (Model.Input, new Model(inputs, outputs)), which Save, Load and ExportOnnx handle.");
}
