using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;

namespace DeepSharp.Training;

public partial class Model
{
    /// <summary>
    /// A symbolic input of a functional model (Keras's <c>keras.Input</c>): per-sample
    /// <paramref name="shape"/>, batch axis excluded. Call layers on it, then pass inputs and
    /// outputs to <c>new Model(inputs, outputs)</c>.
    /// </summary>
    public static SymbolicTensor Input(int[] shape, string? name = null, DType dtype = DType.Float32) =>
        new InputLayer(shape, dtype, name).Output;
}
