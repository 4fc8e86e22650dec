using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Nn.Constraints;
using DeepSharp.Nn.Regularizers;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's <c>GroupNormalization</c> (Wu and He, 2018): the channels of <see cref="Axis"/> are split into
/// <see cref="Groups"/> groups of consecutive channels, and each sample is normalised over each group — its channels
/// and every other per-sample axis together: γ·(x − mean)/√(variance + ε) + β, with γ and β one per channel. The same
/// in training and inference (no moving statistics). One group is LayerNormalization over the whole sample; as many
/// groups as channels is instance normalisation.
/// </summary>
public sealed class GroupNormalization : Layer
{
    private Parameter? _gamma, _beta;
    private int[]? _toLast, _fromLast; // moves the channel axis to the end and back (null when it is the last)

    /// <param name="groups">How many groups the channels are split into (Keras's default 32); the channel count must be a multiple.</param>
    /// <param name="axis">The channel axis, counted as Keras does with the batch axis (−1 the last; 0 is refused).</param>
    /// <param name="epsilon">Added to the variance before the square root.</param>
    /// <param name="center">Learn an offset β per channel.</param>
    /// <param name="scale">Learn a scale γ per channel.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    /// <param name="inputShape">The per-sample input shape, for a Sequential model's first layer; null to build on the first call.</param>
    /// <param name="betaRegularizer">A penalty on β added to the training loss; null for none.</param>
    /// <param name="gammaRegularizer">A penalty on γ; null for none.</param>
    /// <param name="betaConstraint">A projection of β after each optimizer step; null for none.</param>
    /// <param name="gammaConstraint">A projection of γ after each optimizer step; null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="groups"/> is below 1, <paramref name="axis"/> is 0, or <paramref name="epsilon"/> is not positive.</exception>
    public GroupNormalization(int groups = 32, int axis = -1, float epsilon = 1e-3f, bool center = true, bool scale = true,
        string? name = null, int[]? inputShape = null,
        Regularizer? betaRegularizer = null, Regularizer? gammaRegularizer = null, Constraint? betaConstraint = null, Constraint? gammaConstraint = null)
        : base(name, inputShape)
    {
        if (groups < 1) throw new ArgumentOutOfRangeException(nameof(groups), groups, "GroupNormalization needs at least one group.");
        if (axis == 0) throw new ArgumentOutOfRangeException(nameof(axis), 0, "GroupNormalization cannot take the batch axis (0) as its channel axis.");
        if (!(epsilon > 0f) || !float.IsFinite(epsilon)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be a positive number.");
        (Groups, Axis, Epsilon, Center, Scale) = (groups, axis, epsilon, center, scale);
        (BetaRegularizer, GammaRegularizer, BetaConstraint, GammaConstraint) = (betaRegularizer, gammaRegularizer, betaConstraint, gammaConstraint);
    }

    /// <inheritdoc/>
    public override string TypeName => "GroupNormalization";

    /// <summary>Passes a mask on unchanged (Keras's supports_masking).</summary>
    public override bool SupportsMasking => true;

    /// <summary>How many groups the channels are split into.</summary>
    public int Groups { get; }
    /// <summary>The channel axis as given (counted with the batch axis; −1 is the last).</summary>
    public int Axis { get; }
    /// <summary>Added to the variance before the square root.</summary>
    public float Epsilon { get; }
    /// <summary>Whether the layer learns an offset β (weight "beta").</summary>
    public bool Center { get; }
    /// <summary>Whether the layer learns a scale γ (weight "gamma").</summary>
    public bool Scale { get; }
    /// <summary>The penalty on β added to the training loss; null for none.</summary>
    public Regularizer? BetaRegularizer { get; }
    /// <summary>The penalty on γ added to the training loss; null for none.</summary>
    public Regularizer? GammaRegularizer { get; }
    /// <summary>The projection applied to β after each optimizer step; null for none.</summary>
    public Constraint? BetaConstraint { get; }
    /// <summary>The projection applied to γ after each optimizer step; null for none.</summary>
    public Constraint? GammaConstraint { get; }

    /// <summary>The weights' names: "gamma" then "beta", each one per channel.</summary>
    internal Tensor? Gamma => _gamma?.Value;
    internal Tensor? Beta => _beta?.Value;

    /// <summary>The channel axis counted with the batch axis, for a per-sample <paramref name="inputShape"/>.</summary>
    internal int ChannelAxis(Shape inputShape) => Axis < 0 ? Axis + inputShape.Rank + 1 : Axis;

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        ComputeOutputShape(inputShape);
        int rank = inputShape.Rank + 1, axis = ChannelAxis(inputShape), channels = inputShape[axis - 1];
        if (axis != rank - 1)
        {
            _toLast = [.. Enumerable.Range(0, rank).Where(a => a != axis), axis];
            _fromLast = Ops.InversePermutation(_toLast);
        }
        if (Scale) _gamma = AddWeight("gamma", new Shape(channels), Initializer.Ones, true, GammaRegularizer, GammaConstraint);
        if (Center) _beta = AddWeight("beta", new Shape(channels), Initializer.Zeros, true, BetaRegularizer, BetaConstraint);
    }

    /// <summary>The input shape (normalisation keeps it).</summary>
    /// <exception cref="ShapeMismatchException">The axis is outside the input, or the channels are not a multiple of the groups.</exception>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        int rank = inputShape.Rank + 1, axis = ChannelAxis(inputShape);
        if (axis < 1 || axis >= rank)
            throw new ShapeMismatchException($"Layer '{Name}' (GroupNormalization): axis {Axis} is {(axis == 0 ? "the batch axis" : "outside")} inputs {inputShape.ToBatchString()}.");
        int channels = inputShape[axis - 1];
        if (channels < Groups || channels % Groups != 0)
            throw new ShapeMismatchException($"Layer '{Name}' (GroupNormalization): {channels} channels (axis {Axis} of inputs {inputShape.ToBatchString()}) " +
                $"cannot be split into {Groups} groups of equal size; the channel count must be a multiple of groups.");
        return inputShape;
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var moved = _toLast is null ? x : Ops.Permute(x, _toLast);
        int batch = moved.Shape[0], channels = moved.Shape[moved.Rank - 1], perGroup = channels / Groups;
        int positions = batch == 0 ? 0 : moved.Size / batch / channels;
        // (batch, positions, groups, perGroup) → one row per (sample, group), normalised by the fused LayerNorm.
        Tensor rows;
        bool interleaved = Groups > 1 && positions > 1;
        if (interleaved)
        {
            var grouped = Ops.Permute(Ops.Reshape(moved, batch, positions, Groups, perGroup), 0, 2, 1, 3);
            rows = Ops.Reshape(grouped, batch * Groups, positions * perGroup);
        }
        else rows = Ops.Reshape(moved, batch * Groups, positions * perGroup);
        var normalized = Ops.LayerNorm(rows, null, null, Epsilon);
        var back = interleaved
            ? Ops.Permute(Ops.Reshape(normalized, batch, Groups, positions, perGroup), 0, 2, 1, 3)
            : normalized;
        var y = Ops.Reshape(back, moved.Shape);
        if (_gamma is not null) y = Ops.Multiply(y, _gamma.Value);
        if (_beta is not null) y = Ops.Add(y, _beta.Value);
        return _fromLast is null ? y : Ops.Permute(y, _fromLast);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["groups"] = Groups;
        config["axis"] = Axis;
        config["epsilon"] = Epsilon;
        config["center"] = Center;
        config["scale"] = Scale;
        ConfigObjects.Put(config, "beta_regularizer", BetaRegularizer);
        ConfigObjects.Put(config, "gamma_regularizer", GammaRegularizer);
        ConfigObjects.Put(config, "beta_constraint", BetaConstraint);
        ConfigObjects.Put(config, "gamma_constraint", GammaConstraint);
        return config;
    }

    internal static GroupNormalization FromConfig(LayerConfig c)
    {
        int axis = c.Axis("axis", -1);
        if (axis == 0) throw c.Error("axis", "is the batch axis (0); GroupNormalization needs a channel axis");
        return new GroupNormalization(c.Int("groups", 32, 1, int.MaxValue), axis, c.Float("epsilon", 1e-3f, float.Epsilon, 1f),
            c.Bool("center", true), c.Bool("scale", true), c.Name, c.Shape("input_shape"),
            c.Regularizer("beta_regularizer"), c.Regularizer("gamma_regularizer"), c.Constraint("beta_constraint"), c.Constraint("gamma_constraint"));
    }
}
