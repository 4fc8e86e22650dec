namespace DeepSharp.Data.Datasets;

/// <summary>
/// The images of an idx3-ubyte file: <see cref="Count"/> images of <see cref="Rows"/> × <see cref="Cols"/>
/// bytes each, row-major, one after another (shape (Count, Rows, Cols)).
/// </summary>
public sealed record IdxImages(byte[] Pixels, int Count, int Rows, int Cols)
{
    /// <summary>Bytes per image, Rows × Cols.</summary>
    public int ImageSize => Rows * Cols;
}
