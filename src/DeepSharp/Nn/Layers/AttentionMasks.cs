using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// Combines a padding mask (batch, Tk) — nonzero for real keys — with an attention mask
/// (batch, Tq, Tk) into one (batch, Tq, Tk) mask, as keras_hub's merge_padding_and_attention_mask
/// (a key must be allowed by both). Float32 or int32 masks; nonzero means "may attend".
/// </summary>
internal static class AttentionMasks
{
    public static Tensor? Merge(Layer layer, string what, Tensor? padding, Tensor? attention, int batch, int tq, int tk)
    {
        if (padding is not null && (padding.Rank != 2 || padding.Shape[0] != batch || padding.Shape[1] != tk))
            throw new ShapeMismatchException($"Layer '{layer.Name}' ({layer.TypeName}) expects {what} padding mask (batch, T) = ({batch}, {tk}); got {padding.Shape}.");
        if (attention is not null && (attention.Rank != 3 || attention.Shape[0] != batch || attention.Shape[1] != tq || attention.Shape[2] != tk))
            throw new ShapeMismatchException($"Layer '{layer.Name}' ({layer.TypeName}) expects {what} attention mask (batch, Tq, Tk) = ({batch}, {tq}, {tk}); got {attention.Shape}.");
        if (padding is null) return attention;
        var mask = Tensor.Temp(new Shape(batch, tq, tk));
        var m = mask.Span;
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < tq; i++)
                for (int j = 0; j < tk; j++)
                {
                    int at = (b * tq + i) * tk + j;
                    bool allowed = Nonzero(padding, b * tk + j) && (attention is null || Nonzero(attention, at));
                    m[at] = allowed ? 1f : 0f;
                }
        return mask;
    }

    /// <summary>
    /// Keras MultiHeadAttention's <c>_compute_attention_mask</c> without the causal part: query i may
    /// attend to key j when query i is real (query mask (batch, Tq)), key j is real (value and key
    /// masks (batch, Tk)) and the attention mask (batch, Tq, Tk) allows it. Null when every mask is.
    /// </summary>
    public static Tensor? Combine(Layer layer, Tensor? query, Tensor? value, Tensor? key, Tensor? attention, int batch, int tq, int tk)
    {
        if (query is null && value is null && key is null) return attention;
        Require(layer, "query", query, batch, tq);
        Require(layer, "value", value, batch, tk);
        Require(layer, "key", key, batch, tk);
        if (attention is not null && (attention.Rank != 3 || attention.Shape[0] != batch || attention.Shape[1] != tq || attention.Shape[2] != tk))
            throw new ShapeMismatchException($"Layer '{layer.Name}' ({layer.TypeName}) expects attention_mask (batch, Tq, Tv) = ({batch}, {tq}, {tk}); got {attention.Shape}.");
        var mask = Tensor.Temp(new Shape(batch, tq, tk));
        var m = mask.Span;
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < tq; i++)
            {
                bool realQuery = query is null || Nonzero(query, b * tq + i);
                for (int j = 0; j < tk; j++)
                {
                    int at = (b * tq + i) * tk + j;
                    bool allowed = realQuery && (value is null || Nonzero(value, b * tk + j)) && (key is null || Nonzero(key, b * tk + j))
                        && (attention is null || Nonzero(attention, at));
                    m[at] = allowed ? 1f : 0f;
                }
            }
        return mask;
    }

    private static void Require(Layer layer, string what, Tensor? mask, int batch, int length)
    {
        if (mask is not null && (mask.Rank != 2 || mask.Shape[0] != batch || mask.Shape[1] != length))
            throw new ShapeMismatchException($"Layer '{layer.Name}' ({layer.TypeName}) expects the {what} mask (batch, T) = ({batch}, {length}); got {mask.Shape}.");
    }

    private static bool Nonzero(Tensor t, int index) => t.DType == DType.Int32 ? t.IntSpan[index] != 0 : t.Span[index] != 0f;
}
