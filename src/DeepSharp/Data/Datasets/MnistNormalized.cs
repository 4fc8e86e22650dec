namespace DeepSharp.Data.Datasets;

/// <summary>
/// MNIST ready for training. Images are float32 in [0, 1] (pixel / 255), shape (N, Rows, Cols)
/// row-major with Rows = Cols = 28 for MNIST; labels are class indices 0..9.
/// </summary>
public sealed record MnistNormalized(
    float[] TrainImages, int[] TrainLabels, float[] TestImages, int[] TestLabels,
    int TrainCount, int TestCount, int Rows, int Cols)
{
    /// <summary>Number of classes (digits 0..9).</summary>
    public const int Classes = 10;
}
