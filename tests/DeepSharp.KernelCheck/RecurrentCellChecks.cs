using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// The recurrent cells' pointwise kernels (LSTM, GRU and their activations) against their naive
/// twins, over awkward unit counts and batch rows and every activation pairing Keras users pick.
/// </summary>
public static class RecurrentCellChecks
{
    private static readonly int[] Rows = [0, 1, 2, 3, 5];

    private static readonly (CellActivation Activation, CellActivation Recurrent)[] Pairs =
    [
        (CellActivation.Tanh, CellActivation.Sigmoid),
        (CellActivation.Relu, CellActivation.Sigmoid),
        (CellActivation.Linear, CellActivation.Tanh),
        (CellActivation.Sigmoid, CellActivation.Relu),
    ];

    public static void CellActivationsMatchTwin()
    {
        foreach (var f in Enum.GetValues<CellActivation>())
            foreach (int n in Check.AwkwardSizes)
            {
                var x = Check.Random(n, n + 1);
                for (int i = 0; i < n; i++) x[i] *= 4f;
                var e = (float[])x.Clone();
                var a = (float[])x.Clone();
                NaiveCellActivationKernel.Apply(f, e);
                CellActivationKernel.Apply(f, a);
                Check.Close(e, a, 1e-6f, 1e-7f, $"{f} n={n}");
                var d1 = Check.Random(n, n + 2);
                var d2 = (float[])d1.Clone();
                NaiveCellActivationKernel.MultiplyDerivative(f, e, d1);
                CellActivationKernel.MultiplyDerivative(f, e, d2);
                Check.Close(d1, d2, 1e-6f, 1e-7f, $"{f} derivative n={n}");
            }
    }

    public static void LstmCellMatchesTwin()
    {
        int seed = 0;
        foreach (var (act, rec) in Pairs)
            foreach (int rows in Rows)
                foreach (int units in Check.AwkwardSizes)
                {
                    string context = $"LSTM {act}/{rec} rows={rows} units={units}";
                    var pre = Scaled(Check.Random(rows * 4 * units, ++seed), 3f);
                    var cPrev = Check.Random(rows * units, ++seed);
                    var (g1, c1, h1) = ((float[])pre.Clone(), new float[rows * units], new float[rows * units]);
                    var (g2, c2, h2) = ((float[])pre.Clone(), new float[rows * units], new float[rows * units]);
                    NaiveLstmCell.Forward(g1, cPrev, c1, h1, rows, units, act, rec);
                    LstmCell.Forward(g2, cPrev, c2, h2, rows, units, act, rec);
                    Check.Close(g1, g2, 1e-5f, 1e-6f, context + " gates");
                    Check.Close(c1, c2, 1e-5f, 1e-6f, context + " c");
                    Check.Close(h1, h2, 1e-5f, 1e-6f, context + " h");

                    var dh = Check.Random(rows * units, ++seed);
                    var dc = Check.Random(rows * units, ++seed);
                    var (dcPrev1, dGates1) = (new float[rows * units], new float[rows * 4 * units]);
                    var dGates2 = Check.Random(rows * 4 * units, ++seed);
                    var dcInPlace = (float[])dc.Clone(); // the kernel may write ∂L/∂c_prev over dc
                    NaiveLstmCell.Backward(g1, cPrev, c1, dh, dc, dcPrev1, dGates1, rows, units, act, rec);
                    LstmCell.Backward(g1, cPrev, c1, dh, dcInPlace, dcInPlace, dGates2, rows, units, act, rec);
                    Check.Close(dGates1, dGates2, 1e-5f, 1e-5f, context + " dGates");
                    Check.Close(dcPrev1, dcInPlace, 1e-5f, 1e-5f, context + " dcPrev");
                }
    }

    public static void GruCellMatchesTwin()
    {
        int seed = 100;
        foreach (var (act, rec) in Pairs)
            foreach (bool bias in new[] { true, false })
                foreach (int rows in Rows)
                    foreach (int units in Check.AwkwardSizes)
                    {
                        string context = $"GRU {act}/{rec} bias={bias} rows={rows} units={units}";
                        var xw = Scaled(Check.Random(rows * 3 * units, ++seed), 2f);
                        var hu = Scaled(Check.Random(rows * 3 * units, ++seed), 2f);
                        var recurrentBias = bias ? Check.Random(3 * units, ++seed) : [];
                        var hPrev = Check.Random(rows * units, ++seed);
                        var (g1, rh1, h1) = ((float[])xw.Clone(), new float[rows * units], new float[rows * units]);
                        var (g2, rh2, h2) = ((float[])xw.Clone(), new float[rows * units], new float[rows * units]);
                        NaiveGruCell.Forward(g1, hu, recurrentBias, hPrev, rh1, h1, rows, units, act, rec);
                        GruCell.Forward(g2, hu, recurrentBias, hPrev, rh2, h2, rows, units, act, rec);
                        Check.Close(g1, g2, 1e-5f, 1e-6f, context + " gates");
                        Check.Close(rh1, rh2, 1e-6f, 1e-6f, context + " rho");
                        Check.Close(h1, h2, 1e-5f, 1e-6f, context + " h");

                        var dh = Check.Random(rows * units, ++seed);
                        var (dhPrev1, dGates1, dRec1) = (new float[rows * units], new float[rows * 3 * units], new float[rows * 3 * units]);
                        var (dhPrev2, dGates2, dRec2) = (Check.Random(rows * units, ++seed), Check.Random(rows * 3 * units, ++seed), Check.Random(rows * 3 * units, ++seed));
                        NaiveGruCell.Backward(g1, rh1, hPrev, dh, dhPrev1, dGates1, dRec1, rows, units, act, rec);
                        GruCell.Backward(g1, rh1, hPrev, dh, dhPrev2, dGates2, dRec2, rows, units, act, rec);
                        Check.Close(dhPrev1, dhPrev2, 1e-5f, 1e-6f, context + " dhPrev");
                        Check.Close(dGates1, dGates2, 1e-5f, 1e-5f, context + " dGates");
                        Check.Close(dRec1, dRec2, 1e-5f, 1e-5f, context + " dRecurrent");
                    }
    }

    public static void ShortSpansThrowInBothCells()
    {
        bool lstm = false, gru = false;
        try { LstmCell.Forward(new float[7], new float[2], new float[2], new float[2], 1, 2, CellActivation.Tanh, CellActivation.Sigmoid); }
        catch (ArgumentException) { lstm = true; }
        try { GruCell.Forward(new float[6], new float[5], [], new float[2], new float[2], new float[2], 1, 2, CellActivation.Tanh, CellActivation.Sigmoid); }
        catch (ArgumentException) { gru = true; }
        if (!lstm || !gru) throw new CheckFailedException($"Short spans did not throw (LSTM {lstm}, GRU {gru}).");
    }

    private static float[] Scaled(float[] x, float scale)
    {
        for (int i = 0; i < x.Length; i++) x[i] *= scale;
        return x;
    }
}
