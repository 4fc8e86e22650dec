namespace DeepSharp.Kernels.Cpu.Simd;

/// <summary>
/// A loop body that loads and stores for itself, at every width <see cref="VectorLoop"/> runs:
/// elements [i, i + 16), [i, i + 8), [i, i + 4) or just i. For kernels that are not a map of
/// spans (max pooling reads several window taps per output and writes an index beside each maximum).
/// </summary>
/// <remarks>The contract of <see cref="IUnaryOperator"/> holds: every width gives the scalar body's results.</remarks>
internal interface IVectorLoopBody
{
    void Invoke(nuint i);
    void Invoke128(nuint i);
    void Invoke256(nuint i);
    void Invoke512(nuint i);
}
