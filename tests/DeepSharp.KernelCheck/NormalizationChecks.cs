using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>Batch and layer normalisation against their twins (float sums vs the twins' double sums).</summary>
public static class NormalizationChecks
{
    private static readonly int[] Rows = [0, 1, 2, 7, 64, 1000];

    /// <summary>
    /// Every pass runs in blocks of rows on the worker pool (the sums in fixed blocks added in order):
    /// many blocks give the bits of one thread, and stay within the twin's bounds. The sizes pass the
    /// pool's inline threshold, so two threads do take part.
    /// </summary>
    public static void BatchNormIsIdenticalForAnyThreadCount()
    {
        int seed = 100;
        foreach (int channels in new[] { 1, 7, 32, 33, 64 })
            foreach (bool batchStatistics in new[] { true, false })
            {
                int rows = 300_000 / channels + 13, n = rows * channels;   // several blocks of rows, the last partial
                var x = Check.Random(n, ++seed);
                var gamma = Check.Random(channels, ++seed);
                var beta = Check.Random(channels, ++seed);
                var dy = Check.Random(n, ++seed);
                var mean = new float[channels]; var variance = new float[channels];
                NaiveBatchNorm.Moments(x, mean, variance, rows, channels);
                float[][] Run()
                {
                    var y = new float[n];
                    var dx = Check.Random(n, 7);
                    var dg = new float[channels]; var db = new float[channels];
                    var m = new float[channels]; var v = new float[channels];
                    BatchNormKernel.Moments(x, m, v, rows, channels);
                    BatchNormKernel.Normalize(x, mean, variance, gamma, beta, 1e-3f, y, rows, channels);
                    BatchNormKernel.Backward(x, mean, variance, gamma, 1e-3f, dy, dx, dg, db, rows, channels, batchStatistics);
                    return [y, dx, dg, db, m, v];
                }
                var one = ThreadCounts.With(1, Run);
                var two = ThreadCounts.With(2, Run);
                string context = $"BatchNorm {rows}x{channels} batchStatistics={batchStatistics}";
                for (int i = 0; i < one.Length; i++) Check.Equal<float>(one[i], two[i], $"{context}, pass {i}, 1 vs 2 threads");

                var y1 = new float[n];
                NaiveBatchNorm.Normalize(x, mean, variance, gamma, beta, 1e-3f, y1, rows, channels);
                Check.Close(y1, two[0], 1e-5f, 1e-5f, context + " forward against the twin");
                var dx1 = Check.Random(n, 7);
                var dg1 = new float[channels]; var db1 = new float[channels];
                NaiveBatchNorm.Backward(x, mean, variance, gamma, 1e-3f, dy, dx1, dg1, db1, rows, channels, batchStatistics);
                Check.Close(dx1, two[1], 1e-4f, 1e-4f, context + " dx against the twin");
                Check.Close(dg1, two[2], 1e-3f, 1e-4f, context + " dgamma against the twin");
                Check.Close(db1, two[3], 1e-3f, 1e-4f, context + " dbeta against the twin");
                Check.Close(mean, two[4], 1e-5f, 1e-5f, context + " mean against the twin");
                Check.Close(variance, two[5], 1e-4f, 1e-5f, context + " variance against the twin");
            }
    }

    public static void BatchNormMatchesTwin()
    {
        int seed = 0;
        foreach (int rows in Rows)
            foreach (int channels in Check.AwkwardSizes)
                foreach (bool affine in new[] { true, false })
                    foreach (bool batchStatistics in new[] { true, false })
                    {
                        int n = rows * channels;
                        var x = Check.Random(n, ++seed);
                        for (int i = 0; i < n; i++) x[i] = x[i] * 3f + 0.5f;
                        var gamma = affine ? Check.Random(channels, ++seed) : [];
                        var beta = affine ? Check.Random(channels, ++seed) : [];
                        var m1 = new float[channels]; var v1 = new float[channels];
                        var m2 = new float[channels]; var v2 = new float[channels];
                        NaiveBatchNorm.Moments(x, m1, v1, rows, channels);
                        BatchNormKernel.Moments(x, m2, v2, rows, channels);
                        string context = $"BatchNorm {rows}x{channels} affine={affine} batchStatistics={batchStatistics}";
                        Check.Close(m1, m2, 1e-5f, 1e-5f, context + " mean");
                        Check.Close(v1, v2, 1e-4f, 1e-5f, context + " variance");

                        var y1 = new float[n]; var y2 = new float[n];
                        NaiveBatchNorm.Normalize(x, m1, v1, gamma, beta, 1e-3f, y1, rows, channels);
                        BatchNormKernel.Normalize(x, m1, v1, gamma, beta, 1e-3f, y2, rows, channels);
                        Check.Close(y1, y2, 1e-5f, 1e-5f, context + " forward");

                        var dy = Check.Random(n, ++seed);
                        var dx1 = Check.Random(n, ++seed); var dx2 = (float[])dx1.Clone();
                        var dg1 = Check.Random(affine ? channels : 0, ++seed); var dg2 = (float[])dg1.Clone();
                        var db1 = Check.Random(affine ? channels : 0, ++seed); var db2 = (float[])db1.Clone();
                        NaiveBatchNorm.Backward(x, m1, v1, gamma, 1e-3f, dy, dx1, dg1, db1, rows, channels, batchStatistics);
                        BatchNormKernel.Backward(x, m1, v1, gamma, 1e-3f, dy, dx2, dg2, db2, rows, channels, batchStatistics);
                        Check.Close(dx1, dx2, 1e-4f, 1e-4f, context + " dx");
                        Check.Close(dg1, dg2, 1e-4f, 1e-4f, context + " dgamma");
                        Check.Close(db1, db2, 1e-4f, 1e-4f, context + " dbeta");

                        // Overwriting dx (a fresh gradient buffer): garbage in dx is never read.
                        var dx3 = new float[n];
                        NaiveBatchNorm.Backward(x, m1, v1, gamma, 1e-3f, dy, dx3, new float[dg1.Length], new float[db1.Length], rows, channels, batchStatistics);
                        var dx4 = new float[n];
                        Array.Fill(dx4, float.NaN);
                        BatchNormKernel.Backward(x, m1, v1, gamma, 1e-3f, dy, dx4, new float[dg1.Length], new float[db1.Length], rows, channels, batchStatistics, accumulateDx: false);
                        Check.Close(dx3, dx4, 1e-4f, 1e-4f, context + " dx overwritten");
                    }
    }

    /// <summary>
    /// Layer norm runs in fixed blocks of rows on the worker pool, each block's column sums (dγ, dβ)
    /// in its own slot added in block order: 1, 2 and 3 threads give the same bits, within the
    /// twin's bounds; many blocks (the last partial), rows past the pool's inline threshold.
    /// </summary>
    public static void LayerNormIsIdenticalForAnyThreadCount()
    {
        int seed = 300;
        foreach (int cols in new[] { 1, 7, 31, 128, 131, 512 })
            foreach (bool affine in new[] { true, false })
            {
                int rows = 400_000 / cols + 13, n = rows * cols;
                var x = Check.Random(n, ++seed);
                var gamma = affine ? Check.Random(cols, ++seed) : [];
                var beta = affine ? Check.Random(cols, ++seed) : [];
                var dy = Check.Random(n, ++seed);
                var dxStart = Check.Random(n, ++seed);
                var dgStart = Check.Random(cols, ++seed);
                float[][] Run()
                {
                    var y = new float[n]; var m = new float[rows]; var r = new float[rows];
                    LayerNormKernel.Forward(x, gamma, beta, 1e-5f, y, m, r, rows, cols);
                    var dx = (float[])dxStart.Clone(); var dg = (float[])dgStart.Clone(); var db = (float[])dgStart.Clone();
                    LayerNormKernel.Backward(x, m, r, gamma, dy, dx, dg, db, rows, cols);
                    var dxOnly = (float[])dxStart.Clone();
                    LayerNormKernel.Backward(x, m, r, gamma, dy, dxOnly, default, default, rows, cols);
                    var dgOnly = (float[])dgStart.Clone();
                    LayerNormKernel.Backward(x, m, r, gamma, dy, default, dgOnly, default, rows, cols);
                    return [y, m, r, dx, dg, db, dxOnly, dgOnly];
                }
                var one = ThreadCounts.With(1, Run);
                string context = $"LayerNorm {rows}x{cols} affine={affine}";
                foreach (int threads in new[] { 2, 3 })
                {
                    var other = ThreadCounts.With(threads, Run);
                    for (int i = 0; i < one.Length; i++) Check.Equal<float>(one[i], other[i], $"{context}, output {i}, 1 vs {threads} threads");
                }
                Check.Equal<float>(one[3], one[6], context + " dx alone vs with the column sums");
                Check.Equal<float>(one[4], one[7], context + " dgamma alone vs with dx");

                var y1 = new float[n]; var m1 = new float[rows]; var r1 = new float[rows];
                NaiveLayerNorm.Forward(x, gamma, beta, 1e-5f, y1, m1, r1, rows, cols);
                Check.Close(m1, one[1], 1e-5f, 1e-5f, context + " mean against the twin");
                Check.Close(r1, one[2], 1e-4f, 1e-5f, context + " rstd against the twin");
                Check.Close(y1, one[0], 1e-4f, 1e-4f, context + " forward against the twin");
                var dx1 = (float[])dxStart.Clone(); var dg1 = (float[])dgStart.Clone(); var db1 = (float[])dgStart.Clone();
                NaiveLayerNorm.Backward(x, m1, r1, gamma, dy, dx1, dg1, db1, rows, cols);
                Check.Close(dx1, one[3], 1e-4f, 1e-4f, context + " dx against the twin");
                if (affine)
                {
                    Check.Close(dg1, one[4], 1e-3f, 1e-3f, context + " dgamma against the twin");
                    Check.Close(db1, one[5], 1e-3f, 1e-3f, context + " dbeta against the twin");
                }
            }
    }

    public static void LayerNormMatchesTwin()
    {
        int seed = 100;
        foreach (int rows in Rows)
            foreach (int cols in Check.AwkwardSizes)
                foreach (bool affine in new[] { true, false })
                {
                    if (cols == 0) continue;
                    int n = rows * cols;
                    var x = Check.Random(n, ++seed);
                    for (int i = 0; i < n; i++) x[i] = x[i] * 2f - 0.3f;
                    var gamma = affine ? Check.Random(cols, ++seed) : [];
                    var beta = affine ? Check.Random(cols, ++seed) : [];
                    var y1 = new float[n]; var y2 = new float[n];
                    var m1 = new float[rows]; var m2 = new float[rows];
                    var r1 = new float[rows]; var r2 = new float[rows];
                    NaiveLayerNorm.Forward(x, gamma, beta, 1e-3f, y1, m1, r1, rows, cols);
                    LayerNormKernel.Forward(x, gamma, beta, 1e-3f, y2, m2, r2, rows, cols);
                    string context = $"LayerNorm {rows}x{cols} affine={affine}";
                    Check.Close(m1, m2, 1e-5f, 1e-5f, context + " mean");
                    Check.Close(r1, r2, 1e-4f, 1e-5f, context + " rstd");
                    Check.Close(y1, y2, 1e-4f, 1e-4f, context + " forward");

                    var dy = Check.Random(n, ++seed);
                    var dx1 = Check.Random(n, ++seed); var dx2 = (float[])dx1.Clone();
                    var dg1 = Check.Random(affine ? cols : 0, ++seed); var dg2 = (float[])dg1.Clone();
                    var db1 = Check.Random(affine ? cols : 0, ++seed); var db2 = (float[])db1.Clone();
                    NaiveLayerNorm.Backward(x, m1, r1, gamma, dy, dx1, dg1, db1, rows, cols);
                    LayerNormKernel.Backward(x, m1, r1, gamma, dy, dx2, dg2, db2, rows, cols);
                    Check.Close(dx1, dx2, 1e-4f, 1e-4f, context + " dx");
                    Check.Close(dg1, dg2, 1e-4f, 1e-4f, context + " dgamma");
                    Check.Close(db1, db2, 1e-4f, 1e-4f, context + " dbeta");
                }
    }
}
