using DeepSharp.Kernels.Cpu.Reference;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Kernels.Cpu;

// Implementation notes
// --------------------
// The pointwise half of one GRU time step in Keras's default form (reset_after = True, the
// cuDNN-compatible variant with separate input and recurrent biases), once the matrix products are
// done. Gate blocks in Keras's order z (update), r (reset), h (candidate), each `units` wide:
//   x̂ = x·W + b_in (in `gates`)        û = h̃·U (in `hu`; h̃ is the previous state after recurrent dropout)
//   z = σ(x̂_z + û_z + b_rec,z)    r = σ(x̂_r + û_r + b_rec,r)    ρ = û_h + b_rec,h (kept for backward)
//   ĥ = act(x̂_h + r ⊙ ρ)           h = z ⊙ h_prev + (1 − z) ⊙ ĥ
// Backward, with dh = ∂L/∂h:
//   dh_prev (direct part) = dh ⊙ z
//   da_h = dh ⊙ (1 − z) ⊙ act′     da_z = dh ⊙ (h_prev − ĥ) ⊙ σ′     da_r = da_h ⊙ ρ ⊙ σ′
// The pre-activation gradients with respect to x̂ are (da_z, da_r, da_h); with respect to û + b_rec
// they are (da_z, da_r, da_h ⊙ r). h_prev is the state before dropout: Keras mixes the undropped state.

/// <summary>The pointwise GRU step (reset_after); see <see cref="NaiveGruCell"/> for the exact contract.</summary>
internal static class GruCell
{
    /// <summary>
    /// gates (rows, 3·units): in, x·W + b_in; out, the activated z, r and candidate ĥ. Reads
    /// <paramref name="hu"/> = h̃·U (rows, 3·units) and the recurrent bias (3·units, or empty for none);
    /// writes ρ (rows, units) into <paramref name="rh"/> and the new state into <paramref name="h"/>.
    /// </summary>
    public static void Forward(Span<float> gates, ReadOnlySpan<float> hu, ReadOnlySpan<float> recurrentBias,
        ReadOnlySpan<float> hPrev, Span<float> rh, Span<float> h,
        int rows, int units, CellActivation activation, CellActivation recurrentActivation)
    {
        LstmCell.Require(rows, units, gates.Length, 3, nameof(gates));
        LstmCell.Require(rows, units, hu.Length, 3, nameof(hu));
        LstmCell.Require(rows, units, hPrev.Length, 1, nameof(hPrev));
        LstmCell.Require(rows, units, rh.Length, 1, nameof(rh));
        LstmCell.Require(rows, units, h.Length, 1, nameof(h));
        bool hasBias = !recurrentBias.IsEmpty;
        if (hasBias) LstmCell.Require(1, units, recurrentBias.Length, 3, nameof(recurrentBias));
        if (units == 0) return;
        for (int r = 0; r < rows; r++)
        {
            var row = gates.Slice(r * 3 * units, 3 * units);
            var urow = hu.Slice(r * 3 * units, 3 * units);
            var zr = row[..(2 * units)];
            var candidate = row.Slice(2 * units, units);
            var rho = rh.Slice(r * units, units);
            TensorPrimitives.Add(zr, urow[..(2 * units)], zr);
            if (hasBias) TensorPrimitives.Add(zr, recurrentBias[..(2 * units)], zr);
            CellActivationKernel.Apply(recurrentActivation, zr);
            if (hasBias) TensorPrimitives.Add(urow.Slice(2 * units, units), recurrentBias.Slice(2 * units, units), rho);
            else urow.Slice(2 * units, units).CopyTo(rho);
            TensorPrimitives.MultiplyAdd(row.Slice(units, units), rho, candidate, candidate);
            CellActivationKernel.Apply(activation, candidate);
            var hr = h.Slice(r * units, units);
            TensorPrimitives.Subtract(hPrev.Slice(r * units, units), candidate, hr);
            TensorPrimitives.MultiplyAdd(row[..units], hr, candidate, hr);
        }
    }

    /// <summary>
    /// From the activated <paramref name="gates"/>, ρ, the previous state and dh = ∂L/∂h, writes the
    /// direct part of ∂L/∂h_prev (dh ⊙ z) into <paramref name="dhPrev"/>, ∂L/∂(x·W + b_in) into
    /// <paramref name="dGates"/> and ∂L/∂(h̃·U + b_rec) into <paramref name="dRecurrent"/> (rows, 3·units each).
    /// </summary>
    public static void Backward(ReadOnlySpan<float> gates, ReadOnlySpan<float> rh, ReadOnlySpan<float> hPrev,
        ReadOnlySpan<float> dh, Span<float> dhPrev, Span<float> dGates, Span<float> dRecurrent,
        int rows, int units, CellActivation activation, CellActivation recurrentActivation)
    {
        LstmCell.Require(rows, units, gates.Length, 3, nameof(gates));
        LstmCell.Require(rows, units, dGates.Length, 3, nameof(dGates));
        LstmCell.Require(rows, units, dRecurrent.Length, 3, nameof(dRecurrent));
        LstmCell.Require(rows, units, rh.Length, 1, nameof(rh));
        LstmCell.Require(rows, units, hPrev.Length, 1, nameof(hPrev));
        LstmCell.Require(rows, units, dh.Length, 1, nameof(dh));
        LstmCell.Require(rows, units, dhPrev.Length, 1, nameof(dhPrev));
        if (units == 0) return;
        for (int r = 0; r < rows; r++)
        {
            var row = gates.Slice(r * 3 * units, 3 * units);
            var z = row[..units];
            var reset = row.Slice(units, units);
            var candidate = row.Slice(2 * units, units);
            var drow = dGates.Slice(r * 3 * units, 3 * units);
            var dz = drow[..units];
            var dr = drow.Slice(units, units);
            var dc = drow.Slice(2 * units, units);
            var dhr = dh.Slice(r * units, units);
            var dhp = dhPrev.Slice(r * units, units);

            TensorPrimitives.Subtract(hPrev.Slice(r * units, units), candidate, dz);
            TensorPrimitives.Multiply(dz, dhr, dz);
            CellActivationKernel.MultiplyDerivative(recurrentActivation, z, dz);
            TensorPrimitives.Multiply(dhr, z, dhp);
            TensorPrimitives.Subtract(dhr, dhp, dc);
            CellActivationKernel.MultiplyDerivative(activation, candidate, dc);
            TensorPrimitives.Multiply(dc, rh.Slice(r * units, units), dr);
            CellActivationKernel.MultiplyDerivative(recurrentActivation, reset, dr);

            var rrow = dRecurrent.Slice(r * 3 * units, 3 * units);
            drow[..(2 * units)].CopyTo(rrow);
            TensorPrimitives.Multiply(dc, reset, rrow.Slice(2 * units, units));
        }
    }
}
