using System.Text.Json.Nodes;
using DeepSharp.Nn.Layers;

namespace DeepSharp.Nn;

/// <summary>
/// The only layer types a config (or a model file) can create: an explicit table from Keras class
/// name to factory. Nothing is looked up by reflection, so a file cannot name arbitrary types.
/// </summary>
public static class LayerRegistry
{
    private static readonly Dictionary<string, Func<LayerConfig, Layer>> s_factories = new(StringComparer.Ordinal)
    {
        ["Dense"] = Dense.FromConfig,
        ["Conv2D"] = Conv2D.FromConfig,
        ["MaxPooling2D"] = MaxPooling2D.FromConfig,
        ["Flatten"] = Flatten.FromConfig,
        ["Dropout"] = Dropout.FromConfig,
        ["Conv1D"] = Conv1D.FromConfig,
        ["AveragePooling2D"] = AveragePooling2D.FromConfig,
        ["GlobalAveragePooling2D"] = GlobalAveragePooling2D.FromConfig,
        ["GlobalMaxPooling2D"] = GlobalMaxPooling2D.FromConfig,
        ["BatchNormalization"] = BatchNormalization.FromConfig,
        ["LayerNormalization"] = LayerNormalization.FromConfig,
        ["Embedding"] = Embedding.FromConfig,
        ["Reshape"] = Reshape.FromConfig,
        ["Activation"] = ActivationLayer.FromConfig,
        ["Add"] = Add.FromConfig,
        ["Multiply"] = Multiply.FromConfig,
        ["Concatenate"] = Concatenate.FromConfig,
        ["Rescaling"] = Rescaling.FromConfig,
        ["RandomFlip"] = RandomFlip.FromConfig,
        ["RandomRotation"] = RandomRotation.FromConfig,
        ["RandomTranslation"] = RandomTranslation.FromConfig,
        ["RandomZoom"] = RandomZoom.FromConfig,
        ["InputLayer"] = InputLayer.FromConfig,
        ["SimpleRNN"] = SimpleRnn.FromConfig,
        ["LSTM"] = Lstm.FromConfig,
        ["GRU"] = Gru.FromConfig,
        ["Bidirectional"] = Bidirectional.FromConfig,
        ["MultiHeadAttention"] = MultiHeadAttention.FromConfig,
        ["PositionEmbedding"] = PositionEmbedding.FromConfig,
        ["SinusoidalPositionEncoding"] = SinusoidalPositionEncoding.FromConfig,
        ["TransformerEncoderBlock"] = TransformerEncoderBlock.FromConfig,
        ["TransformerDecoderBlock"] = TransformerDecoderBlock.FromConfig,
        ["LeakyReLU"] = LeakyRelu.FromConfig,
        ["ELU"] = Elu.FromConfig,
        ["ReLU"] = Relu.FromConfig,
        ["PReLU"] = PRelu.FromConfig,
        ["Softmax"] = Softmax.FromConfig,
        ["MaxPooling1D"] = MaxPooling1D.FromConfig,
        ["AveragePooling1D"] = AveragePooling1D.FromConfig,
        ["GlobalMaxPooling1D"] = GlobalMaxPooling1D.FromConfig,
        ["GlobalAveragePooling1D"] = GlobalAveragePooling1D.FromConfig,
        ["RepeatVector"] = RepeatVector.FromConfig,
        ["Permute"] = Permute.FromConfig,
        ["SpatialDropout1D"] = SpatialDropout1D.FromConfig,
        ["SpatialDropout2D"] = SpatialDropout2D.FromConfig,
        ["GaussianNoise"] = GaussianNoise.FromConfig,
        ["GaussianDropout"] = GaussianDropout.FromConfig,
        ["TimeDistributed"] = TimeDistributed.FromConfig,
    };

    /// <summary>The Keras class names a config may use ("Dense", "LSTM", ...).</summary>
    public static IReadOnlyCollection<string> KnownTypes => s_factories.Keys;

    /// <summary>
    /// Creates a layer from its type name and config. Unknown types, and configs whose values are
    /// missing, null, of the wrong kind or out of range (see <see cref="LayerConfig"/>) or that the
    /// layer's constructor refuses, throw a <see cref="DeepSharpException"/> naming the layer.
    /// </summary>
    public static Layer Create(string typeName, JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(typeName);
        ArgumentNullException.ThrowIfNull(config);
        if (!s_factories.TryGetValue(typeName, out var factory))
            throw new DeepSharpException($"Unknown layer type '{typeName}'; known: {string.Join(", ", s_factories.Keys)}.");
        var reader = new LayerConfig(config, typeName);
        try
        {
            return factory(reader);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException or InvalidCastException or OverflowException)
        {
            string layer = reader.Name is null ? $"layer type '{typeName}'" : $"layer '{reader.Name}' ({typeName})";
            throw new DeepSharpException($"Invalid config for {layer}: {e.Message}", e);
        }
    }

    /// <summary>A new, unbuilt layer with the same configuration.</summary>
    public static Layer Clone(Layer layer) => Create(layer.TypeName, layer.GetConfig());
}
