namespace DeepSharp.Data.Datasets;

/// <summary>The paths of the four MNIST idx files (each may be plain or gzipped), as <see cref="MnistLocator"/> finds them.</summary>
public sealed record MnistFiles(string TrainImages, string TrainLabels, string TestImages, string TestLabels);
