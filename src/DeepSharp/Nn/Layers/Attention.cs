using System.Text.Json.Nodes;
using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>How <see cref="Attention"/> scores a query against a key (Keras's <c>score_mode</c>).</summary>
public enum AttentionScoreMode
{
    /// <summary>"dot": the dot product q · k (Luong).</summary>
    Dot,
    /// <summary>"concat": Σ tanh(q + k) over the features, times a learned weight.</summary>
    Concat,
}

/// <summary>
/// Keras's Attention, Luong-style dot-product attention: scores = query · keyᵀ (score mode "dot"),
/// times a learned scalar <c>scale</c> (initially 1) with <see cref="ScoredAttention.UseScale"/>;
/// or, in score mode "concat", <c>concat_score_weight</c> · Σ tanh(scale · (q + k)). Call it as
/// <c>new Attention().Call(query, value)</c>; masks, causal masking and the weights as
/// <see cref="ScoredAttention"/> describes.
/// </summary>
public sealed class Attention : ScoredAttention
{
    private Parameter? _scale, _concatWeight;

    /// <param name="useScale">Whether a learned scalar (initially 1) scales the scores.</param>
    /// <param name="scoreMode">"dot" (Keras's default) or "concat".</param>
    /// <param name="dropout">Dropout rate on the attention weights while training, in [0, 1).</param>
    /// <param name="seed">Seeds the dropout's generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    public Attention(bool useScale = false, AttentionScoreMode scoreMode = AttentionScoreMode.Dot, float dropout = 0f, long? seed = null, string? name = null)
        : base(useScale, dropout, seed, name) => ScoreMode = scoreMode;

    /// <inheritdoc/>
    public override string TypeName => "Attention";

    /// <summary>How a query is scored against a key.</summary>
    public AttentionScoreMode ScoreMode { get; }

    /// <summary>The learned scalar scale, when <see cref="ScoredAttention.UseScale"/> (after the layer is built).</summary>
    internal Parameter? Scale => _scale;

    /// <summary>The learned scalar of score mode "concat" (after the layer is built).</summary>
    internal Parameter? ConcatScoreWeight => _concatWeight;

    /// <inheritdoc/>
    protected override void OnBuild(Shape inputShape)
    {
        if (UseScale) _scale = AddWeight("scale", new Shape(), Initializer.Ones);
        if (ScoreMode == AttentionScoreMode.Concat) _concatWeight = AddWeight("concat_score_weight", new Shape(), Initializer.Ones);
    }

    /// <inheritdoc/>
    protected override Tensor Scores(Tensor query, Tensor key)
    {
        if (ScoreMode == AttentionScoreMode.Dot)
        {
            var scores = Ops.BatchedMatMul(query, key, transposeB: true);
            return _scale is null ? scores : Ops.Multiply(scores, _scale.Value);
        }
        int batch = query.Shape[0], tq = query.Shape[1], tv = key.Shape[1], dim = query.Shape[2];
        var sum = Ops.Add(Ops.Reshape(query, new Shape(batch, tq, 1, dim)), Ops.Reshape(key, new Shape(batch, 1, tv, dim)));
        if (_scale is not null) sum = Ops.Multiply(sum, _scale.Value);
        return Ops.Multiply(Ops.Sum(Ops.Tanh(sum), -1), _concatWeight!.Value);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["score_mode"] = ScoreMode == AttentionScoreMode.Dot ? "dot" : "concat";
        return config;
    }

    internal static Attention FromConfig(LayerConfig c) => new(
        c.Bool("use_scale", false),
        c.Named("score_mode", "dot", s => s switch
        {
            "dot" => AttentionScoreMode.Dot,
            "concat" => AttentionScoreMode.Concat,
            _ => throw new ArgumentException($"score_mode must be \"dot\" or \"concat\", got \"{s}\"."),
        }),
        c.Rate("dropout", 0f), c.Seed(), c.Name);
}
