using DeepSharp.Kernels.Cpu.Reference;
using DeepSharp.Kernels.Cpu.Simd;

namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// The pointwise half of one LSTM time step (Keras's LSTMCell, implementation 2), once the matrix
// products are done: the caller has put x·W + h̃·U + b into `gates`, one row per sample, gate blocks
// in Keras's order i, f, c (the candidate, called g here), o, each `units` wide:
//   i = σ(z_i)   f = σ(z_f)   g = act(z_g)   o = σ(z_o)        σ = recurrent_activation
//   c = f ⊙ c_prev + i ⊙ g                   h = o ⊙ act(c)
// Backward, with dh = ∂L/∂h and dc = ∂L/∂c arriving from the later step and the output:
//   dc_total = dc + dh ⊙ o ⊙ act′(act(c))    dc_prev = dc_total ⊙ f
//   dz_i = dc_total ⊙ g ⊙ σ′   dz_f = dc_total ⊙ c_prev ⊙ σ′   dz_g = dc_total ⊙ i ⊙ act′   dz_o = dh ⊙ act(c) ⊙ σ′
// Every derivative is taken through the activation's output (CellActivationKernel), so only the
// activated gates and the cell states are kept. Rows are processed one at a time, each row slice in
// one pass (LstmCellForwardLoop, LstmCellBackwardLoop) with sigmoid and tanh from our own exp
// polynomial (CellActivationMath): every width gives the same bits, so a slice of a row gives the
// bits of the whole row. c = f·c_prev + i·g is one fused multiply-add over the product f·c_prev.

/// <summary>The pointwise LSTM step; see <see cref="NaiveLstmCell"/> for the exact contract.</summary>
internal static unsafe class LstmCell
{
    /// <summary>
    /// gates (rows, 4·units): in, the pre-activations; out, the activated gates i, f, g, o.
    /// Writes the cell state <paramref name="c"/> and output <paramref name="h"/> (rows, units).
    /// </summary>
    public static void Forward(Span<float> gates, ReadOnlySpan<float> cPrev, Span<float> c, Span<float> h,
        int rows, int units, CellActivation activation, CellActivation recurrentActivation) =>
        Forward(gates, cPrev, c, h, rows, units, 0, units, activation, recurrentActivation);

    /// <summary>
    /// As <see cref="Forward(Span{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int, int, CellActivation, CellActivation)"/>
    /// for units <paramref name="first"/> .. <paramref name="first"/> + <paramref name="count"/> − 1 of
    /// every row only (the other units are left alone): one worker's slice of a step. Each element
    /// is computed as in the whole-row call, so slices that start and end at multiples of the
    /// vector width give the same bits.
    /// </summary>
    public static void Forward(Span<float> gates, ReadOnlySpan<float> cPrev, Span<float> c, Span<float> h,
        int rows, int units, int first, int count, CellActivation activation, CellActivation recurrentActivation)
    {
        Require(rows, units, gates.Length, 4, nameof(gates));
        Require(rows, units, cPrev.Length, 1, nameof(cPrev));
        Require(rows, units, c.Length, 1, nameof(c));
        Require(rows, units, h.Length, 1, nameof(h));
        RequireSlice(units, first, count);
        if (count == 0) return;
        fixed (float* pg = gates, pcp = cPrev, pc = c, ph = h)
            for (int r = 0; r < rows; r++)
            {
                float* row = pg + (nint)r * 4 * units + first;
                nint s = (nint)r * units + first;
                VectorLoop.For(new LstmCellForwardLoop(row, row + units, row + 2 * units, row + 3 * units, pcp + s, pc + s, ph + s,
                    activation, recurrentActivation), count);
            }
    }

    /// <summary>
    /// From the activated <paramref name="gates"/>, the states <paramref name="cPrev"/> and
    /// <paramref name="c"/>, and the gradients <paramref name="dh"/> and <paramref name="dc"/> of the
    /// step's outputs, writes ∂L/∂c_prev into <paramref name="dcPrev"/> (it may be <paramref name="dc"/>
    /// itself) and ∂L/∂(pre-activations) into <paramref name="dGates"/> (rows, 4·units).
    /// </summary>
    public static void Backward(ReadOnlySpan<float> gates, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> c,
        ReadOnlySpan<float> dh, ReadOnlySpan<float> dc, Span<float> dcPrev, Span<float> dGates,
        int rows, int units, CellActivation activation, CellActivation recurrentActivation) =>
        Backward(gates, cPrev, c, dh, dc, dcPrev, dGates, rows, units, 0, units, activation, recurrentActivation);

    /// <summary>
    /// As <see cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int, int, CellActivation, CellActivation)"/>
    /// for units <paramref name="first"/> .. <paramref name="first"/> + <paramref name="count"/> − 1 of
    /// every row only: writes those units of <paramref name="dcPrev"/> and their four gate columns of
    /// <paramref name="dGates"/>, and nothing else.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> gates, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> c,
        ReadOnlySpan<float> dh, ReadOnlySpan<float> dc, Span<float> dcPrev, Span<float> dGates,
        int rows, int units, int first, int count, CellActivation activation, CellActivation recurrentActivation)
    {
        Require(rows, units, gates.Length, 4, nameof(gates));
        Require(rows, units, dGates.Length, 4, nameof(dGates));
        Require(rows, units, cPrev.Length, 1, nameof(cPrev));
        Require(rows, units, c.Length, 1, nameof(c));
        Require(rows, units, dh.Length, 1, nameof(dh));
        Require(rows, units, dc.Length, 1, nameof(dc));
        Require(rows, units, dcPrev.Length, 1, nameof(dcPrev));
        RequireSlice(units, first, count);
        if (count == 0) return;
        fixed (float* pg = gates, pcp = cPrev, pc = c, pdh = dh, pdc = dc, pdcp = dcPrev, pdg = dGates)
            for (int r = 0; r < rows; r++)
            {
                float* row = pg + (nint)r * 4 * units + first, drow = pdg + (nint)r * 4 * units + first;
                nint s = (nint)r * units + first;
                VectorLoop.For(new LstmCellBackwardLoop(row, row + units, row + 2 * units, row + 3 * units, pcp + s, pc + s, pdh + s, pdc + s,
                    pdcp + s, drow, drow + units, drow + 2 * units, drow + 3 * units, activation, recurrentActivation), count);
            }
    }

    private static void RequireSlice(int units, int first, int count)
    {
        if (first < 0 || count < 0 || first > units - count)
            throw new ArgumentOutOfRangeException(nameof(first), $"LSTM cell: units {first}..{first + count - 1} are not a slice of {units} units.");
    }

    internal static void Require(int rows, int units, int length, int blocks, string name)
    {
        if (rows < 0 || units < 0) throw new ArgumentOutOfRangeException(nameof(rows), $"Recurrent cell sizes must be non-negative: rows={rows}, units={units}.");
        if (length < (long)rows * units * blocks)
            throw new ArgumentException($"Recurrent cell: {name} holds {length} floats; {rows} rows of {blocks}×{units} need {(long)rows * units * blocks}.", name);
    }
}
