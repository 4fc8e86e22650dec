using DeepSharp.Autograd;
using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Keras's AdditiveAttention, Bahdanau-style: scores = Σ scale · tanh(q + k) over the features, with
/// a learned <c>scale</c> vector (dim) (glorot_uniform) when <see cref="ScoredAttention.UseScale"/>
/// (Keras's default), else a plain sum. Call it as <c>new AdditiveAttention().Call(query, value)</c>;
/// masks, causal masking and the weights as <see cref="ScoredAttention"/> describes.
/// </summary>
public sealed class AdditiveAttention : ScoredAttention
{
    private Parameter? _scale;

    /// <param name="useScale">Whether a learned vector (one weight per feature) scales the tanh terms (Keras's default: true).</param>
    /// <param name="dropout">Dropout rate on the attention weights while training, in [0, 1).</param>
    /// <param name="seed">Seeds the dropout's generator; null forks one from the global generator.</param>
    /// <param name="name">The layer's name; null for a Keras-style default.</param>
    public AdditiveAttention(bool useScale = true, float dropout = 0f, long? seed = null, string? name = null)
        : base(useScale, dropout, seed, name) { }

    /// <inheritdoc/>
    public override string TypeName => "AdditiveAttention";

    /// <summary>The learned scale vector (dim), when <see cref="ScoredAttention.UseScale"/> (after the layer is built).</summary>
    internal Parameter? Scale => _scale;

    /// <inheritdoc/>
    protected override void OnBuild(Shape query)
    {
        if (UseScale) _scale = AddWeight("scale", new Shape(query[-1]), Initializer.GlorotUniform);
    }

    /// <inheritdoc/>
    protected override void CheckBuiltFor(Shape query)
    {
        if (_scale is not null && _scale.Shape[0] != query[-1])
            throw new ShapeMismatchException($"Layer '{Name}' (AdditiveAttention) was built for {_scale.Shape[0]} query features; got query {query.ToBatchString()}.");
    }

    /// <inheritdoc/>
    protected override Tensor Scores(Tensor query, Tensor key)
    {
        int batch = query.Shape[0], tq = query.Shape[1], tv = key.Shape[1], dim = query.Shape[2];
        var terms = Ops.Tanh(Ops.Add(Ops.Reshape(query, new Shape(batch, tq, 1, dim)), Ops.Reshape(key, new Shape(batch, 1, tv, dim))));
        if (_scale is not null) terms = Ops.Multiply(terms, _scale.Value);
        return Ops.Sum(terms, -1);
    }

    internal static AdditiveAttention FromConfig(LayerConfig c) => new(c.Bool("use_scale", true), c.Rate("dropout", 0f), c.Seed(), c.Name);
}
