namespace DeepSharp.Data.Datasets;

/// <summary>MNIST as stored: pixel bytes 0..255 and label bytes 0..9.</summary>
public sealed record MnistBytes(IdxImages TrainImages, byte[] TrainLabels, IdxImages TestImages, byte[] TestLabels);
