namespace DeepSharp.Data.Datasets;

/// <summary>The four MNIST idx files (each may be plain or gzipped).</summary>
public sealed record MnistPaths(string TrainImages, string TrainLabels, string TestImages, string TestLabels);
