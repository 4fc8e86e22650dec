using DeepSharp.Tensors;

namespace DeepSharp.Autograd;

/// <summary>
/// Sparsemax (Martins and Astudillo 2016) over the last axis: the Euclidean projection of each row onto the
/// probability simplex, y = max(x − τ, 0) with τ chosen so that the row sums to 1; unlike softmax, most
/// outputs are exactly 0.
/// </summary>
/// <remarks>
/// Implementation notes: sort the row descending (z₁ ≥ z₂ ≥ …), take the support size k = max{k : 1 + k·z_k &gt;
/// z₁ + … + z_k}, then τ = (z₁ + … + z_k − 1)/k. The Jacobian on the support S = {i : yᵢ &gt; 0} is I − 11ᵀ/|S|,
/// so the backward is dxᵢ = dyᵢ − mean_{j∈S} dyⱼ on S and 0 off it.
/// </remarks>
public static partial class Ops
{
    /// <summary>Sparsemax over the last axis (Keras's <c>sparsemax</c>, axis −1): a probability row with exact zeros.</summary>
    /// <exception cref="ShapeMismatchException"><paramref name="x"/> is a scalar.</exception>
    public static Tensor Sparsemax(Tensor x)
    {
        var (rows, cols) = RowsAndLastAxis(x, "Sparsemax");
        var y = x.TempLike();
        var xs = x.Span;
        var ys = y.Span;
        var sorted = new float[cols];
        for (int r = 0; r < rows; r++)
        {
            var row = xs.Slice(r * cols, cols);
            row.CopyTo(sorted);
            Array.Sort(sorted);
            double cumulative = 0, tau = 0;
            for (int k = 1; k <= cols; k++) // sorted[cols − k] is the k-th largest
            {
                float z = sorted[cols - k];
                cumulative += z;
                if (1 + k * (double)z > cumulative) tau = (cumulative - 1) / k;
                else break; // the condition holds for a prefix of k only
            }
            var outRow = ys.Slice(r * cols, cols);
            for (int i = 0; i < cols; i++) outRow[i] = MathF.Max(row[i] - (float)tau, 0f);
        }
        return OpNode.Needed(x) ? new SparsemaxNode(x).Attach(y) : y;
    }

    private sealed class SparsemaxNode(Tensor x) : OpNode(x)
    {
        public override string Name => "Sparsemax";

        public override void Backward(Tensor y, Tensor dy)
        {
            if (GradOf(0) is not { } dx) return;
            var (rows, cols) = RowsAndLastAxis(y, Name);
            var ys = y.Span;
            var g = dy.Span;
            var d = dx.Span;
            for (int r = 0; r < rows; r++)
            {
                int start = r * cols, support = 0;
                double sum = 0;
                for (int i = start; i < start + cols; i++)
                {
                    if (ys[i] <= 0f) continue;
                    support++;
                    sum += g[i];
                }
                float mean = support == 0 ? 0f : (float)(sum / support);
                for (int i = start; i < start + cols; i++)
                    if (ys[i] > 0f) d[i] += g[i] - mean;
            }
        }
    }
}
