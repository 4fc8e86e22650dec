using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.Tests.Kernels;

/// <summary>
/// <see cref="DenseBackwardPair"/>: dX, dW and db on a thread each (two threads) give the bits of
/// the products run in turn on one thread, and agree with the naive products.
/// </summary>
public class DenseBackwardPairTests
{
    private static float[] Random(int n, int seed)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        return a;
    }

    private static (float[] Dx, float[] Dw, float[] Db) Backward(int threads, int rows, int inF, int outF, bool accumulateDx, bool withDb)
    {
        int saved = DeepSharp.Threads.Count;
        try
        {
            DeepSharp.Threads.Count = threads;
            var x = Random(rows * inF, 1);
            var w = Random(inF * outF, 2);
            var dy = Random(rows * outF, 3);
            var dx = Random(rows * inF, 4);
            var dw = Random(inF * outF, 5);
            var db = withDb ? Random(outF, 6) : [];
            DenseBackwardPair.Run(rows, inF, outF, x, w, dy, dx, accumulateDx, dw, db);
            return (dx, dw, db);
        }
        finally
        {
            DeepSharp.Threads.Count = saved;
        }
    }

    [Theory]
    [InlineData(2048, 128, 128, true, true)]
    [InlineData(2048, 512, 128, false, true)]
    [InlineData(509, 131, 67, true, false)]
    [InlineData(1000, 96, 300, false, true)]
    [InlineData(3, 5, 7, true, true)]
    [InlineData(1, 1, 1, false, true)]
    public void TwoThreadsGiveTheBitsOfOne(int rows, int inF, int outF, bool accumulateDx, bool withDb)
    {
        var one = Backward(1, rows, inF, outF, accumulateDx, withDb);
        var two = Backward(2, rows, inF, outF, accumulateDx, withDb);
        var three = Backward(3, rows, inF, outF, accumulateDx, withDb);
        Assert.Equal(one.Dx, two.Dx);
        Assert.Equal(one.Dw, two.Dw);
        Assert.Equal(one.Db, two.Db);
        Assert.Equal(one.Dx, three.Dx);
        Assert.Equal(one.Dw, three.Dw);
        Assert.Equal(one.Db, three.Db);
    }

    [Theory]
    [InlineData(2048, 128, 96)]
    [InlineData(37, 11, 5)]
    public void MatchesTheNaiveProducts(int rows, int inF, int outF)
    {
        var (dx, dw, db) = Backward(2, rows, inF, outF, accumulateDx: true, withDb: true);
        var x = Random(rows * inF, 1);
        var w = Random(inF * outF, 2);
        var dy = Random(rows * outF, 3);
        var ex = Random(rows * inF, 4);
        var ew = Random(inF * outF, 5);
        var eb = Random(outF, 6);
        NaiveGemm.Multiply(false, true, rows, inF, outF, dy, outF, w, outF, ex, inF, accumulate: true);
        NaiveGemm.Multiply(true, false, inF, outF, rows, x, inF, dy, outF, ew, outF, accumulate: true);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < outF; c++) eb[c] += dy[r * outF + c];
        for (int i = 0; i < dx.Length; i++) Assert.True(Math.Abs(dx[i] - ex[i]) <= 1e-4f * (1 + outF), $"dX[{i}] {dx[i]} vs {ex[i]}");
        for (int i = 0; i < dw.Length; i++) Assert.True(Math.Abs(dw[i] - ew[i]) <= 1e-4f * (1 + rows / 16f), $"dW[{i}] {dw[i]} vs {ew[i]}");
        for (int i = 0; i < db.Length; i++) Assert.True(Math.Abs(db[i] - eb[i]) <= 1e-4f * (1 + rows / 16f), $"db[{i}] {db[i]} vs {eb[i]}");
    }

    [Fact]
    public void TooShortBufferIsNamed()
    {
        int saved = DeepSharp.Threads.Count;
        try
        {
            DeepSharp.Threads.Count = 2;
            var e = Assert.Throws<ArgumentException>(() => DenseBackwardPair.Run(2048, 128, 128, new float[2048 * 128], new float[128 * 128],
                new float[2048 * 128], new float[2048 * 128], false, new float[100], []));
            Assert.Contains("dW", e.Message);
        }
        finally
        {
            DeepSharp.Threads.Count = saved;
        }
    }
}
