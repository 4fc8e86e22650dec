using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// What <see cref="Bidirectional"/> needs of the layer it wraps — Keras's criteria: a sequence layer
/// with go_backwards, return_sequences and return_state, recreated from its config. Implemented by
/// <see cref="RecurrentLayer"/> (SimpleRNN, LSTM, GRU), <see cref="Rnn"/> (any cell) and
/// <see cref="ConvLstm"/> (ConvLSTM1D/2D/3D).
/// </summary>
internal interface IRecurrentDirection : IRecurrentCall
{
    /// <summary>Whether the layer reads the sequence last step first (the two directions differ in it).</summary>
    bool GoBackwards { get; }

    /// <summary>How many state tensors the layer carries (its half of Bidirectional's initial states).</summary>
    int StateCount { get; }

    /// <summary>Masked steps output zeros; Bidirectional sets it to returnSequences, as Keras does.</summary>
    bool ZeroOutputForMask { get; set; }

    /// <summary>The size of the output's last axis: units, the cell's output size, or filters.</summary>
    int OutputWidth { get; }

    /// <summary>Whether training draws dropout masks from <see cref="DropoutGenerator"/>.</summary>
    bool DrawsDropoutMasks { get; }

    /// <summary>The generator of the layer's dropout masks (forked or seeded on first use); null when it has none to share.</summary>
    RandomGenerator? DropoutGenerator { get; }

    /// <summary>Draws the dropout masks from <paramref name="generator"/> (Bidirectional gives both directions one).</summary>
    void ShareGenerator(RandomGenerator generator);

    /// <summary>The output alone, from <paramref name="initialState"/> (null: zeros).</summary>
    Tensor RunOutput(Tensor x, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training);

    /// <summary>The output, then the final states.</summary>
    IReadOnlyList<Tensor> RunWithStates(Tensor x, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training);
}
