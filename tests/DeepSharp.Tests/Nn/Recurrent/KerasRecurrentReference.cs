namespace DeepSharp.Tests.Nn.Recurrent;

/// <summary>
/// The Keras equations written out step by step, in double, straight from keras/src/layers/rnn
/// (SimpleRNNCell, LSTMCell implementation 2, GRUCell with reset_after) and the backend's rnn loop:
/// a masked step keeps the states and outputs the previous output (zeros before the first step,
/// or zeros always with zero_output_for_mask); go_backwards reads the sequence last step first and
/// returns the outputs in that order. The oracle the fused ops are held to.
/// </summary>
public static class KerasRecurrentReference
{
    public sealed record Case(string Cell, int Batch, int Time, int Features, int Units)
    {
        public required float[] X { get; init; }          // (B, T, F)
        public required float[] Kernel { get; init; }     // (F, G·U)
        public required float[] Recurrent { get; init; }  // (U, G·U)
        public float[]? Bias { get; init; }               // (G·U), GRU (2, 3U)
        public float[]? Mask { get; init; }               // (B, T)
        public float[]? InputDropout { get; init; }       // (B, F)
        public float[]? RecurrentDropout { get; init; }   // (B, U)
        public float[][]? Initial { get; init; }          // (B, U) each
        public bool ReturnSequences { get; init; }
        public bool GoBackwards { get; init; }
        public bool ZeroOutputForMask { get; init; }
        public Func<double, double> Activation { get; init; } = Math.Tanh;
        public Func<double, double> RecurrentActivation { get; init; } = v => 1 / (1 + Math.Exp(-v));
        public int Gates => Cell switch { "LSTM" => 4, "GRU" => 3, _ => 1 };
        public int States => Cell == "LSTM" ? 2 : 1;
    }

    /// <summary>The outputs (B, steps, U) and the final states (B, U) each.</summary>
    public static (double[] Output, double[][] States) Run(Case k)
    {
        int B = k.Batch, T = k.Time, F = k.Features, U = k.Units, GU = k.Gates * U;
        var h = new double[B, U];
        var c = new double[B, U];
        for (int b = 0; b < B; b++)
            for (int u = 0; u < U; u++)
            {
                h[b, u] = k.Initial?[0][b * U + u] ?? 0;
                c[b, u] = k.States == 2 ? k.Initial?[1][b * U + u] ?? 0 : 0;
            }
        var previousOutput = new double[B, U];
        int steps = k.ReturnSequences ? T : 1;
        var output = new double[B * steps * U];
        for (int s = 0; s < T; s++)
        {
            int t = k.GoBackwards ? T - 1 - s : s;
            for (int b = 0; b < B; b++)
            {
                var x = new double[F];
                for (int f = 0; f < F; f++) x[f] = k.X[(b * T + t) * F + f] * (k.InputDropout?[b * F + f] ?? 1f);
                var hd = new double[U];
                for (int u = 0; u < U; u++) hd[u] = h[b, u] * (k.RecurrentDropout?[b * U + u] ?? 1f);
                var xw = new double[GU];
                var hu = new double[GU];
                for (int j = 0; j < GU; j++)
                {
                    for (int f = 0; f < F; f++) xw[j] += x[f] * k.Kernel[f * GU + j];
                    for (int u = 0; u < U; u++) hu[j] += hd[u] * k.Recurrent[u * GU + j];
                }
                var (hNew, cNew) = Step(k, xw, hu, b, h, c);
                bool run = k.Mask is null || k.Mask[b * T + t] != 0;
                for (int u = 0; u < U; u++)
                {
                    double o = run ? hNew[u] : k.ZeroOutputForMask ? 0 : previousOutput[b, u];
                    previousOutput[b, u] = o;
                    if (run) (h[b, u], c[b, u]) = (hNew[u], cNew[u]);
                    if (k.ReturnSequences) output[(b * steps + s) * U + u] = o;
                    else if (s == T - 1) output[b * U + u] = o;
                }
            }
        }
        var states = new double[k.States][];
        for (int i = 0; i < k.States; i++)
        {
            states[i] = new double[B * U];
            for (int b = 0; b < B; b++)
                for (int u = 0; u < U; u++) states[i][b * U + u] = i == 0 ? h[b, u] : c[b, u];
        }
        return (output, states);
    }

    private static (double[] H, double[] C) Step(Case k, double[] xw, double[] hu, int b, double[,] h, double[,] c)
    {
        int U = k.Units;
        var hNew = new double[U];
        var cNew = new double[U];
        double Bias(int i) => k.Bias?[i] ?? 0;
        for (int u = 0; u < U; u++)
        {
            switch (k.Cell)
            {
                case "LSTM":
                    {
                        double i = k.RecurrentActivation(xw[u] + hu[u] + Bias(u));
                        double f = k.RecurrentActivation(xw[U + u] + hu[U + u] + Bias(U + u));
                        double g = k.Activation(xw[2 * U + u] + hu[2 * U + u] + Bias(2 * U + u));
                        double o = k.RecurrentActivation(xw[3 * U + u] + hu[3 * U + u] + Bias(3 * U + u));
                        cNew[u] = f * c[b, u] + i * g;
                        hNew[u] = o * k.Activation(cNew[u]);
                        break;
                    }
                case "GRU":
                    {
                        // Bias (2, 3U): row 0 input bias, row 1 recurrent bias.
                        double z = k.RecurrentActivation(xw[u] + Bias(u) + hu[u] + Bias(3 * U + u));
                        double r = k.RecurrentActivation(xw[U + u] + Bias(U + u) + hu[U + u] + Bias(4 * U + u));
                        double candidate = k.Activation(xw[2 * U + u] + Bias(2 * U + u) + r * (hu[2 * U + u] + Bias(5 * U + u)));
                        hNew[u] = z * h[b, u] + (1 - z) * candidate;
                        break;
                    }
                default:
                    hNew[u] = k.Activation(xw[u] + hu[u] + Bias(u));
                    break;
            }
        }
        return (hNew, cNew);
    }
}
