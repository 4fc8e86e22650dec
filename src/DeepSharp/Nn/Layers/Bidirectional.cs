using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's Bidirectional wrapper: runs a fresh copy of a recurrent layer forwards
/// ("forward_lstm") and another backwards ("backward_lstm"), flips the backward sequence back
/// into time order, and merges the two (<see cref="MergeMode"/>, concat by default, on the last
/// axis: features, or channels for ConvLSTM), or with <see cref="MergeMode.None"/> returns them as two
/// outputs (forward, then backward) through <c>CallWithState</c>. It wraps SimpleRNN, LSTM, GRU, an RNN over any cell
/// (<c>new Bidirectional(new Rnn(new LstmCell(64)))</c>) and ConvLSTM1D/2D/3D. Weights are
/// named "bidirectional/forward_lstm/lstm_cell/kernel". Masks reach both directions; with
/// sequences, masked steps output zeros (Keras forces zero_output_for_mask). The two directions
/// share one dropout generator. With returnState, <c>CallWithState</c> returns the output (two with
/// <see cref="MergeMode.None"/>), then the forward states, then the backward states — on tensors, or on symbolic tensors in a
/// functional model (Bidirectional.Functional.cs), where initial states are taken the same way.
/// </summary>
public sealed partial class Bidirectional : Layer
{
    private readonly IRecurrentDirection _forward, _backward;
    private RandomGenerator? _generator;

    /// <param name="layer">The recurrent layer to run both ways: a <see cref="SimpleRnn"/>, <see cref="Lstm"/>, <see cref="Gru"/>, an <see cref="Rnn"/> over any cell, or a ConvLSTM1D/2D/3D. The wrapper runs fresh copies made from its config ("forward_" and "backward_" + its name), not this instance.</param>
    /// <param name="mergeMode">How the two directions' outputs combine; <see cref="MergeMode.Concat"/>, the default, joins them on the last axis; <see cref="MergeMode.None"/> returns both (call <c>CallWithState</c>).</param>
    /// <param name="backwardLayer">The layer to run in the other direction, used as it is (Keras's <c>backward_layer</c>): a recurrent layer whose goBackwards is the opposite of <paramref name="layer"/>'s, its returnSequences and returnState the same. Null: a copy of <paramref name="layer"/> with goBackwards flipped.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (time, features…) (Keras's <c>input_shape</c>), for a Sequential model's first layer; null takes <paramref name="layer"/>'s, or builds on the first call when that is null too.</param>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mergeMode"/> is not a defined value.</exception>
    /// <exception cref="ArgumentException">A layer is not recurrent, cannot be recreated from its config (a cell type of your own that is not registered), the two directions do not differ in goBackwards, disagree on returnSequences or returnState, or (other than with Concat) differ in output width.</exception>
    public Bidirectional(Layer layer, MergeMode mergeMode = MergeMode.Concat, Layer? backwardLayer = null,
        string? name = null, int[]? inputShape = null) : base(name, inputShape ?? layer?.InputShape?.ToArray())
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (!Enum.IsDefined(mergeMode)) throw new ArgumentOutOfRangeException(nameof(mergeMode), mergeMode, "Unknown Bidirectional merge mode.");
        var inner = Recurrent(layer, nameof(layer));
        ForwardLayer = Recreate(layer, "forward_", inner.GoBackwards);
        BackwardLayer = backwardLayer ?? Recreate(layer, "backward_", !inner.GoBackwards);
        _forward = (IRecurrentDirection)ForwardLayer;
        _backward = Recurrent(BackwardLayer, nameof(backwardLayer));
        MergeMode = mergeMode;
        if (_forward.GoBackwards == _backward.GoBackwards)
            throw new ArgumentException($"Bidirectional: the forward and backward layers must differ in goBackwards; both have {_forward.GoBackwards}.");
        if (_forward.ReturnSequences != _backward.ReturnSequences || _forward.ReturnState != _backward.ReturnState)
            throw new ArgumentException("Bidirectional: the forward and backward layers must agree on returnSequences and returnState.");
        if (mergeMode is not (MergeMode.Concat or MergeMode.None) && _forward.OutputWidth != _backward.OutputWidth)
            throw new ArgumentException($"Bidirectional merge mode {mergeMode} needs directions of equal units; got {_forward.OutputWidth} and {_backward.OutputWidth}.");
        _forward.ZeroOutputForMask = _forward.ReturnSequences;
        _backward.ZeroOutputForMask = _backward.ReturnSequences;
    }

    /// <inheritdoc/>
    public override string TypeName => "Bidirectional";
    /// <summary>The copy that reads the sequence in the wrapped layer's own direction (weights under "forward_…"): a SimpleRNN, LSTM, GRU, RNN or ConvLSTM layer.</summary>
    public Layer ForwardLayer { get; }
    /// <summary>The layer that reads the sequence the other way: a reversed copy of the wrapped layer, or the backward layer given.</summary>
    public Layer BackwardLayer { get; }
    /// <summary>How the two directions' outputs combine.</summary>
    public MergeMode MergeMode { get; }
    /// <summary>Whether the output is a sequence (the wrapped layer's returnSequences); the backward half is flipped back into time order.</summary>
    public bool ReturnSequences => _forward.ReturnSequences;
    /// <summary>Whether the final states of both directions are returned too, through <c>CallWithState</c> (the wrapped layer's returnState).</summary>
    public bool ReturnState => _forward.ReturnState;

    /// <summary>How many outputs come before the states: 2 with <see cref="MergeMode.None"/> (forward, backward), otherwise 1.</summary>
    private int OutputCount => MergeMode == MergeMode.None ? 2 : 1;

    /// <summary>Whether calls return several tensors (states, or the two directions), so that only <c>CallWithState</c> takes the layer.</summary>
    private bool SeveralOutputs => ReturnState || MergeMode == MergeMode.None;

    internal override RandomGenerator? TrainingGenerator => _generator;

    /// <summary>True: a (batch, time) mask reaches both directions.</summary>
    public override bool SupportsMasking => true;
    /// <summary>Keras's rule: the mask passes on with a sequence; a last output has none.</summary>
    public override Tensor? ComputeMask(Tensor input, Tensor? mask) => ReturnSequences ? mask : null;

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        CheckSequenceShape(inputShape);
        if (_forward.DrawsDropoutMasks || _backward.DrawsDropoutMasks)
        {
            _generator = _forward.DropoutGenerator ?? _backward.DropoutGenerator;
            if (_generator is not null)
            {
                _forward.ShareGenerator(_generator);
                _backward.ShareGenerator(_generator);
            }
        }
        ForwardLayer.Build(inputShape);
        BackwardLayer.Build(inputShape);
        CheckMergeable(inputShape);
        TrackWeightsOf(ForwardLayer);
        TrackWeightsOf(BackwardLayer);
    }

    /// <summary>The two outputs must agree on every axis (on every axis but the last with Concat).</summary>
    private void CheckMergeable(Shape inputShape)
    {
        var forward = _forward.ComputeOutputShapes(inputShape)[0];
        var backward = _backward.ComputeOutputShapes(inputShape)[0];
        if (MergeMode == MergeMode.None) return;
        bool fits = MergeMode == MergeMode.Concat
            ? forward.Rank == backward.Rank && forward.Dims[..^1].SequenceEqual(backward.Dims[..^1])
            : forward == backward;
        if (!fits)
            throw new ShapeMismatchException(
                $"Layer '{Name}' (Bidirectional, merge mode {MergeMode}): the forward layer '{ForwardLayer.Name}' outputs {forward} and the backward layer " +
                $"'{BackwardLayer.Name}' {backward} for inputs {inputShape}; they must agree on {(MergeMode == MergeMode.Concat ? "every axis but the last" : "every axis")}.");
    }

    /// <summary>The merged output: with <see cref="MergeMode.Concat"/> the forward units plus the backward units on the last axis, otherwise the forward layer's shape; (time, …) with <see cref="ReturnSequences"/>.</summary>
    /// <exception cref="InvalidOperationException">The wrapped layer has returnState, or the merge mode is <see cref="MergeMode.None"/>; use <see cref="ComputeOutputShapes"/>.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (SeveralOutputs) throw ReturnStateError();
        return MergedShape(inputShape);
    }

    /// <summary>
    /// The per-sample shapes <c>CallWithState</c> returns: the output (with <see cref="MergeMode.None"/> the
    /// forward output, then the backward one), the forward states, the backward states.
    /// </summary>
    public IReadOnlyList<Shape> ComputeOutputShapes(Shape inputShape)
    {
        var shapes = MergeMode == MergeMode.None
            ? new List<Shape> { _forward.ComputeOutputShapes(inputShape)[0], _backward.ComputeOutputShapes(inputShape)[0] }
            : new List<Shape> { MergedShape(inputShape) };
        shapes.AddRange(_forward.ComputeOutputShapes(inputShape).Skip(1));
        shapes.AddRange(_backward.ComputeOutputShapes(inputShape).Skip(1));
        return shapes;
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Forward(x, null, training);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, Tensor? mask, bool training)
    {
        if (SeveralOutputs) throw ReturnStateError();
        return Run(x, mask, null, training, withStates: false)[0];
    }

    /// <summary>
    /// Runs both directions and returns the merged output (with <see cref="MergeMode.None"/> the forward
    /// output, then the backward one in time order), the forward layer's final states, then the backward layer's. <paramref name="initialState"/>: the forward states then the backward
    /// states (Keras's halves), or null for zeros.
    /// </summary>
    public IReadOnlyList<Tensor> CallWithState(Tensor x, Tensor? mask = null, IReadOnlyList<Tensor>? initialState = null, bool training = false)
    {
        if (x.Rank == 0) throw new ShapeMismatchException($"Layer '{Name}' needs a batch of inputs, got a scalar.");
        Build(x.Shape.WithoutBatch());
        return Run(x, mask, initialState, training, withStates: true);
    }

    /// <summary>Both directions from the given states (forward, then backward; null: zeros): the merged output (or both), then with <paramref name="withStates"/> the states.</summary>
    private IReadOnlyList<Tensor> Run(Tensor x, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training, bool withStates)
    {
        int half = _forward.StateCount;
        if (initialState is not null && initialState.Count != half + _backward.StateCount)
            throw new ArgumentException($"Layer '{Name}' (Bidirectional) takes {half + _backward.StateCount} initial states (forward, then backward); got {initialState.Count}.", nameof(initialState));
        var forwardStates = initialState?.Take(half).ToArray();
        var backwardStates = initialState?.Skip(half).ToArray();
        if (!withStates)
            return Merge(_forward.RunOutput(x, mask, forwardStates, training), _backward.RunOutput(x, mask, backwardStates, training));
        var forward = _forward.RunWithStates(x, mask, forwardStates, training);
        var backward = _backward.RunWithStates(x, mask, backwardStates, training);
        return [.. Merge(forward[0], backward[0]), .. forward.Skip(1), .. backward.Skip(1)];
    }

    /// <summary>The merged output, or with <see cref="MergeMode.None"/> both outputs; a backward sequence is flipped back into time order.</summary>
    private Tensor[] Merge(Tensor forward, Tensor backward)
    {
        if (ReturnSequences) backward = Ops.Reverse(backward, 1);
        return MergeMode switch
        {
            MergeMode.None => [forward, backward],
            MergeMode.Concat => [Ops.Concatenate([forward, backward], -1)],
            MergeMode.Sum => [Ops.Add(forward, backward)],
            MergeMode.Mul => [Ops.Multiply(forward, backward)],
            _ => [Ops.Affine(Ops.Add(forward, backward), 0.5f)],
        };
    }

    private Shape MergedShape(Shape inputShape)
    {
        var forward = _forward.ComputeOutputShapes(inputShape)[0];
        if (MergeMode != MergeMode.Concat) return forward;
        var dims = forward.ToArray();
        dims[^1] += _backward.OutputWidth;
        return new Shape(dims);
    }

    private InvalidOperationException ReturnStateError() => MergeMode == MergeMode.None && !ReturnState
        ? new($"Layer '{Name}' (Bidirectional) has merge mode None, so it returns the forward and the backward outputs as two tensors: call CallWithState(x), " +
            "on tensors or on symbolic tensors in a functional model (Call and Sequential models take one output only).")
        : RecurrentCalls.ReturnStateError(this, "wraps a layer with");

    /// <summary>The layer as a direction, or an error naming it when it is not a recurrent layer.</summary>
    private static IRecurrentDirection Recurrent(Layer layer, string argument) => layer as IRecurrentDirection
        ?? throw new ArgumentException(
            $"Bidirectional wraps a recurrent layer (SimpleRNN, LSTM, GRU, RNN, ConvLSTM1D/2D/3D); got layer '{layer.Name}' ({layer.TypeName}).", argument);

    /// <summary>A fresh, unbuilt copy named prefix + name (Keras's recreation from the config).</summary>
    private static Layer Recreate(Layer layer, string prefix, bool goBackwards)
    {
        var config = layer.GetConfig();
        config["name"] = prefix + (layer.Name.StartsWith(prefix, StringComparison.Ordinal) ? layer.Name[prefix.Length..] : layer.Name);
        config["go_backwards"] = goBackwards;
        config.Remove("input_shape");
        try
        {
            return LayerRegistry.Create(layer.TypeName, config);
        }
        catch (DeepSharpException e)
        {
            throw new ArgumentException(
                $"Bidirectional makes its two directions from the config of layer '{layer.Name}' ({layer.TypeName}), as Keras does, and that config does not load: {e.Message} " +
                "A cell or layer type of your own must be registered (LayerRegistry.Register) or in an open CustomObjects scope.", nameof(layer), e);
        }
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["merge_mode"] = MergeMode == MergeMode.None ? null : MergeMode.ToString().ToLowerInvariant();
        config["layer"] = Wrapped(ForwardLayer);
        config["backward_layer"] = Wrapped(BackwardLayer);
        return config;
    }

    private static JsonObject Wrapped(Layer layer) => new() { ["class_name"] = layer.TypeName, ["config"] = layer.GetConfig() };

    internal static Bidirectional FromConfig(LayerConfig c)
    {
        // Keras writes null for merge_mode=None (two outputs); a missing key takes the default, concat.
        var mode = c.Json.ContainsKey("merge_mode") && !c.Has("merge_mode") ? MergeMode.None : c.Named("merge_mode", "concat", name => name switch
        {
            "concat" => MergeMode.Concat,
            "sum" => MergeMode.Sum,
            "mul" => MergeMode.Mul,
            "ave" => MergeMode.Ave,
            _ => throw new DeepSharpException($"Unknown Bidirectional merge_mode '{name}'; use concat, sum, mul or ave."),
        });
        var layer = Unwrap(c, "layer") ?? throw c.Error("layer", "is missing");
        var backward = Unwrap(c, "backward_layer");
        return new Bidirectional(layer, mode, backward, c.Name, c.Shape("input_shape"));
    }

    /// <summary>The recurrent layer a key holds as {"class_name": ..., "config": {...}}, or null when missing.</summary>
    private static Layer? Unwrap(LayerConfig c, string key)
    {
        if (c.Object(key) is not { } wrapped) return null;
        var inner = new LayerConfig(wrapped, "Bidirectional/" + key);
        string type = inner.OptionalString("class_name") ?? throw c.Error(key, "lacks 'class_name'");
        var config = inner.Object("config") ?? throw c.Error(key, $"(a {type}) lacks 'config'");
        var layer = LayerRegistry.Create(type, (JsonObject)config.DeepClone());
        return layer is IRecurrentDirection ? layer : throw c.Error(key, $"must be a recurrent layer (SimpleRNN, LSTM, GRU, RNN, ConvLSTM1D/2D/3D), got {type}");
    }
}
