using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>Fused softmax + cross-entropy, dense and sparse, against the twin.</summary>
public static class CrossEntropyChecks
{
    private static readonly int[] Rows = [0, 1, 5, 32];
    private static readonly int[] Cols = [1, 2, 3, 7, 8, 10, 16, 17, 33, 100];

    public static void DenseMatchesTwin()
    {
        foreach (int rows in Rows)
            foreach (int cols in Cols)
            {
                int n = rows * cols;
                var logits = SoftmaxChecks.Logits(n, rows * 101 + cols);
                var targets = Check.Random(n, cols);
                for (int i = 0; i < n; i++) targets[i] = MathF.Abs(targets[i]); // soft labels
                var (p1, l1) = (new float[n], new float[rows]);
                var (p2, l2) = (new float[n], new float[rows]);
                NaiveCrossEntropy.SoftmaxForward(logits, targets, p1, l1, rows, cols);
                CrossEntropy.SoftmaxForward(logits, targets, p2, l2, rows, cols);
                Check.Close(p1, p2, 1e-5f, 1e-7f, $"CE probs {rows}x{cols}");
                Check.Close(l1, l2, 1e-5f, 1e-4f, $"CE loss {rows}x{cols}");

                var dLoss = Check.Random(rows, 11);
                var e = Check.Random(n, 12);
                var a = (float[])e.Clone();
                NaiveCrossEntropy.SoftmaxBackward(p1, targets, dLoss, e, rows, cols);
                CrossEntropy.SoftmaxBackward(p1, targets, dLoss, a, rows, cols);
                Check.Close(e, a, 1e-5f, 1e-6f, $"CE backward {rows}x{cols}");
            }
    }

    public static void SparseMatchesTwin()
    {
        foreach (int rows in Rows)
            foreach (int cols in Cols)
            {
                int n = rows * cols;
                var logits = SoftmaxChecks.Logits(n, rows * 103 + cols);
                var labels = new int[rows];
                for (int r = 0; r < rows; r++) labels[r] = (r * 7 + cols) % cols;
                var (p1, l1) = (new float[n], new float[rows]);
                var (p2, l2) = (new float[n], new float[rows]);
                NaiveCrossEntropy.SparseSoftmaxForward(logits, labels, p1, l1, rows, cols);
                CrossEntropy.SparseSoftmaxForward(logits, labels, p2, l2, rows, cols);
                Check.Close(p1, p2, 1e-5f, 1e-7f, $"Sparse CE probs {rows}x{cols}");
                Check.Close(l1, l2, 1e-5f, 1e-5f, $"Sparse CE loss {rows}x{cols}");

                var dLoss = Check.Random(rows, 13);
                var e = Check.Random(n, 14);
                var a = (float[])e.Clone();
                NaiveCrossEntropy.SparseSoftmaxBackward(p1, labels, dLoss, e, rows, cols);
                CrossEntropy.SparseSoftmaxBackward(p1, labels, dLoss, a, rows, cols);
                Check.Equal<float>(e, a, $"Sparse CE backward {rows}x{cols}");
            }
    }

    public static void SparseRejectsBadLabels()
    {
        foreach (int bad in new[] { -1, 3 })
        {
            try
            {
                CrossEntropy.SparseSoftmaxForward(new float[6], [0, bad], new float[6], new float[2], 2, 3);
            }
            catch (ArgumentOutOfRangeException)
            {
                continue;
            }
            throw new CheckFailedException($"Sparse CE accepted label {bad} for 3 classes");
        }
    }
}
