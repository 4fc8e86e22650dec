namespace DeepSharp.Nn.Layers;

public sealed partial class Rnn
{
    /// <summary>
    /// The SimpleRNN, LSTM or GRU layer this RNN equals — over one built-in cell — named as this layer
    /// and sharing its weights' values and paths (ONNX export writes it as that layer's node). Throws
    /// a <see cref="DeepSharpException"/> naming the layer and its cell for any other cell.
    /// </summary>
    internal RecurrentLayer AsRecurrentLayer(string purpose)
    {
        if (Cell is not FusedRnnCell cell)
            throw new DeepSharpException(
                $"Layer '{Name}' (RNN) runs cell '{Cell.Name}' ({Cell.TypeName}), which {purpose} does not support: only an RNN over one SimpleRNNCell, LSTMCell or GRUCell " +
                "(written as the SimpleRNN, LSTM or GRU node it equals).");
        if (!IsBuilt) throw new InvalidOperationException($"Layer '{Name}' (RNN) is not built.");
        var config = cell.GetConfig();
        config["name"] = Name;
        config["return_sequences"] = ReturnSequences;
        config["return_state"] = ReturnState;
        config["go_backwards"] = GoBackwards;
        config["zero_output_for_mask"] = ZeroOutputForMask;
        foreach (var key in new[] { "kernel_initializer", "recurrent_initializer", "bias_initializer" })
            config[key] = "zeros"; // the weights are copied below: draw nothing from the global generator
        config.Remove("seed");
        var layer = (RecurrentLayer)LayerRegistry.Create(cell.LayerTypeName, config);
        layer.Build(BuiltInputShape!.Value);
        layer.SetWeights(cell.GetWeights());
        return layer;
    }
}
