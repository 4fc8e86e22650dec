using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// What <see cref="RecurrentLayer"/> and <see cref="Bidirectional"/> share in functional graphs:
/// Keras's call <c>layer(sequences, initial_state=[...])</c>, whose states follow the sequences in
/// the call's inputs under the list keyword initial_state, and the checks of those states.
/// </summary>
internal static class RecurrentCalls
{
    public const string InitialState = "initial_state";

    private static readonly string[] TensorKeywords = [InitialState];

    /// <summary>The arguments of a call on sequences followed by <paramref name="states"/> initial states.</summary>
    public static CallArguments WithInitialState(int states) =>
        states == 0 ? CallArguments.None : new CallArguments(1, Enumerable.Repeat(InitialState, states), listNames: [InitialState]);

    /// <summary>Where the initial states are in a call's inputs: (first, count), or (−1, 0) for none.</summary>
    public static (int Start, int Count) Parse(Layer layer, int inputs, CallArguments a)
    {
        if (ReferenceEquals(a, CallArguments.None) || (a.IsEmpty && a.Positional == 1))
        {
            if (inputs != 1)
                throw new ArgumentException($"Layer '{layer.Name}' ({layer.TypeName}) takes one sequence input (and initial states by keyword); got {inputs} inputs.");
            return (-1, 0);
        }
        a.RequireKnown(layer, TensorKeywords, []);
        if (a.Positional != 1 || inputs != 1 + a.TensorNames.Count)
            throw new ArgumentException($"Layer '{layer.Name}' ({layer.TypeName}) takes sequences and optionally initial_state; got {inputs} inputs ({a}).");
        return a.RangeOf(InitialState);
    }

    /// <summary>
    /// Checks symbolic initial states against the per-sample state shapes the layer returns
    /// (<paramref name="expected"/>; <paramref name="order"/> names them for messages, "h, c").
    /// </summary>
    public static void CheckStates(Layer layer, IReadOnlyList<SymbolicTensor> inputs, int start, int count, IReadOnlyList<Shape> expected, string order)
    {
        if (count != expected.Count)
            throw new ArgumentException(
                $"Layer '{layer.Name}' ({layer.TypeName}) takes {expected.Count} initial state tensor{(expected.Count == 1 ? "" : "s")} ({order}); got {count}.");
        for (int k = 0; k < count; k++)
        {
            var s = inputs[start + k];
            if (s.Shape != expected[k] || s.DType != DType.Float32)
                throw new ShapeMismatchException(
                    $"Layer '{layer.Name}' ({layer.TypeName}) needs initial state {k} ({order}) of shape {expected[k].ToBatchString()} float32; " +
                    $"got {s.Shape.ToBatchString()} {s.DType} from '{s.History}'.");
        }
    }

    /// <summary>The tensors <paramref name="count"/> from <paramref name="start"/>, or null when there are none.</summary>
    public static Tensor[]? States(IReadOnlyList<Tensor> inputs, int start, int count)
    {
        if (count == 0) return null;
        var states = new Tensor[count];
        for (int k = 0; k < count; k++) states[k] = inputs[start + k];
        return states;
    }

    /// <summary>The symbolic inputs of a call: the sequences, then the initial states (null: none).</summary>
    public static SymbolicTensor[] Inputs(Layer layer, SymbolicTensor x, IReadOnlyList<SymbolicTensor>? initialState)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (initialState is null) return [x];
        if (initialState.Count == 0)
            throw new ArgumentException($"Layer '{layer.Name}' ({layer.TypeName}) got an empty initialState; pass null to start from zeros.", nameof(initialState));
        foreach (var s in initialState) ArgumentNullException.ThrowIfNull(s, nameof(initialState));
        return [x, .. initialState];
    }

    /// <summary>Records a call of <paramref name="layer"/> on <paramref name="x"/> from <paramref name="initialState"/> (null: zeros).</summary>
    public static IReadOnlyList<SymbolicTensor> Record<T>(T layer, SymbolicTensor x, IReadOnlyList<SymbolicTensor>? initialState) where T : Layer, IRecurrentCall =>
        RecordNode(layer, Inputs(layer, x, initialState), WithInitialState(initialState?.Count ?? 0));

    /// <summary>Builds the layer, checks the initial states and records the call: one output, or the output and the states.</summary>
    public static IReadOnlyList<SymbolicTensor> RecordNode<T>(T layer, IReadOnlyList<SymbolicTensor> inputs, CallArguments arguments) where T : Layer, IRecurrentCall
    {
        var (start, count) = Parse(layer, inputs.Count, arguments);
        var shape = inputs[0].Shape;
        layer.CheckSequenceShape(shape);
        layer.Build(shape);
        var shapes = layer.ComputeOutputShapes(shape);
        int outputs = layer.OutputCount;
        if (start >= 0) CheckStates(layer, inputs, start, count, [.. shapes.Skip(outputs)], layer.StateOrder);
        return layer.RecordCall(inputs, arguments, layer.ReturnState ? shapes : [.. shapes.Take(outputs)]);
    }

    /// <summary>Runs a recorded call: the output (and with returnState the final states) from the given or zero states.</summary>
    public static (IReadOnlyList<Tensor> Outputs, Tensor? Mask) RunNode<T>(T layer, IReadOnlyList<Tensor> inputs, Tensor? mask, CallArguments arguments, bool training)
        where T : Layer, IRecurrentCall
    {
        var (start, count) = Parse(layer, inputs.Count, arguments);
        var x = inputs[0];
        if (x.Rank == 0) throw new ShapeMismatchException($"Layer '{layer.Name}' needs a batch of inputs, got a scalar.");
        layer.Build(x.Shape.WithoutBatch());
        var outputs = layer.RunCall(x, mask, States(inputs, start, count), training);
        return (outputs, layer.ReturnSequences ? mask : null);
    }

    /// <summary>Throws a <see cref="ShapeMismatchException"/> naming the layer when a mask is not (batch, time) for inputs <paramref name="x"/>.</summary>
    public static void CheckMask(Layer layer, Tensor x, Tensor? mask)
    {
        int batch = x.Shape[0], time = x.Shape[1];
        if (mask is not null && (mask.Rank != 2 || mask.Shape[0] != batch || mask.Shape[1] != time))
            throw new ShapeMismatchException($"Layer '{layer.Name}' ({layer.TypeName}) needs a mask (batch, time) = ({batch}, {time}) for inputs {x.Shape}; got {mask.Shape}.");
    }

    /// <summary>
    /// The error of a plain call on a layer with returnState: true (<paramref name="setting"/> says
    /// where the setting is: "has" or "wraps a layer with").
    /// </summary>
    public static InvalidOperationException ReturnStateError(Layer layer, string setting) =>
        new($"Layer '{layer.Name}' ({layer.TypeName}) {setting} returnState: true, so it returns its states besides its output: call CallWithState(x), " +
            "on tensors or on symbolic tensors in a functional model (Call and Sequential models take one output only).");

    /// <summary>The error of a symbolic CallWithState on a layer with returnState: false.</summary>
    public static InvalidOperationException NoReturnStateError(Layer layer, string setting) =>
        new($"Layer '{layer.Name}' ({layer.TypeName}) {setting} returnState: false, so a functional model records its output alone: " +
            "build it with returnState: true to get the states, or call Call(x, initialState) for the output.");
}

/// <summary>
/// What a recurrent layer (<see cref="RecurrentLayer"/>, <see cref="Bidirectional"/>) tells the functional
/// calls they share in <see cref="RecurrentCalls"/>: its settings, its shape rule and how it runs.
/// </summary>
internal interface IRecurrentCall
{
    /// <summary>Whether calls return the final states besides the output.</summary>
    bool ReturnState { get; }

    /// <summary>Whether the output is the whole sequence (so a mask passes on with it).</summary>
    bool ReturnSequences { get; }

    /// <summary>How many outputs come before the states (Bidirectional with merge mode None: 2).</summary>
    int OutputCount => 1;

    /// <summary>The order of the states, for messages: "h, c", or "forward h, then backward h".</summary>
    string StateOrder { get; }

    /// <summary>Throws a <see cref="ShapeMismatchException"/> when a per-sample input shape is not (time ≥ 1, features).</summary>
    void CheckSequenceShape(Shape shape);

    /// <summary>The output's shape (or shapes, see <see cref="OutputCount"/>), then each state's.</summary>
    IReadOnlyList<Shape> ComputeOutputShapes(Shape inputShape);

    /// <summary>Runs the layer on a batch: the output (or outputs), and with <see cref="ReturnState"/> the final states.</summary>
    IReadOnlyList<Tensor> RunCall(Tensor x, Tensor? mask, Tensor[]? states, bool training);
}
