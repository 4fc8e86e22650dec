using System.Text.Json.Nodes;
using DeepSharp.Nn;

namespace DeepSharp.Training;

/// <summary>
/// Keras's class name for a model defined by a graph of layer calls. <c>new Model(inputs, outputs)</c>
/// builds the same model; this subclass exists because model files and configs name the class
/// "Functional", and <see cref="Model.Load(string)"/> and <see cref="FromConfig"/> return one.
/// <code>
/// var x = Model.Input([32]);
/// var h = new Dense(32, Activation.Relu).Call(x);
/// var model = new Functional(x, new Dense(10).Call(new Add().Call(x, h)));  // same as new Model(...)
/// </code>
/// </summary>
public sealed class Functional : Model
{
    /// <summary>A model with one input and one output; see <see cref="Model(SymbolicTensor, SymbolicTensor, string?)"/>.</summary>
    public Functional(SymbolicTensor input, SymbolicTensor output, string? name = null) : base(input, output, name) { }

    /// <summary>A model with one input and several outputs; see <see cref="Model(SymbolicTensor, IReadOnlyList{SymbolicTensor}, string?)"/>.</summary>
    public Functional(SymbolicTensor input, IReadOnlyList<SymbolicTensor> outputs, string? name = null) : base(input, outputs, name) { }

    /// <summary>A model with several inputs and one output; see <see cref="Model(IReadOnlyList{SymbolicTensor}, SymbolicTensor, string?)"/>.</summary>
    public Functional(IReadOnlyList<SymbolicTensor> inputs, SymbolicTensor output, string? name = null) : base(inputs, output, name) { }

    /// <summary>A model with several inputs and outputs; see <see cref="Model(IReadOnlyList{SymbolicTensor}, IReadOnlyList{SymbolicTensor}, string?)"/>.</summary>
    public Functional(IReadOnlyList<SymbolicTensor> inputs, IReadOnlyList<SymbolicTensor> outputs, string? name = null) : base(inputs, outputs, name) { }

    /// <summary>
    /// Rebuilds a graph model from <see cref="Model.GetConfig"/>'s output (Keras's functional
    /// config); layers come only from <see cref="LayerRegistry"/>. The weights are new.
    /// </summary>
    public static Functional FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (inputs, outputs, name) = LayerGraph.Read(config);
        return new Functional(inputs, outputs, name);
    }
}
