namespace DeepSharp.Nn.Layers;

/// <summary>
/// What the int8 layers (<see cref="QuantizedDense"/>, <see cref="QuantizedConv2D"/>,
/// <see cref="QuantizedConv1D"/>) share: their quantized weights, the u8 grid of their input and
/// the activation fused into their epilogue.
/// </summary>
internal interface IQuantizedLayer
{
    /// <summary>The int8 kernel, its scales, the bias and the input's grid.</summary>
    QuantizedKernel Weights { get; }

    /// <summary>Applied to the output (ReLU and linear are fused).</summary>
    Activation Activation { get; }

    /// <summary>The scale of the u8 input.</summary>
    float InputScale { get; }

    /// <summary>The zero point of the u8 input.</summary>
    int InputZeroPoint { get; }
}
