using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>Row softmax and log-softmax against their twins.</summary>
public static class SoftmaxChecks
{
    private static readonly int[] Rows = [0, 1, 3, 17];

    /// <summary>Logits up to ±30, so that exp would overflow without the max subtraction at ±100.</summary>
    internal static float[] Logits(int n, int seed)
    {
        var x = Check.Random(n, seed);
        for (int i = 0; i < n; i++) x[i] *= 30f;
        if (n > 2) x[n / 2] = 100f;
        return x;
    }

    public static void ForwardMatchesTwin()
    {
        foreach (int rows in Rows)
            foreach (int cols in Check.AwkwardSizes)
            {
                var x = Logits(rows * cols, rows * 131 + cols);
                var e = new float[x.Length];
                var a = new float[x.Length];
                NaiveSoftmax.Forward(x, e, rows, cols);
                Softmax.Forward(x, a, rows, cols);
                Check.Close(e, a, 1e-5f, 1e-7f, $"Softmax {rows}x{cols}");
                NaiveSoftmax.LogForward(x, e, rows, cols);
                Softmax.LogForward(x, a, rows, cols);
                Check.Close(e, a, 1e-5f, 1e-5f, $"LogSoftmax {rows}x{cols}");
            }
    }

    public static void BackwardMatchesTwin()
    {
        foreach (int rows in Rows)
            foreach (int cols in Check.AwkwardSizes)
            {
                int n = rows * cols;
                var y = new float[n];
                var logY = new float[n];
                NaiveSoftmax.Forward(Logits(n, cols), y, rows, cols);
                NaiveSoftmax.LogForward(Logits(n, cols), logY, rows, cols);
                var dy = Check.Random(n, rows + 7 * cols);
                var e = Check.Random(n, 3);
                var a = (float[])e.Clone();
                NaiveSoftmax.Backward(y, dy, e, rows, cols);
                Softmax.Backward(y, dy, a, rows, cols);
                Check.Close(e, a, 1e-5f, 1e-5f, $"Softmax backward {rows}x{cols}");
                NaiveSoftmax.LogBackward(logY, dy, e, rows, cols);
                Softmax.LogBackward(logY, dy, a, rows, cols);
                Check.Close(e, a, 1e-5f, 2e-5f, $"LogSoftmax backward {rows}x{cols}");
            }
    }
}
