using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's Bidirectional wrapper: runs a fresh copy of a recurrent layer forwards
/// ("forward_lstm") and another backwards ("backward_lstm"), flips the backward sequence back
/// into time order, and merges the two (<see cref="MergeMode"/>, concat by default). Weights are
/// named "bidirectional/forward_lstm/lstm_cell/kernel". Masks reach both directions; with
/// sequences, masked steps output zeros (Keras forces zero_output_for_mask). The two directions
/// share one dropout generator. With returnState, <c>CallWithState</c> returns the output,
/// then the forward states, then the backward states — on tensors, or on symbolic tensors in a
/// functional model (Bidirectional.Functional.cs), where initial states are taken the same way.
/// </summary>
public sealed partial class Bidirectional : Layer
{
    /// <param name="layer">The recurrent layer to run both ways. The wrapper runs fresh copies made from its config ("forward_" and "backward_" + its name), not this instance.</param>
    /// <param name="mergeMode">How the two directions' outputs combine; <see cref="MergeMode.Concat"/>, the default, doubles the last axis.</param>
    /// <param name="backwardLayer">The layer to run in the other direction, used as it is (Keras's <c>backward_layer</c>): its goBackwards must be the opposite of <paramref name="layer"/>'s, its returnSequences and returnState the same. Null: a reversed copy of <paramref name="layer"/>.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape (time, features) (Keras's <c>input_shape</c>), for a Sequential model's first layer; null takes <paramref name="layer"/>'s, or builds on the first call when that is null too.</param>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mergeMode"/> is not a defined value.</exception>
    /// <exception cref="ArgumentException">The two directions do not differ in goBackwards, disagree on returnSequences or returnState, or (other than with Concat) differ in units.</exception>
    public Bidirectional(RecurrentLayer layer, MergeMode mergeMode = MergeMode.Concat, RecurrentLayer? backwardLayer = null,
        string? name = null, int[]? inputShape = null) : base(name, inputShape ?? layer?.InputShape?.ToArray())
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (!Enum.IsDefined(mergeMode)) throw new ArgumentOutOfRangeException(nameof(mergeMode), mergeMode, "Unknown Bidirectional merge mode.");
        ForwardLayer = Recreate(layer, "forward_", layer.GoBackwards);
        BackwardLayer = backwardLayer ?? Recreate(layer, "backward_", !layer.GoBackwards);
        MergeMode = mergeMode;
        if (ForwardLayer.GoBackwards == BackwardLayer.GoBackwards)
            throw new ArgumentException($"Bidirectional: the forward and backward layers must differ in goBackwards; both have {ForwardLayer.GoBackwards}.");
        if (ForwardLayer.ReturnSequences != BackwardLayer.ReturnSequences || ForwardLayer.ReturnState != BackwardLayer.ReturnState)
            throw new ArgumentException("Bidirectional: the forward and backward layers must agree on returnSequences and returnState.");
        if (mergeMode != MergeMode.Concat && ForwardLayer.Units != BackwardLayer.Units)
            throw new ArgumentException($"Bidirectional merge mode {mergeMode} needs directions of equal units; got {ForwardLayer.Units} and {BackwardLayer.Units}.");
        ForwardLayer.ZeroOutputForMask = ForwardLayer.ReturnSequences;
        BackwardLayer.ZeroOutputForMask = BackwardLayer.ReturnSequences;
    }

    /// <inheritdoc/>
    public override string TypeName => "Bidirectional";
    /// <summary>The copy that reads the sequence in the wrapped layer's own direction (weights under "forward_…").</summary>
    public RecurrentLayer ForwardLayer { get; }
    /// <summary>The layer that reads the sequence the other way: a reversed copy of the wrapped layer, or the backward layer given.</summary>
    public RecurrentLayer BackwardLayer { get; }
    /// <summary>How the two directions' outputs combine.</summary>
    public MergeMode MergeMode { get; }
    /// <summary>Whether the output is a sequence (the wrapped layer's returnSequences); the backward half is flipped back into time order.</summary>
    public bool ReturnSequences => ForwardLayer.ReturnSequences;
    /// <summary>Whether the final states of both directions are returned too, through <c>CallWithState</c> (the wrapped layer's returnState).</summary>
    public bool ReturnState => ForwardLayer.ReturnState;

    internal override RandomGenerator? TrainingGenerator => ForwardLayer.TrainingGenerator ?? BackwardLayer.TrainingGenerator;

    /// <summary>True: a (batch, time) mask reaches both directions.</summary>
    public override bool SupportsMasking => true;
    /// <summary>Keras's rule: the mask passes on with a sequence; a last output has none.</summary>
    public override Tensor? ComputeMask(Tensor input, Tensor? mask) => ReturnSequences ? mask : null;

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        if (ForwardLayer.Dropout > 0f || ForwardLayer.RecurrentDropout > 0f || BackwardLayer.Dropout > 0f || BackwardLayer.RecurrentDropout > 0f)
        {
            var generator = ForwardLayer.Generator;
            ForwardLayer.ShareGenerator(generator);
            BackwardLayer.ShareGenerator(generator);
        }
        ForwardLayer.Build(inputShape);
        BackwardLayer.Build(inputShape);
        TrackWeightsOf(ForwardLayer);
        TrackWeightsOf(BackwardLayer);
    }

    /// <summary>The merged output: with <see cref="MergeMode.Concat"/> the forward units plus the backward units on the last axis, otherwise the forward layer's shape; (time, …) with <see cref="ReturnSequences"/>.</summary>
    /// <exception cref="InvalidOperationException">The wrapped layer has returnState; use <see cref="ComputeOutputShapes"/>.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (ReturnState) throw ReturnStateError();
        return MergedShape(inputShape);
    }

    /// <summary>The per-sample shapes <c>CallWithState</c> returns: the output, the forward states, the backward states.</summary>
    public IReadOnlyList<Shape> ComputeOutputShapes(Shape inputShape)
    {
        var shapes = new List<Shape> { MergedShape(inputShape) };
        shapes.AddRange(ForwardLayer.ComputeOutputShapes(inputShape).Skip(1));
        shapes.AddRange(BackwardLayer.ComputeOutputShapes(inputShape).Skip(1));
        return shapes;
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Forward(x, null, training);

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, Tensor? mask, bool training)
    {
        if (ReturnState) throw ReturnStateError();
        return Run(x, mask, null, training, withStates: false)[0];
    }

    /// <summary>
    /// Runs both directions and returns the merged output, the forward layer's final states, then
    /// the backward layer's. <paramref name="initialState"/>: the forward states then the backward
    /// states (Keras's halves), or null for zeros.
    /// </summary>
    public IReadOnlyList<Tensor> CallWithState(Tensor x, Tensor? mask = null, IReadOnlyList<Tensor>? initialState = null, bool training = false)
    {
        if (x.Rank == 0) throw new ShapeMismatchException($"Layer '{Name}' needs a batch of inputs, got a scalar.");
        Build(x.Shape.WithoutBatch());
        return Run(x, mask, initialState, training, withStates: true);
    }

    /// <summary>Both directions from the given states (forward, then backward; null: zeros): the merged output, then with <paramref name="withStates"/> the states.</summary>
    private IReadOnlyList<Tensor> Run(Tensor x, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training, bool withStates)
    {
        int half = ForwardLayer.StateCount;
        if (initialState is not null && initialState.Count != half + BackwardLayer.StateCount)
            throw new ArgumentException($"Layer '{Name}' (Bidirectional) takes {half + BackwardLayer.StateCount} initial states (forward, then backward); got {initialState.Count}.", nameof(initialState));
        var forwardStates = initialState?.Take(half).ToArray();
        var backwardStates = initialState?.Skip(half).ToArray();
        if (!withStates)
            return [Merge(ForwardLayer.RunOutput(x, mask, forwardStates, training), BackwardLayer.RunOutput(x, mask, backwardStates, training))];
        var forward = ForwardLayer.RunWithStates(x, mask, forwardStates, training);
        var backward = BackwardLayer.RunWithStates(x, mask, backwardStates, training);
        return [Merge(forward[0], backward[0]), .. forward.Skip(1), .. backward.Skip(1)];
    }

    private Tensor Merge(Tensor forward, Tensor backward)
    {
        if (ReturnSequences) backward = Ops.Reverse(backward, 1);
        return MergeMode switch
        {
            MergeMode.Concat => Ops.Concatenate([forward, backward], -1),
            MergeMode.Sum => Ops.Add(forward, backward),
            MergeMode.Mul => Ops.Multiply(forward, backward),
            _ => Ops.Affine(Ops.Add(forward, backward), 0.5f),
        };
    }

    private Shape MergedShape(Shape inputShape)
    {
        var forward = ForwardLayer.ComputeOutputShapes(inputShape)[0];
        if (MergeMode != MergeMode.Concat) return forward;
        var dims = forward.ToArray();
        dims[^1] += BackwardLayer.Units;
        return new Shape(dims);
    }

    private InvalidOperationException ReturnStateError() => RecurrentCalls.ReturnStateError(this, "wraps a layer with");

    /// <summary>A fresh, unbuilt copy named prefix + name (Keras's recreation from the config).</summary>
    private static RecurrentLayer Recreate(RecurrentLayer layer, string prefix, bool goBackwards)
    {
        var config = layer.GetConfig();
        config["name"] = prefix + (layer.Name.StartsWith(prefix, StringComparison.Ordinal) ? layer.Name[prefix.Length..] : layer.Name);
        config["go_backwards"] = goBackwards;
        config.Remove("input_shape");
        return (RecurrentLayer)LayerRegistry.Create(layer.TypeName, config);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["merge_mode"] = MergeMode.ToString().ToLowerInvariant();
        config["layer"] = Wrapped(ForwardLayer);
        config["backward_layer"] = Wrapped(BackwardLayer);
        return config;
    }

    private static JsonObject Wrapped(Layer layer) => new() { ["class_name"] = layer.TypeName, ["config"] = layer.GetConfig() };

    internal static Bidirectional FromConfig(LayerConfig c)
    {
        if (!c.Has("merge_mode"))
            throw c.Error("merge_mode", "is missing or null (two outputs), which is not supported; use concat, sum, mul or ave");
        var mode = c.Named("merge_mode", "concat", name => name switch
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
    private static RecurrentLayer? Unwrap(LayerConfig c, string key)
    {
        if (c.Object(key) is not { } wrapped) return null;
        var inner = new LayerConfig(wrapped, "Bidirectional/" + key);
        string type = inner.OptionalString("class_name") ?? throw c.Error(key, "lacks 'class_name'");
        var config = inner.Object("config") ?? throw c.Error(key, $"(a {type}) lacks 'config'");
        return LayerRegistry.Create(type, (JsonObject)config.DeepClone()) as RecurrentLayer
            ?? throw c.Error(key, $"must be a recurrent layer (SimpleRNN, LSTM, GRU), got {type}");
    }
}
