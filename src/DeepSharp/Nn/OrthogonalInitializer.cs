using DeepSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Nn;

/// <summary>
/// Keras's "orthogonal" (gain 1), the default of recurrent kernels: the Q factor of a QR
/// decomposition of a normal (max(r, c), min(r, c)) matrix, its columns' signs fixed by R's
/// diagonal, transposed when the weight is wide. A (rows, cols) weight (rows = product of all but
/// the last axis) has orthonormal columns, or orthonormal rows when it is wider than tall.
/// </summary>
/// <remarks>Q comes from modified Gram–Schmidt, run twice, in double: its R has a positive diagonal,
/// which is exactly the sign correction Keras applies to Householder's Q. While a model file is
/// loading (<see cref="WeightBudget.ValuesOverwrittenByFile"/>) only the normal draws are made.</remarks>
internal sealed class OrthogonalInitializer : Initializer
{
    public override string Name => "orthogonal";

    public override void Fill(Span<float> values, Shape shape, RandomGenerator generator)
    {
        if (shape.Rank < 2) throw new DeepSharpException($"The orthogonal initializer needs a weight of rank 2 or more; got {shape}.");
        int cols = shape[-1];
        int rows = cols == 0 ? 0 : shape.Size / cols;
        int m = Math.Max(rows, cols), n = Math.Min(rows, cols);
        var normal = new float[m * n];
        generator.FillNormal(normal, 0f, 1f);
        if (WeightBudget.ValuesOverwrittenByFile)
        {
            // Model.Load: the file's values replace these. The draws above keep the generator where it would
            // be; the QR (O(m·n²), minutes for a 4096-unit LSTM) would be thrown away.
            values[..shape.Size].Clear();
            return;
        }
        var q = new double[n][];                                   // column j of Q, m long
        for (int j = 0; j < n; j++)
        {
            var v = new double[m];
            for (int i = 0; i < m; i++) v[i] = normal[i * n + j];
            for (int pass = 0; pass < 2; pass++)
                for (int k = 0; k < j; k++)
                    TensorPrimitives.MultiplyAdd(q[k], -TensorPrimitives.Dot<double>(q[k], v), v, v);
            double norm = Math.Sqrt(TensorPrimitives.Dot<double>(v, v));
            TensorPrimitives.Multiply(v, norm > 0 ? 1 / norm : 0, v);
            q[j] = v;
        }
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                values[r * cols + c] = (float)(rows >= cols ? q[c][r] : q[r][c]);
    }
}
