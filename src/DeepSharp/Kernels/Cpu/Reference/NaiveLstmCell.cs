namespace DeepSharp.Kernels.Cpu.Reference;

/// <summary>
/// The specification of <see cref="LstmCell"/>, element by element in double: gate blocks i, f, g, o
/// of the (rows, 4·units) pre-activations become σ(z_i), σ(z_f), act(z_g), σ(z_o);
/// c = f·c_prev + i·g; h = o·act(c). Backward writes ∂L/∂c_prev and ∂L/∂z from dh and dc.
/// </summary>
internal static class NaiveLstmCell
{
    public static void Forward(Span<float> gates, ReadOnlySpan<float> cPrev, Span<float> c, Span<float> h,
        int rows, int units, CellActivation activation, CellActivation recurrentActivation)
    {
        for (int r = 0; r < rows; r++)
            for (int k = 0; k < units; k++)
            {
                int g0 = r * 4 * units + k, s = r * units + k;
                float i = NaiveCellActivationKernel.Apply(recurrentActivation, gates[g0]);
                float f = NaiveCellActivationKernel.Apply(recurrentActivation, gates[g0 + units]);
                float g = NaiveCellActivationKernel.Apply(activation, gates[g0 + 2 * units]);
                float o = NaiveCellActivationKernel.Apply(recurrentActivation, gates[g0 + 3 * units]);
                (gates[g0], gates[g0 + units], gates[g0 + 2 * units], gates[g0 + 3 * units]) = (i, f, g, o);
                c[s] = (float)((double)f * cPrev[s] + (double)i * g);
                h[s] = (float)(o * (double)NaiveCellActivationKernel.Apply(activation, c[s]));
            }
    }

    public static void Backward(ReadOnlySpan<float> gates, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> c,
        ReadOnlySpan<float> dh, ReadOnlySpan<float> dc, Span<float> dcPrev, Span<float> dGates,
        int rows, int units, CellActivation activation, CellActivation recurrentActivation)
    {
        for (int r = 0; r < rows; r++)
            for (int k = 0; k < units; k++)
            {
                int g0 = r * 4 * units + k, s = r * units + k;
                double i = gates[g0], f = gates[g0 + units], g = gates[g0 + 2 * units], o = gates[g0 + 3 * units];
                float ac = NaiveCellActivationKernel.Apply(activation, c[s]);
                double dcTotal = dc[s] + (double)dh[s] * o * NaiveCellActivationKernel.Derivative(activation, ac);
                dGates[g0] = (float)(dcTotal * g * NaiveCellActivationKernel.Derivative(recurrentActivation, (float)i));
                dGates[g0 + units] = (float)(dcTotal * cPrev[s] * NaiveCellActivationKernel.Derivative(recurrentActivation, (float)f));
                dGates[g0 + 2 * units] = (float)(dcTotal * i * NaiveCellActivationKernel.Derivative(activation, (float)g));
                dGates[g0 + 3 * units] = (float)((double)dh[s] * ac * NaiveCellActivationKernel.Derivative(recurrentActivation, (float)o));
                dcPrev[s] = (float)(dcTotal * f);
            }
    }
}
