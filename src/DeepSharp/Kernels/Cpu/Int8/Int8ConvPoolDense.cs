namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// A small batch's 3×3 convolution + 2×2 pool cut by output channels (<see cref="Int8Winograd4Channels"/>,
/// each image in parts shared by a team's threads) together with the quantized Dense that reads the
/// flattened pooled image: each part writes its channels' bytes packed in its own thread's scratch and
/// multiplies them at once by its rows of the Dense (<see cref="Int8DenseRowShares"/>) into int32
/// partial sums; a second stage adds each image's partials in part order and runs the Dense's epilogue.
/// </summary>
/// <remarks>
/// Against the convolution's stage then a Dense stage on the pooled bytes (the convnet at batch 1: the
/// Dense 1600 → 10 on one thread after a barrier, reading the other thread's bytes from its core), the
/// Dense's multiply-adds are shared by the parts and only the partial sums cross between cores. The
/// bytes are those of the uncut convolution (the same epilogue per channel) and the Dense's int32 sums
/// are the same integers, so the outputs are the same bits as <see cref="Int8ConvPool"/> followed by
/// <see cref="Int8Linear"/>. Naive twin: <c>Reference.NaiveInt8.Conv2D</c>, <c>MaxPool2D</c>, <c>Linear</c> in turn.
/// </remarks>
internal static unsafe class Int8ConvPoolDense
{
    /// <summary>
    /// Whether the convolution + pool cut into <paramref name="parts"/> and the Dense <paramref name="dense"/> run as one stage:
    /// <see cref="Int8Winograd4Channels.Applies"/> for one image, and the Dense's K the pooled image's (non-zero) length on the same path.
    /// </summary>
    public static bool Applies(in Conv2DGeometry conv, in Pool2DGeometry pool, Int8Weights w, int parts, Int8Weights dense) =>
        dense is not null && w is not null && dense.Path == w.Path && pool.Channels == conv.OutC
        && dense.K > 0 && dense.K == (long)pool.OutH * pool.OutW * pool.Channels
        && Int8Winograd4Channels.Applies(conv with { Batch = 1 }, pool with { Batch = 1 }, w, parts);

    /// <summary>
    /// y = Dense(flatten(maxpool(conv(q)))): the convolution's output quantized with (<paramref name="scale"/>,
    /// <paramref name="zeroPoint"/>) — the Dense's input grid — pooled by <paramref name="pool"/>, then multiplied by
    /// <paramref name="dense"/> and written by its epilogue <paramref name="denseOutput"/> at <paramref name="y"/> (row b
    /// for image b): two stages of <paramref name="team"/>, each image in <paramref name="parts"/> items, then one item per image.
    /// </summary>
    /// <exception cref="ArgumentException">The geometries or weights do not fit together, or <see cref="Applies"/> is false.</exception>
    public static void Forward(in Conv2DGeometry conv, in Pool2DGeometry pool, byte* q, Int8Weights w, Int8Output output, float scale, int zeroPoint,
        Int8Weights dense, Int8Output denseOutput, Int8Destination y, int parts, Int8Team team)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(dense);
        ArgumentNullException.ThrowIfNull(denseOutput);
        ArgumentNullException.ThrowIfNull(team);
        conv.Validate();
        pool.Validate();
        if (w.K != conv.KernelH * conv.KernelW * conv.InC || w.N != conv.OutC)
            throw new ArgumentException($"Int8 Conv2D: weights ({w.K}, {w.N}) do not match kernel {conv.KernelH}×{conv.KernelW}×{conv.InC}→{conv.OutC}.");
        if (pool.Batch != conv.Batch || pool.InH != conv.OutH || pool.InW != conv.OutW || pool.Channels != conv.OutC)
            throw new ArgumentException($"Int8 conv + pool: the pool's input ({pool.Batch}, {pool.InH}, {pool.InW}, {pool.Channels}) is not the convolution's output ({conv.Batch}, {conv.OutH}, {conv.OutW}, {conv.OutC}).");
        if (!Applies(conv, pool, w, parts, dense))
            throw new ArgumentException($"Int8 conv + pool + Dense: a Dense of K={dense.K} ({dense.Path}) after a {conv.OutH}×{conv.OutW}×{conv.OutC} conv pooled to {pool.OutH}×{pool.OutW} ({w.Path}) in {parts} parts does not run as one stage.");
        output.Check(w.N);
        denseOutput.Check(dense.N);
        Int8Destination.ToBytes(q, scale, zeroPoint); // checks the grid
        if (conv.Batch == 0) return;
        var ranges = new (int C0, int C1)[parts];
        for (int p = 0; p < parts; p++)
        {
            var (t0, t1) = Int8Winograd4Channels.Share(w.Tiles, p, parts);
            var (c0, count) = Int8Winograd4Channels.Channels(w.N, t0, t1);
            ranges[p] = (c0, c0 + count);
        }
        var shares = Int8DenseRowShares.Of(dense, pool.OutH * pool.OutW, conv.OutC, ranges);
        var partials = new int[(long)conv.Batch * parts * dense.N];
        team.Add(conv.Batch * parts, new Parts(conv, pool, q, w, output, scale, zeroPoint, shares, partials, parts));
        team.Add(conv.Batch, new Sums(shares, denseOutput, y, partials, parts));
    }

    /// <summary>Item b · parts + p: part p of image b, its bytes and its partial sums (at item · N of the partials).</summary>
    private sealed class Parts(Conv2DGeometry conv, Pool2DGeometry pool, byte* q, Int8Weights w, Int8Output output, float scale, int zeroPoint,
        Int8DenseRowShares shares, int[] partials, int parts) : IParallelBody
    {
        public void Execute(int item)
        {
            int b = item / parts, part = item % parts, n = shares.Whole.N;
            var (t0, t1) = Int8Winograd4Channels.Share(w.Tiles, part, parts);
            var rows = shares.Shares[part];
            byte* bytes = Int8Scratch.Bytes(Int8Scratch.ConvOutput, rows.K + (long)Int8Gemm.Slack);
            Int8Winograd4Channels.ImagePooledPacked(conv with { Batch = 1 }, pool with { Batch = 1 }, q + (long)b * conv.InH * conv.InW * conv.InC, w, output, scale, zeroPoint,
                bytes, t0, t1);
            fixed (int* acc = partials)
                Int8Gemm.MultiplyRows(bytes, rows.K, 1, rows, acc + (long)item * n, n, readable: true);
        }
    }

    /// <summary>Item b: image b's partial sums added in part order, then the Dense's epilogue at row b.</summary>
    private sealed class Sums(Int8DenseRowShares shares, Int8Output output, Int8Destination y, int[] partials, int parts) : IParallelBody
    {
        public void Execute(int b)
        {
            int n = shares.Whole.N;
            int* acc = Int8Scratch.Ints(Int8Scratch.Accumulators, n);
            fixed (int* all = partials)
            {
                int* first = all + (long)b * parts * n;
                for (int j = 0; j < n; j++) acc[j] = first[j];
                for (int p = 1; p < parts; p++)
                {
                    int* partial = first + (long)p * n;
                    for (int j = 0; j < n; j++) acc[j] += partial[j];
                }
            }
            y.Finish(acc, 1, shares.Whole, output, b);
        }
    }
}
