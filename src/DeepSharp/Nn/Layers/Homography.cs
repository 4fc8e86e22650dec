namespace DeepSharp.Nn.Layers;

/// <summary>
/// The projective map that takes four points to four others, as Keras's <c>compute_homography_matrix</c>: the eight
/// numbers (a0, a1, a2, b0, b1, b2, c0, c1) with (a0·x + a1·y + a2, b0·x + b1·y + b2)/(c0·x + c1·y + 1) = to[i] at
/// (x, y) = from[i].
/// </summary>
/// <remarks>
/// Implementation notes: each correspondence gives two linear equations in the eight unknowns,
/// a0·x + a1·y + a2 − c0·x·u − c1·y·u = u and b0·x + b1·y + b2 − c0·x·v − c1·y·v = v with (u, v) = to[i]; the 8×8
/// system is solved by Gaussian elimination with partial pivoting in double precision.
/// </remarks>
internal static class Homography
{
    /// <summary>
    /// Writes the map taking <paramref name="from"/> (x0, y0, …, x3, y3) to <paramref name="to"/> into
    /// <paramref name="map"/> and returns true; false (map untouched) when three of the points are collinear.
    /// </summary>
    public static bool Solve(ReadOnlySpan<double> from, ReadOnlySpan<double> to, Span<float> map)
    {
        Span<double> a = stackalloc double[8 * 9]; // the augmented matrix, rows of 9
        for (int i = 0; i < 4; i++)
        {
            double x = from[2 * i], y = from[2 * i + 1], u = to[2 * i], v = to[2 * i + 1];
            var first = a.Slice(18 * i, 9);
            var second = a.Slice(18 * i + 9, 9);
            first[0] = x; first[1] = y; first[2] = 1; first[6] = -x * u; first[7] = -y * u; first[8] = u;
            second[3] = x; second[4] = y; second[5] = 1; second[6] = -x * v; second[7] = -y * v; second[8] = v;
        }
        double scale = 1;
        for (int i = 0; i < from.Length; i++) scale = Math.Max(scale, Math.Abs(from[i]));
        for (int column = 0; column < 8; column++)
        {
            int pivot = column;
            for (int row = column + 1; row < 8; row++)
                if (Math.Abs(a[row * 9 + column]) > Math.Abs(a[pivot * 9 + column])) pivot = row;
            if (Math.Abs(a[pivot * 9 + column]) < 1e-9 * scale) return false;
            if (pivot != column)
                for (int k = 0; k < 9; k++) (a[column * 9 + k], a[pivot * 9 + k]) = (a[pivot * 9 + k], a[column * 9 + k]);
            for (int row = 0; row < 8; row++)
            {
                if (row == column) continue;
                double f = a[row * 9 + column] / a[column * 9 + column];
                if (f == 0) continue;
                for (int k = column; k < 9; k++) a[row * 9 + k] -= f * a[column * 9 + k];
            }
        }
        for (int i = 0; i < 8; i++) map[i] = (float)(a[i * 9 + 8] / a[i * 9 + i]);
        return true;
    }
}
