using DeepSharp.Tensors;

namespace DeepSharp.Nn.Layers;

/// <summary>
/// What one step of an <see cref="RnnCell"/> returns (Keras's <c>output, new_states</c>): the step's
/// output (batch, outputSize) and the new states, one (batch, stateSize[k]) tensor per state.
/// </summary>
/// <param name="Output">The step's output, (batch, <see cref="RnnCell.OutputSize"/>).</param>
/// <param name="States">The states after the step, in <see cref="RnnCell.StateSize"/>'s order.</param>
public readonly record struct CellStep(Tensor Output, IReadOnlyList<Tensor> States);
