using DeepSharp.Bench.Harness;
using DeepSharp.Tensors;
using DeepSharp.Training;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace DeepSharp.Bench.Models;

/// <summary>
/// The DeepSharp worker's seed model exported to ONNX and run in ONNX Runtime (issue 5's inference
/// reference, DESIGN.md §8): same weights, same test images, batches of 1000, the same thread count.
/// </summary>
internal sealed class OnnxRuntimeSide : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _inputName;
    private readonly float[] _images;
    private readonly int _count, _perImage;

    public OnnxRuntimeSide(Model model, DeepSharp.Tensors.Tensor xTest, int threads)
    {
        string path = Path.Combine(Path.GetTempPath(), $"deepsharp-bench-{Environment.ProcessId}.onnx");
        model.ExportOnnx(path);
        var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        _session = new InferenceSession(path, options);
        File.Delete(path);
        _inputName = _session.InputMetadata.Keys.Single();
        _images = xTest.ToArray();
        _count = xTest.Shape[0];
        _perImage = xTest.Size / _count;
    }

    /// <summary>Runs every test image through the session once, in batches.</summary>
    public void InferAll(int batchSize)
    {
        for (int start = 0; start < _count; start += batchSize)
        {
            int n = Math.Min(batchSize, _count - start);
            var input = new DenseTensor<float>(_images.AsMemory(start * _perImage, n * _perImage), [n, 28, 28, 1]);
            using var results = _session.Run([NamedOnnxValue.CreateFromTensor(_inputName, input)]);
        }
    }

    /// <summary>Runs the first <paramref name="count"/> test images through the session as one batch.</summary>
    public void InferFirst(int count)
    {
        var input = new DenseTensor<float>(_images.AsMemory(0, count * _perImage), [count, 28, 28, 1]);
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(_inputName, input)]);
    }

    public void Dispose() => _session.Dispose();
}
