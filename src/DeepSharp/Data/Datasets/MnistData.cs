using System.Numerics.Tensors;

namespace DeepSharp.Data.Datasets;

/// <summary>Loads MNIST (see <see cref="MnistFiles.Locate(string?)"/> for where the files come from).</summary>
public static class MnistData
{
    /// <summary>Raw bytes of the four files, checked: counts agree, image sizes agree, labels are 0..9.</summary>
    /// <param name="dataDir">A folder holding the idx files, or null for the cache (fetched if needed).</param>
    /// <exception cref="DataFormatException">A file is invalid.</exception>
    /// <exception cref="DatasetUnavailableException">The files are missing and could not be fetched.</exception>
    public static MnistRaw LoadRaw(string? dataDir = null) => LoadRaw(MnistFiles.Locate(dataDir));

    /// <inheritdoc cref="LoadRaw(string?)"/>
    public static MnistRaw LoadRaw(MnistPaths paths)
    {
        var (train, trainLabels) = IdxReader.ReadPair(paths.TrainImages, paths.TrainLabels);
        var (test, testLabels) = IdxReader.ReadPair(paths.TestImages, paths.TestLabels);
        if (test.Rows != train.Rows || test.Cols != train.Cols)
            throw new DataFormatException(
                $"idx file '{paths.TestImages}': images are {test.Rows}×{test.Cols}, expected {train.Rows}×{train.Cols} as in '{paths.TrainImages}'.");
        CheckLabels(trainLabels, paths.TrainLabels);
        CheckLabels(testLabels, paths.TestLabels);
        return new MnistRaw(train, trainLabels, test, testLabels);
    }

    /// <summary>Train and test sets as float images in [0, 1] and int labels.</summary>
    /// <param name="dataDir">A folder holding the idx files, or null for the cache (fetched if needed).</param>
    /// <exception cref="DataFormatException">A file is invalid.</exception>
    /// <exception cref="DatasetUnavailableException">The files are missing and could not be fetched.</exception>
    public static MnistArrays LoadArrays(string? dataDir = null) => ToArrays(LoadRaw(dataDir));

    /// <inheritdoc cref="LoadArrays(string?)"/>
    public static MnistArrays LoadArrays(MnistPaths paths) => ToArrays(LoadRaw(paths));

    /// <summary>Converts raw bytes: pixel / 255f, label as int.</summary>
    public static MnistArrays ToArrays(MnistRaw raw) => new(
        Normalize(raw.TrainImages.Pixels), Widen(raw.TrainLabels),
        Normalize(raw.TestImages.Pixels), Widen(raw.TestLabels),
        raw.TrainImages.Count, raw.TestImages.Count, raw.TrainImages.Rows, raw.TrainImages.Cols);

    static void CheckLabels(byte[] labels, string path)
    {
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] >= MnistArrays.Classes)
                throw new DataFormatException(
                    $"idx file '{path}': label {i} is {labels[i]}, expected 0..{MnistArrays.Classes - 1}.");
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
