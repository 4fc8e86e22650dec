namespace DeepSharp.Kernels.Cpu.Int8;

/// <summary>
/// A quantized convolution whose u8 output is max-pooled at once, one image per work item: the
/// image's convolution output (the next layer's bytes) stays in this thread's cache and is pooled
/// from there, instead of being written for the whole batch and read back. The same bytes as
/// <see cref="Int8Conv2D"/> to u8 followed by <see cref="Int8MaxPool"/>; naive twin: those of
/// <c>Reference.NaiveInt8</c> in turn.
/// </summary>
internal static unsafe class Int8ConvPool
{
    /// <summary>
    /// y = maxpool(conv(q)) in bytes: q is u8 on the conv's input grid, the conv's output is
    /// quantized with (<paramref name="scale"/>, <paramref name="zeroPoint"/>) and pooled by <paramref name="pool"/>.
    /// </summary>
    /// <remarks>
    /// One work item per image; when the batch is smaller than the pool's threads and one image is
    /// worth a hand-off (batch 1 in serving), each image's implicit (VNNI) convolution is cut into
    /// parts — channel tile pairs, else pool rows — that the threads share
    /// (<see cref="Int8ImplicitConv.ImagePooled"/>). The parts write disjoint bytes with the same bits.
    /// </remarks>
    /// <exception cref="ArgumentException">The geometries or weights do not fit together.</exception>
    public static void Forward(in Conv2DGeometry conv, in Pool2DGeometry pool, byte* q, Int8Weights w, Int8Output output, float scale, int zeroPoint, byte* y) =>
        Forward(conv, pool, q, w, output, scale, zeroPoint, y, PartsPerImage(conv, pool, w));

    /// <summary>
    /// The same with each image cut into <paramref name="parts"/> work items (≥ 1; fewer where the
    /// image cannot be cut): run now over the pool, or added to <paramref name="team"/> as one stage.
    /// </summary>
    /// <exception cref="ArgumentException">The geometries or weights do not fit together.</exception>
    internal static void Forward(in Conv2DGeometry conv, in Pool2DGeometry pool, byte* q, Int8Weights w, Int8Output output, float scale, int zeroPoint, byte* y, int parts,
        Int8Team? team = null) =>
        Forward(conv, pool, new Images.Input(q, null, 0f, 0), w, output, scale, zeroPoint, y, parts, team);

    /// <summary>
    /// The same on float images <paramref name="x"/>: each work item first quantizes its image on
    /// (<paramref name="inScale"/>, <paramref name="inZero"/>) into its own thread's scratch, so a
    /// team's first layer needs no quantizing stage before it (one hand-off fewer at batch 1; each
    /// part of an image quantizes the whole image, ~0.1 µs for a 28 × 28 one). The same bytes as
    /// <see cref="Int8Quantize.ToUInt8(float*, int, float, int, byte*)"/> then the byte form.
    /// </summary>
    /// <exception cref="ArgumentException">The geometries or weights do not fit together, or the input grid is not one.</exception>
    internal static void Forward(in Conv2DGeometry conv, in Pool2DGeometry pool, float* x, float inScale, int inZero, Int8Weights w, Int8Output output, float scale,
        int zeroPoint, byte* y, int parts, Int8Team? team = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        Int8Destination.ToBytes(y, inScale, inZero); // checks the input grid as an output grid: a positive finite scale, a zero point in [0, 255]
        Forward(conv, pool, new Images.Input(null, x, inScale, inZero), w, output, scale, zeroPoint, y, parts, team);
    }

    private static void Forward(in Conv2DGeometry conv, in Pool2DGeometry pool, Images.Input input, Int8Weights w, Int8Output output, float scale, int zeroPoint, byte* y, int parts,
        Int8Team? team)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(output);
        conv.Validate();
        pool.Validate();
        if (w.K != conv.KernelH * conv.KernelW * conv.InC || w.N != conv.OutC)
            throw new ArgumentException($"Int8 Conv2D: weights ({w.K}, {w.N}) do not match kernel {conv.KernelH}×{conv.KernelW}×{conv.InC}→{conv.OutC}.");
        if (pool.Batch != conv.Batch || pool.InH != conv.OutH || pool.InW != conv.OutW || pool.Channels != conv.OutC)
            throw new ArgumentException($"Int8 conv + pool: the pool's input ({pool.Batch}, {pool.InH}, {pool.InW}, {pool.Channels}) is not the convolution's output ({conv.Batch}, {conv.OutH}, {conv.OutW}, {conv.OutC}).");
        output.Check(w.N);
        Int8Destination.ToBytes(y, scale, zeroPoint); // checks the grid
        if (conv.Batch == 0 || pool.OutputLength == 0) return;
        if (!Splits(conv, pool, w)) parts = 1;
        if (parts == 1 && conv.Batch > 1 && input.Q != null && Int8Winograd4Group.Applies(conv, pool, w))
        {
            Int8Winograd4Group.Forward(conv, pool, input.Q, w, output, scale, zeroPoint, y, team); // without VNNI: several images' tiles per product call
            return;
        }
        var body = new Images(conv, pool, input, w, output, scale, zeroPoint, y, parts);
        if (team is not null) team.Add(conv.Batch * parts, body);
        else WorkerPool.Shared.For(conv.Batch * parts, body, (long)conv.OutputLength * w.K / 4);
    }

    /// <summary>
    /// How many work items each image becomes: 1, or the pool's thread count when the batch is
    /// smaller than it and one image's convolution is large enough to pay for waking a worker,
    /// framing the image twice and waiting at the end: <see cref="SplitWork"/>.
    /// </summary>
    private static int PartsPerImage(in Conv2DGeometry conv, in Pool2DGeometry pool, Int8Weights w)
    {
        int threads = WorkerPool.Shared.ThreadCount;
        if (conv.Batch >= threads || !Splits(conv, pool, w)) return 1;
        long perImage = (long)conv.OutH * conv.OutW * conv.OutC * w.K / 4;
        return perImage >= SplitWork ? threads : 1;
    }

    /// <summary>
    /// Whether an image can be cut into parts: the Winograd kernel with the 2×2 pool of its tiles
    /// (cut by tiles), or the windows read in place (<see cref="Int8ImplicitConv.ImagePooled"/>).
    /// </summary>
    internal static bool Splits(in Conv2DGeometry conv, in Pool2DGeometry pool, Int8Weights w) =>
        Int8Winograd.Applies(conv, w) ? Int8Winograd.PoolsTiles(pool)
        : Int8ImplicitConv.Applies(conv, w) || Int8SingleChannelConv.Applies(conv, pool) || Int8PairConv.AppliesPooled(conv, pool, w);

    /// <summary>
    /// One image's work (multiply-adds / 4) from which it is cut into parts. Measured on the shared
    /// 2-core Zen 5 (load ≈ 10, bench q): the convnet's 13×13×32 → 64 layer (557,568) on two threads
    /// ran at 0.71× of one thread's images/s, so it and anything below 8× the pool's inline
    /// threshold stay on one thread.
    /// </summary>
    internal const long SplitWork = 8 * WorkerPool.InlineWork;

    private sealed class Images(Conv2DGeometry conv, Pool2DGeometry pool, Images.Input images, Int8Weights w, Int8Output output, float scale, int zeroPoint, byte* y, int parts)
        : IParallelBody
    {
        /// <summary>The images: bytes <c>q</c>, or floats <c>x</c> that each item quantizes on (<c>scale</c>, <c>zeroPoint</c>).</summary>
        internal readonly struct Input(byte* q, float* x, float scale, int zeroPoint)
        {
            public byte* Q { get; } = q;
            public float* X { get; } = x;
            public float Scale { get; } = scale;
            public int ZeroPoint { get; } = zeroPoint;
        }

        public void Execute(int item)
        {
            int b = item / parts;
            var one = conv with { Batch = 1 };
            var onePool = pool with { Batch = 1 };
            int imageLength = conv.InH * conv.InW * conv.InC;
            byte* input;
            if (images.X != null)
            {
                input = Int8Scratch.Bytes(Int8Scratch.QuantizedInput, imageLength + (long)Int8Gemm.Slack);
                Int8Quantize.ToUInt8(images.X + (long)b * imageLength, imageLength, images.Scale, images.ZeroPoint, input);
            }
            else input = images.Q + (long)b * imageLength;
            byte* pooled = y + (long)b * pool.OutH * pool.OutW * pool.Channels;
            if (Int8Winograd4.AppliesPooled(one, onePool, w)) // F(4×4, 3×3) where its sums are exact (Cin ≤ 114)
            {
                if (parts == 1)
                {
                    Int8Winograd4.ImagePooled(one, onePool, input, w, output, scale, zeroPoint, pooled, 0, onePool.OutH);
                    return;
                }
                if (Int8Winograd4Channels.Applies(one, onePool, w, parts))
                {
                    // Without VNNI: every tile, this part's output channels (no product call padded, half the weights each).
                    var (tile0, tile1) = Int8Winograd4Channels.Share(w.Tiles, item % parts, parts);
                    Int8Winograd4Channels.ImagePooled(one, onePool, input, w, output, scale, zeroPoint, pooled, tile0, tile1);
                    return;
                }
                var share = Winograd4Share.Of(onePool.OutH, onePool.OutW, item % parts, parts);
                Int8Winograd4.ImagePooled(one, onePool, input, w, output, scale, zeroPoint, pooled, 2 * share.TileRow0, 2 * share.TileRow1);
                int lastRow = (onePool.OutH - 1) * onePool.OutW;
                Int8Winograd.ImagePooledCells(one, onePool, input, w, output, scale, zeroPoint, pooled, lastRow + share.Cell0, lastRow + share.Cell1);
                return;
            }
            if (Int8Winograd.Applies(one, w) && Int8Winograd.PoolsTiles(onePool))
            {
                // Parts of even size in tiles (pool cells), not pool rows: 5 rows in two parts would be 2 + 3.
                int part = item % parts, cells = onePool.OutH * onePool.OutW;
                Int8Winograd.ImagePooledCells(one, onePool, input, w, output, scale, zeroPoint, pooled,
                    (int)((long)cells * part / parts), (int)((long)cells * (part + 1) / parts));
                return;
            }
            if (Int8ImplicitConv.Applies(one, w) && !Int8Winograd.Applies(one, w))
            {
                Int8ImplicitConv.ImagePooled(one, onePool, input, w, output, scale, zeroPoint, pooled, item % parts, parts);
                return;
            }
            // Without VNNI (Zen 4): one input channel as int16 tap pairs, more as the windows of an int16 frame; cut by pool rows.
            int ph0 = (int)((long)onePool.OutH * (item % parts) / parts), ph1 = (int)((long)onePool.OutH * (item % parts + 1) / parts);
            if (Int8SingleChannelConv.Applies(one, onePool))
            {
                Int8SingleChannelConv.ImagePooled(one, onePool, input, w, output, scale, zeroPoint, pooled, ph0, ph1);
                return;
            }
            if (Int8PairConv.AppliesPooled(one, onePool, w))
            {
                Int8PairConv.ImagePooled(one, onePool, input, w, output, scale, zeroPoint, pooled, ph0, ph1);
                return;
            }
            byte* image = Int8Scratch.Bytes(Int8Scratch.ConvOutput, one.OutputLength);
            var destination = Int8Destination.ToBytes(image, scale, zeroPoint);
            int pixels = one.OutH * one.OutW;
            if (Int8Winograd.Applies(one, w))
                Int8Winograd.Image(one, input, w, output, destination, 0);
            else
                for (int p0 = 0; p0 < pixels; p0 += Int8Gemm.RowBlock)
                    Int8Conv2D.Block(one, input, w, output, destination, p0, Math.Min(Int8Gemm.RowBlock, pixels - p0));
            for (int row = 0; row < onePool.OutH; row++) Int8MaxPool.Row(onePool, image, pooled, row);
        }
    }
}
