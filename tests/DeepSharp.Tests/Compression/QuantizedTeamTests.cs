using DeepSharp.Compression;
using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Int8;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;

namespace DeepSharp.Tests.Compression;

/// <summary>
/// Small batches (≤ <see cref="QuantizedChain.TeamBatch"/>) run a quantized chain as one
/// <see cref="Int8Team"/>, each image's convolutions cut into one part per thread: the bits must be
/// those of one thread, and of each image predicted alone.
/// </summary>
public class QuantizedTeamTests
{
    /// <summary>The convnet's shape, small: a one-channel conv + pool, a 32 → 64 conv + pool (the integer Winograd where AVX-512BW is), Dense.</summary>
    private static Sequential Convnet()
    {
        RandomGenerator.SetGlobalSeed(41);
        return new Sequential(
            new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [16, 15, 1]),
            new MaxPooling2D((2, 2)),
            new Conv2D(64, (3, 3), activation: Activation.Relu),
            new MaxPooling2D((2, 2)),
            new Flatten(),
            new Dropout(0.5f),
            new Dense(10, Activation.Softmax));
    }

    /// <summary>Every byte layer: a linear conv, a ReLU layer, an odd same-padded pool, a conv without pool, Dense → ReLU layer → Dense.</summary>
    private static Sequential Mixed()
    {
        RandomGenerator.SetGlobalSeed(42);
        return new Sequential(
            new Conv2D(6, (3, 3), inputShape: [11, 9, 3]),
            new Relu(),
            new MaxPooling2D((2, 2), padding: Padding.Same),
            new Conv2D(7, (3, 3), strides: (2, 2), padding: Padding.Same, activation: Activation.Relu),
            new Flatten(),
            new Dense(20),
            new ActivationLayer(Activation.Relu),
            new Dense(5));
    }

    /// <summary>The seed CNN's shape, small: a conv + pool, then a Dense of 3 column tiles (cut by columns across the team) → Dense.</summary>
    private static Sequential Seed()
    {
        RandomGenerator.SetGlobalSeed(43);
        return new Sequential(
            new Conv2D(8, (3, 3), activation: Activation.Relu, inputShape: [12, 13, 1]),
            new MaxPooling2D((2, 2)),
            new Flatten(),
            new Dense(40, Activation.Relu),
            new Dense(5, Activation.Softmax));
    }

    /// <summary>
    /// The residual CNN's 16-channel layers in a chain: a one-channel Same conv without pool, a 16 → 16
    /// conv + pool, a 16 → 32 conv + pool (windows read in place: VNNI quads, or the int16 frame's pairs
    /// through vpmaddwd without VNNI, each image cut into parts by pool rows), Dense.
    /// </summary>
    private static Sequential Sixteen()
    {
        RandomGenerator.SetGlobalSeed(44);
        return new Sequential(
            new Conv2D(16, (3, 3), padding: Padding.Same, activation: Activation.Relu, inputShape: [14, 13, 1]),
            new Conv2D(16, (3, 3), padding: Padding.Same, activation: Activation.Relu),
            new MaxPooling2D((2, 2)),
            new Conv2D(32, (3, 3), activation: Activation.Relu),
            new MaxPooling2D((2, 2)),
            new Flatten(),
            new Dense(5));
    }

    public static TheoryData<string> Models => ["convnet", "mixed", "seed", "sixteen"];

    [Theory]
    [MemberData(nameof(Models))]
    public void SmallBatchesHaveTheBitsOfOneThreadAndOfOneImage(string name)
    {
        var model = name switch { "convnet" => Convnet(), "seed" => Seed(), "sixteen" => Sixteen(), _ => Mixed() };
        var inputShape = name switch { "convnet" => new Shape(16, 15, 1), "seed" => new Shape(12, 13, 1), "sixteen" => new Shape(14, 13, 1), _ => new Shape(11, 9, 3) };
        var calibration = Tensor.RandomUniform(inputShape.WithBatch(40), 0f, 1f, new RandomGenerator(7));
        var quantized = Quantization.Quantize(model, calibration);
        var x = Tensor.RandomUniform(inputShape.WithBatch(QuantizedChain.TeamBatch + 1), -0.1f, 1.1f, new RandomGenerator(8));
        int saved = DeepSharp.Threads.Count;
        long savedWork = QuantizedChain.TeamWork;
        try
        {
            QuantizedChain.TeamWork = 0; // these small models run as a team at every small batch
            DeepSharp.Threads.Count = 1;
            var alone = Enumerable.Range(0, x.Shape[0]).Select(i => quantized.Predict(x.SliceRows(i, 1)).ToArray()).ToArray();
            foreach (int threads in new[] { 1, 2, 3 })
            {
                DeepSharp.Threads.Count = threads;
                foreach (int batch in new[] { 1, 2, 3, 5, QuantizedChain.TeamBatch, QuantizedChain.TeamBatch + 1 })
                {
                    var y = quantized.Predict(x.SliceRows(0, batch), batchSize: batch).ToArray();
                    Assert.Equal(alone.Take(batch).SelectMany(r => r).ToArray(), y);
                }
            }
        }
        finally
        {
            DeepSharp.Threads.Count = saved;
            QuantizedChain.TeamWork = savedWork;
        }
    }

    /// <summary>
    /// The chain's shapes are remembered per thread (<see cref="QuantizedChainPlan"/>): two models of
    /// the same input in turn, batches of other sizes between, and a model whose layers change must
    /// each get what a thread that never ran anything else computes.
    /// </summary>
    [Fact]
    public void RememberedShapesFollowTheModelTheBatchAndTheLayers()
    {
        var inputShape = new Shape(16, 15, 1);
        var calibration = Tensor.RandomUniform(inputShape.WithBatch(40), 0f, 1f, new RandomGenerator(7));
        var first = Quantization.Quantize(Convnet(), calibration);
        RandomGenerator.SetGlobalSeed(44);
        var other = new Sequential( // the same input, other widths: other shapes after every layer
            new Conv2D(16, (3, 3), activation: Activation.Relu, inputShape: [16, 15, 1]),
            new MaxPooling2D((2, 2)),
            new Conv2D(24, (3, 3), activation: Activation.Relu),
            new MaxPooling2D((2, 2)),
            new Flatten(),
            new Dropout(0.5f),
            new Dense(7, Activation.Softmax));
        var second = Quantization.Quantize(other, calibration);
        var x = Tensor.RandomUniform(inputShape.WithBatch(3), -0.1f, 1.1f, new RandomGenerator(9));
        // What a fresh thread (no remembered shapes) computes.
        static float[] Fresh(Model m, Tensor x)
        {
            float[]? y = null;
            var t = new Thread(() => y = m.Predict(x, batchSize: x.Shape[0]).ToArray());
            t.Start();
            t.Join();
            return y!;
        }
        int saved = DeepSharp.Threads.Count;
        long savedWork = QuantizedChain.TeamWork;
        try
        {
            QuantizedChain.TeamWork = 0;
            foreach (int threads in new[] { 1, 2 })
            {
                DeepSharp.Threads.Count = threads;
                float[] first1 = Fresh(first, x.SliceRows(0, 1)), second1 = Fresh(second, x.SliceRows(0, 1)), first3 = Fresh(first, x);
                Assert.NotEqual(first1, second1);
                for (int round = 0; round < 2; round++)
                {
                    Assert.Equal(first1, first.Predict(x.SliceRows(0, 1), batchSize: 1).ToArray());
                    Assert.Equal(second1, second.Predict(x.SliceRows(0, 1), batchSize: 1).ToArray());
                    Assert.Equal(first3, first.Predict(x, batchSize: 3).ToArray());
                }
            }
            // The same list with its last layer taken off: the chain now ends at the second convolution.
            first.Predict(x.SliceRows(0, 1), batchSize: 1);
            var dense = first.Pop();
            var features = first.Predict(x.SliceRows(0, 1), batchSize: 1);
            Assert.Equal(new Shape(1, 2 * 2 * 64), features.Shape);
            Assert.Equal(Fresh(first, x.SliceRows(0, 1)), features.ToArray());
            first.Add(dense);
            Assert.Equal(Fresh(first, x.SliceRows(0, 1)), first.Predict(x.SliceRows(0, 1), batchSize: 1).ToArray());
        }
        finally
        {
            DeepSharp.Threads.Count = saved;
            QuantizedChain.TeamWork = savedWork;
        }
    }

    [Fact]
    public void TeamRunsEveryItemOnceAndStagesInOrder()
    {
        int saved = DeepSharp.Threads.Count;
        try
        {
            foreach (int threads in new[] { 1, 2, 3 })
            {
                DeepSharp.Threads.Count = Math.Min(threads, 2);
                var first = new int[7];
                var second = new int[5];
                var team = Int8Team.Begin(threads);
                team.Add(first.Length, new Counting(first, null));
                team.Add(0, new Counting(second, null)); // an empty stage is skipped
                team.Add(second.Length, new Counting(second, first));
                team.Run();
                Assert.All(first, c => Assert.Equal(1, c));
                // Each item of the second stage saw every item of the first done (7 = the sum of the first's counts).
                Assert.All(second, c => Assert.Equal(1 + first.Length, c));
            }
        }
        finally
        {
            DeepSharp.Threads.Count = saved;
        }
    }

    private sealed class Counting(int[] counts, int[]? before) : IParallelBody
    {
        public void Execute(int index) => Interlocked.Add(ref counts[index], 1 + (before?.Sum() ?? 0));
    }

    [Theory]
    [InlineData(11, 13)] // 4 × 5 pool cells: F(4×4) tile rows only
    [InlineData(13, 13)] // 5 × 5 (the convnet's second layer): an odd last pool row, its cells by F(2×2), shared by cost
    [InlineData(7, 10)] // 2 × 4
    [InlineData(5, 15)] // 1 × 6: no tile row, only the last row's cells
    [InlineData(17, 9)] // 7 × 3: three tile rows and a row of cells
    public unsafe void ConvPoolInPartsHasTheBitsOfWholeImages(int inH, int inW)
    {
        // 3 images of inH×inW×32 → 64 (the Winograd tiles where AVX-512BW is), cut into 1, 2, 3 and 7 parts.
        var g = Conv2DGeometry.Create(3, inH, inW, 32, 64, 3, 3, 1, 1, false);
        var pool = Pool2DGeometry.Create(3, g.OutH, g.OutW, 64, 2, 2, 2, 2, false);
        var rng = new Random(5);
        var q = new byte[g.InputLength];
        rng.NextBytes(q);
        var weights = new sbyte[9 * 32 * 64];
        for (int i = 0; i < weights.Length; i++) weights[i] = (sbyte)rng.Next(-128, 128);
        var packed = Int8Weights.Pack(weights, 9 * 32, 64, Int8Paths.Best);
        var scales = Enumerable.Range(0, 64).Select(i => 2e-5f * (1 + i % 5)).ToArray();
        var bias = Enumerable.Range(0, 64).Select(i => 0.01f * (i % 9 - 4)).ToArray();
        var output = new Int8Output(0.02f, 3, scales, bias, true);
        byte[]? whole = null;
        foreach (int parts in new[] { 1, 2, 3, 7 })
        {
            var y = new byte[pool.OutputLength];
            fixed (byte* pq = q)
            fixed (byte* py = y)
                Int8ConvPool.Forward(g, pool, pq, packed, output, 0.05f, 4, py, parts);
            whole ??= y;
            Assert.Equal(whole, y);
        }
        Assert.Contains(whole!, b => b > 4);
    }

    [Fact]
    public void Winograd4SharesCoverEveryTileRowAndCellOnceAndBalanceTheCost()
    {
        for (int poolH = 1; poolH <= 9; poolH++)
            for (int poolW = 1; poolW <= 7; poolW++)
                for (int parts = 1; parts <= 5; parts++)
                {
                    int tileRows = poolH / 2, cells = poolH % 2 == 1 ? poolW : 0;
                    var shares = Enumerable.Range(0, parts).Select(p => Winograd4Share.Of(poolH, poolW, p, parts)).ToArray();
                    // Contiguous, in order, from the first to the last: each tile row and cell in exactly one share.
                    Assert.Equal(0, shares[0].TileRow0);
                    Assert.Equal(0, shares[0].Cell0);
                    Assert.Equal(tileRows, shares[^1].TileRow1);
                    Assert.Equal(cells, shares[^1].Cell1);
                    for (int p = 0; p < parts; p++)
                    {
                        Assert.True(shares[p].TileRow0 <= shares[p].TileRow1 && shares[p].Cell0 <= shares[p].Cell1, $"{poolH}×{poolW}/{parts}: {shares[p]}");
                        if (p > 0)
                        {
                            Assert.Equal(shares[p - 1].TileRow1, shares[p].TileRow0);
                            Assert.Equal(shares[p - 1].Cell1, shares[p].Cell0);
                        }
                    }
                }
        // The convnet's 5 × 5 pooled cells on two threads: a tile row each, the last row's 5 cells as 2 + 3 (140 and 156 positions, not 108 and 188).
        Assert.Equal(new Winograd4Share(0, 1, 0, 2), Winograd4Share.Of(5, 5, 0, 2));
        Assert.Equal(new Winograd4Share(1, 2, 2, 5), Winograd4Share.Of(5, 5, 1, 2));
        // Three tile rows and a row of 3 cells on two threads: the cells go to the share with one tile row.
        Assert.Equal(new Winograd4Share(0, 1, 0, 3), Winograd4Share.Of(7, 3, 0, 2));
        Assert.Equal(new Winograd4Share(1, 3, 3, 3), Winograd4Share.Of(7, 3, 1, 2));
    }

    [Fact]
    public void ColumnSharesCoverEveryTileOnceWithTheLayersScales()
    {
        var rng = new Random(9);
        foreach (int n in new[] { 17, 40, 128, 33 })
            foreach (int parts in new[] { 2, 3, 5 })
            {
                var w = new sbyte[7 * n];
                for (int i = 0; i < w.Length; i++) w[i] = (sbyte)rng.Next(-128, 128);
                var packed = Int8Weights.Pack(w, 7, n, Int8Paths.Best);
                var output = new Int8Output(0.1f, 3, [.. Enumerable.Range(0, n).Select(i => 0.01f * (i + 1))], [.. Enumerable.Range(0, n).Select(i => (float)i)], true);
                var shares = Int8ColumnShares.Of(packed, output, parts);
                Assert.Equal(Math.Min(parts, packed.Tiles), shares.Parts);
                Assert.Same(shares, Int8ColumnShares.Of(packed, output, parts)); // kept
                int next = 0;
                foreach (var (c0, weights, share) in shares.Shares)
                {
                    Assert.Equal(next, c0);
                    Assert.Equal(0, c0 % Int8Weights.TileN);
                    Assert.Equal(output.Scales[c0..(c0 + weights.N)], share.Scales);
                    Assert.Equal(output.Bias![c0..(c0 + weights.N)], share.Bias!);
                    Assert.Equal(packed.ColumnSums[c0..(c0 + weights.N)], weights.ColumnSums);
                    var plain = packed.Unpacked();
                    var mine = weights.Unpacked();
                    for (int r = 0; r < 7; r++) Assert.Equal(plain.AsSpan(r * n + c0, weights.N).ToArray(), mine.AsSpan(r * weights.N, weights.N).ToArray());
                    next = c0 + weights.N;
                }
                Assert.Equal(n, next);
            }
    }
}
