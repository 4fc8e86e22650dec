using DeepSharp.Nn.Layers;

namespace DeepSharp.Serialization.Onnx;

/// <summary>
/// ConvLSTM layers and ONNX: ONNX has no convolutional LSTM operator (its LSTM multiplies by matrices),
/// and unrolling the steps into Conv nodes would fix the sequence length of the exported graph, so
/// the exporter refuses these layers by name rather than write a graph that differs from the model.
/// </summary>
internal static class OnnxConvLstmRules
{
    public static DeepSharpException Refused(ConvLstm layer) =>
        new($"ONNX export: layer '{layer.Name}' ({layer.TypeName}) cannot be exported: ONNX has no convolutional LSTM operator " +
            "(its LSTM node multiplies by matrices, not convolutions). Export the layers before or after it, or run the model in DeepSharp.");
}
