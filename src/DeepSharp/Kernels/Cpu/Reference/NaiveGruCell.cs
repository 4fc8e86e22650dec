namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="GruCell"/> (Keras's reset_after form), element by element in
/// double: z = σ(x̂_z + û_z + b_z), r = σ(x̂_r + û_r + b_r), ρ = û_h + b_h, ĥ = act(x̂_h + r·ρ),
/// h = z·h_prev + (1 − z)·ĥ. Backward writes dh ⊙ z, ∂L/∂x̂ and ∂L/∂(û + b_rec).
/// </summary>
internal static class NaiveGruCell
{
    public static void Forward(Span<float> gates, ReadOnlySpan<float> hu, ReadOnlySpan<float> recurrentBias,
        ReadOnlySpan<float> hPrev, Span<float> rh, Span<float> h,
        int rows, int units, CellActivation activation, CellActivation recurrentActivation)
    {
        for (int r = 0; r < rows; r++)
            for (int k = 0; k < units; k++)
            {
                int g0 = r * 3 * units + k, s = r * units + k;
                double bz = recurrentBias.IsEmpty ? 0 : recurrentBias[k];
                double br = recurrentBias.IsEmpty ? 0 : recurrentBias[units + k];
                double bh = recurrentBias.IsEmpty ? 0 : recurrentBias[2 * units + k];
                float z = NaiveCellActivationKernel.Apply(recurrentActivation, (float)(gates[g0] + (double)hu[g0] + bz));
                float reset = NaiveCellActivationKernel.Apply(recurrentActivation, (float)(gates[g0 + units] + (double)hu[g0 + units] + br));
                rh[s] = (float)(hu[g0 + 2 * units] + bh);
                float candidate = NaiveCellActivationKernel.Apply(activation, (float)(gates[g0 + 2 * units] + (double)reset * rh[s]));
                (gates[g0], gates[g0 + units], gates[g0 + 2 * units]) = (z, reset, candidate);
                h[s] = (float)((double)z * hPrev[s] + (1.0 - z) * candidate);
            }
    }

    public static void Backward(ReadOnlySpan<float> gates, ReadOnlySpan<float> rh, ReadOnlySpan<float> hPrev,
        ReadOnlySpan<float> dh, Span<float> dhPrev, Span<float> dGates, Span<float> dRecurrent,
        int rows, int units, CellActivation activation, CellActivation recurrentActivation)
    {
        for (int r = 0; r < rows; r++)
            for (int k = 0; k < units; k++)
            {
                int g0 = r * 3 * units + k, s = r * units + k;
                double z = gates[g0], reset = gates[g0 + units], candidate = gates[g0 + 2 * units];
                double daz = dh[s] * (hPrev[s] - candidate) * NaiveCellActivationKernel.Derivative(recurrentActivation, (float)z);
                double dah = dh[s] * (1.0 - z) * NaiveCellActivationKernel.Derivative(activation, (float)candidate);
                double dar = dah * rh[s] * NaiveCellActivationKernel.Derivative(recurrentActivation, (float)reset);
                dhPrev[s] = (float)(dh[s] * z);
                (dGates[g0], dGates[g0 + units], dGates[g0 + 2 * units]) = ((float)daz, (float)dar, (float)dah);
                (dRecurrent[g0], dRecurrent[g0 + units], dRecurrent[g0 + 2 * units]) = ((float)daz, (float)dar, (float)(dah * reset));
            }
    }
}
