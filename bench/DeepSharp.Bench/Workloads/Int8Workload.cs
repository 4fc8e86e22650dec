using DeepSharp.Bench.Harness;
using DeepSharp.Bench.Models;
using DeepSharp.Compression;
using DeepSharp.Nn;
using DeepSharp.Nn.Layers;
using DeepSharp.Tensors;
using DeepSharp.Training;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace DeepSharp.Bench.Workloads;

/// <summary>
/// (q) Int8 inference (issue 16): the DeepSharp worker's seed model quantized (MinMax, 1,000 training
/// images), Predict of the float and the int8 model at batch 256 and batch 1 (and the same for the
/// convnet, glorot-initialised), wall and process CPU time, and ONNX Runtime running
/// DeepSharp's QDQ export of the same int8 model, in the same process one after the other. Only the
/// DeepSharp worker measures (libtorch's worker answers with nothing); only when named (--only q).
/// </summary>
internal static class Int8Workload
{
    private static readonly int[] Batches = [256, 1];

    public static void Run(BenchContext bench)
    {
        var o = bench.Options;
        bench.Section($"(q) int8 inference, seed CNN: {o.Reps} timed rounds after 1 warm-up");
        var replies = bench.Runner.Alternate(_ => $"int8 min={o.MinSeconds}", o.Reps + 1);
        var ds = replies[0].Skip(1).ToList();
        var direct = Stats.Of(ds.Select(r => 1e6 * r.Get("cpu-conv2-direct")).ToList());
        var winograd = Stats.Of(ds.Select(r => 1e6 * r.Get("cpu-conv2-winograd")).ToList());
        bench.Log($"int8 path here: {Kernels.Cpu.Int8.Int8Paths.Best} (windows in place: VNNI quads on Vnni256, int16 pairs through vpmaddwd on MultiplyAdd512)");
        bench.Log($"convnet 13x13x32 -> 64 conv + 2x2 pool, u8, one thread: CPU µs per image: direct (windows in place) {direct.Median:F2}, integer Winograd {winograd.Median:F2}");
        bench.Table.Add(new ResultRow("(q) int8", "convnet conv 2 + pool, one thread: integer Winograd CPU time per image (in the DeepSharp column)", "µs", HigherIsBetter: false, [winograd],
            NoRatio: true, Verdict: $"direct/Winograd {direct.Median / winograd.Median:F2}x"));
        bench.Table.Add(new ResultRow("(q) int8", $"convnet conv 2 + pool, one thread: direct ({Kernels.Cpu.Int8.Int8Paths.Best}, windows in place) CPU time per image (in the DeepSharp column)", "µs",
            HigherIsBetter: false, [direct], NoRatio: true));
        var winograd4 = Stats.Of(ds.Select(r => 1e6 * r.Get("cpu-conv2-winograd4")).ToList());
        var groups = GroupSizes.Select(size => (size, Stats.Of(ds.Select(r => 1e6 * r.Get($"cpu-conv2-group{size}")).ToList()).Median)).ToList();
        bench.Log($"convnet conv 2 + pool, one thread: CPU µs per image: integer Winograd F(4x4, 3x3) {winograd4.Median:F2} (F(2x2) {winograd.Median:F2}); "
            + $"with F(4x2)/F(2x4) edges, images per call: {string.Join(", ", groups.Select(p => $"{p.size}: {p.Median:F2}"))} (Predict's batches without VNNI: {Kernels.Cpu.Int8.Int8Winograd4Group.Images})");
        bench.Table.Add(new ResultRow("(q) int8", "convnet conv 2 + pool, one thread: integer Winograd F(4x4, 3x3) CPU time per image (in the DeepSharp column)", "µs", HigherIsBetter: false, [winograd4],
            NoRatio: true, Verdict: $"F(2x2)/F(4x4) {winograd.Median / winograd4.Median:F2}x; direct/F(4x4) {direct.Median / winograd4.Median:F2}x"));
        var conv1Vnni = Stats.Of(ds.Select(r => 1e6 * r.Get("cpu-conv1-vnni")).ToList());
        var conv1Pairs = Stats.Of(ds.Select(r => 1e6 * r.Get("cpu-conv1-pairs")).ToList());
        bench.Log($"convnet 28x28x1 -> 32 conv + 2x2 pool, u8, one thread: CPU µs per image: windows in place ({Kernels.Cpu.Int8.Int8Paths.Best}) {conv1Vnni.Median:F2}, vpmaddwd tap pairs {conv1Pairs.Median:F2}");
        bench.Table.Add(new ResultRow("(q) int8", "convnet conv 1 + pool, one thread: vpmaddwd tap pairs CPU time per image (in the DeepSharp column)", "µs", HigherIsBetter: false, [conv1Pairs],
            NoRatio: true, Verdict: $"in place/pairs {conv1Vnni.Median / conv1Pairs.Median:F2}x"));
        bench.Table.Add(new ResultRow("(q) int8", $"convnet conv 1 + pool, one thread: windows in place ({Kernels.Cpu.Int8.Int8Paths.Best}) CPU time per image (in the DeepSharp column)", "µs",
            HigherIsBetter: false, [conv1Vnni], NoRatio: true));
        var resRan = Stats.Of(ds.Select(r => 1e6 * r.Get("cpu-res16-ran")).ToList());
        var resPairs = Stats.Of(ds.Select(r => 1e6 * r.Get("cpu-res16-pairs")).ToList());
        var resWinograd4 = Stats.Of(ds.Select(r => 1e6 * r.Get("cpu-res16-winograd4")).ToList());
        string resKernel = ResidualKernel();
        bool res512 = Kernels.Cpu.Int8.Int8Paths.IsSupported(Kernels.Cpu.Int8.Int8Path.MultiplyAdd512);
        bool resOther = Kernels.Cpu.Int8.Int8Paths.Best != Kernels.Cpu.Int8.Int8Path.MultiplyAdd512;
        bench.Log($"residual CNN 28x28x16 -> 16 conv (same, no pool), u8, one thread: CPU µs per image: what Predict runs here ({resKernel}) {resRan.Median:F2}; "
            + (res512 ? $"on weights packed for 512-bit vpmaddwd{(resOther ? " (not Predict's path here)" : "")}: pairs in place {resPairs.Median:F2}, integer Winograd F(4x4) {resWinograd4.Median:F2}"
                : "vpmaddwd pairs and F(4x4) not measured: they need AVX-512BW"));
        bench.Table.Add(new ResultRow("(q) int8", $"residual CNN conv 16 -> 16, one thread: what Predict runs ({resKernel}) CPU time per image (in the DeepSharp column)", "µs", HigherIsBetter: false,
            [resRan], NoRatio: true));
        if (Kernels.Cpu.Int8.Int8WindowKernels.EightPixels && resKernel == "VNNI windows in place")
        {
            var resFour = Stats.Of(ds.Select(r => 1e6 * r.Get("cpu-res16-four")).ToList());
            bench.Log($"residual CNN conv 16 -> 16, VNNI windows in place: 8 pixels per call (Intel's choice) {resRan.Median:F2} µs, 4 pixels per call {resFour.Median:F2} µs per image");
            bench.Table.Add(new ResultRow("(q) int8", "residual CNN conv 16 -> 16, one thread: VNNI windows in place, 4 pixels per call CPU time per image (in the DeepSharp column)", "µs", HigherIsBetter: false,
                [resFour], NoRatio: true, Verdict: $"4 pixels/8 pixels {resFour.Median / resRan.Median:F2}x"));
        }
        if (res512)
            bench.Table.Add(new ResultRow("(q) int8", $"residual CNN conv 16 -> 16, one thread: integer Winograd F(4x4, 3x3){(resOther ? " on vpmaddwd-packed weights" : "")} CPU time per image (in the DeepSharp column)", "µs",
                HigherIsBetter: false, [resWinograd4], NoRatio: true, Verdict: $"pairs/F(4x4) {resPairs.Median / resWinograd4.Median:F2}x (pairs {resPairs.Median:F2} µs); Predict's/F(4x4) {resRan.Median / resWinograd4.Median:F2}x"));
        foreach (int rows in new[] { 256, 1 })
        {
            var all = Stats.Of(ds.Select(r => 1e6 * r.Get($"cpu-dense-all{rows}")).ToList());
            var skip = Stats.Of(ds.Select(r => 1e6 * r.Get($"cpu-dense-skip{rows}")).ToList());
            bench.Log($"seed Dense 5408 -> 128 on its MNIST activations, {rows} rows, one thread: CPU µs per image: every quad (VNNI) {all.Median:F2}, best path ({Kernels.Cpu.Int8.Int8Paths.Best}, zeros skipped) {skip.Median:F2}");
            bench.Table.Add(new ResultRow("(q) int8", $"seed Dense 5408 -> 128, {rows} rows, one thread: {Kernels.Cpu.Int8.Int8Paths.Best} zeros skipped CPU time per image (in the DeepSharp column)", "µs", HigherIsBetter: false, [skip],
                NoRatio: true, Verdict: $"every quad/skipped {all.Median / skip.Median:F2}x (every quad {all.Median:F2} µs)"));
        }
        foreach (int batch in Batches)
        {
            var f = Stats.Of(ds.Select(r => batch / r.Get($"float{batch}")).ToList());
            var q = Stats.Of(ds.Select(r => batch / r.Get($"int8{batch}")).ToList());
            var ort = Stats.Of(ds.Select(r => batch / r.Get($"ort{batch}")).ToList());
            bench.Log($"batch {batch}: float {f.Median:F0}, int8 {q.Median:F0}, ONNX Runtime int8 (QDQ) {ort.Median:F0} images/s");
            bench.Table.Add(new ResultRow("(q) int8", $"batch {batch}: int8 Predict (in the DeepSharp column)", "images/s", HigherIsBetter: true, [q],
                NoRatio: true, Verdict: $"int8/float {q.Median / f.Median:F2}x (>= 2 must, >= 3 goal); int8/ORT {q.Median / ort.Median:F2}x (>= 1.0 must)"));
            bench.Table.Add(new ResultRow("(q) int8", $"batch {batch}: float Predict (in the DeepSharp column)", "images/s", HigherIsBetter: true, [f], NoRatio: true));
            bench.Table.Add(new ResultRow("(q) int8", $"batch {batch}: ONNX Runtime 1.31.1 on the QDQ export (in the DeepSharp column)", "images/s",
                HigherIsBetter: true, [ort], NoRatio: true));
            // Process CPU time per image (all threads): the ratio that holds on a shared machine.
            var fCpu = Stats.Of(ds.Select(r => 1e6 * r.Get($"cpu-float{batch}") / batch).ToList());
            var qCpu = Stats.Of(ds.Select(r => 1e6 * r.Get($"cpu-int8{batch}") / batch).ToList());
            var ortCpu = Stats.Of(ds.Select(r => 1e6 * r.Get($"cpu-ort{batch}") / batch).ToList());
            bench.Log($"batch {batch}: CPU µs per image: float {fCpu.Median:F1}, int8 {qCpu.Median:F1}, ONNX Runtime {ortCpu.Median:F1}");
            bench.Table.Add(new ResultRow("(q) int8", $"batch {batch}: int8 Predict CPU time per image (in the DeepSharp column)", "µs", HigherIsBetter: false, [qCpu],
                NoRatio: true, Verdict: $"float/int8 CPU {fCpu.Median / qCpu.Median:F2}x; ORT/int8 CPU {ortCpu.Median / qCpu.Median:F2}x"));
            bench.Table.Add(new ResultRow("(q) int8", $"batch {batch}: float Predict CPU time per image (in the DeepSharp column)", "µs", HigherIsBetter: false, [fCpu], NoRatio: true));
            // The convnet (issue 16's second model; glorot-initialised weights: speed only).
            var cf = Stats.Of(ds.Select(r => 1e6 * r.Get($"cpu-convnet-float{batch}") / batch).ToList());
            var cq = Stats.Of(ds.Select(r => 1e6 * r.Get($"cpu-convnet-int8{batch}") / batch).ToList());
            var cfWall = Stats.Of(ds.Select(r => batch / r.Get($"convnet-float{batch}")).ToList());
            var cqWall = Stats.Of(ds.Select(r => batch / r.Get($"convnet-int8{batch}")).ToList());
            bench.Log($"batch {batch}: convnet float {cfWall.Median:F0}, int8 {cqWall.Median:F0} images/s; CPU µs per image: float {cf.Median:F1}, int8 {cq.Median:F1}");
            bench.Table.Add(new ResultRow("(q) int8", $"batch {batch}: convnet int8 Predict (in the DeepSharp column)", "images/s", HigherIsBetter: true, [cqWall],
                NoRatio: true, Verdict: $"int8/float {cqWall.Median / cfWall.Median:F2}x; CPU float/int8 {cf.Median / cq.Median:F2}x (>= 2 must)"));
            bench.Table.Add(new ResultRow("(q) int8", $"batch {batch}: convnet float Predict (in the DeepSharp column)", "images/s", HigherIsBetter: true, [cfWall], NoRatio: true));
            // The residual CNN (a QuantizedAdd between int8 convolutions, u8 throughout; glorot-initialised: speed only).
            var rf = Stats.Of(ds.Select(r => 1e6 * r.Get($"cpu-residual-float{batch}") / batch).ToList());
            var rq = Stats.Of(ds.Select(r => 1e6 * r.Get($"cpu-residual-int8{batch}") / batch).ToList());
            bench.Log($"batch {batch}: residual CNN CPU µs per image: float {rf.Median:F1}, int8 {rq.Median:F1}");
            bench.Table.Add(new ResultRow("(q) int8", $"batch {batch}: residual CNN int8 Predict CPU time per image (in the DeepSharp column)", "µs", HigherIsBetter: false, [rq],
                NoRatio: true, Verdict: $"CPU float/int8 {rf.Median / rq.Median:F2}x (float {rf.Median:F1} µs)"));
            if (batch == 1)
            {
                var oneWall = Stats.Of(ds.Select(r => 1 / r.Get("convnet-int8-one-thread1")).ToList());
                var oneCpu = Stats.Of(ds.Select(r => 1e6 * r.Get("cpu-convnet-int8-one-thread1")).ToList());
                bench.Log($"batch 1: convnet int8 on one thread {oneWall.Median:F0} images/s, CPU µs per image {oneCpu.Median:F1}");
                bench.Table.Add(new ResultRow("(q) int8", "batch 1: convnet int8 Predict on one thread (in the DeepSharp column)", "images/s", HigherIsBetter: true, [oneWall],
                    NoRatio: true, Verdict: $"two threads / one {cqWall.Median / oneWall.Median:F2}x (the image's convolution cut into parts)"));
            }
        }
    }

    /// <summary>Seconds per call of float Predict, int8 Predict and ONNX Runtime's session on the QDQ file, per batch size.</summary>
    public static Reply DeepSharp(DeepSharpSide side, Args a)
    {
        double min = a.Double("min", 0.3);
        var quantized = Quantization.Quantize(side.Model, side.XTrain.SliceRows(0, 1000));
        string path = Path.Combine(Path.GetTempPath(), $"deepsharp-bench-int8-{Environment.ProcessId}.onnx");
        quantized.ExportOnnx(path);
        using var session = new InferenceSession(path, new SessionOptions { IntraOpNumThreads = global::DeepSharp.Threads.Count, InterOpNumThreads = 1 });
        File.Delete(path);
        string input = session.InputMetadata.Keys.Single();
        var convnet = Convnet();
        var convnetQuantized = Quantization.Quantize(convnet, side.XTrain.SliceRows(0, 1000));
        var residual = Residual();
        var residualQuantized = Quantization.Quantize(residual, side.XTrain.SliceRows(0, 1000));
        var reply = new Reply();
        (reply["cpu-conv2-direct"], reply["cpu-conv2-winograd"], reply["cpu-conv2-winograd4"], var groups) = ConvnetSecondConv(min);
        for (int i = 0; i < GroupSizes.Length; i++) reply[$"cpu-conv2-group{GroupSizes[i]}"] = groups[i];
        (reply["cpu-conv1-vnni"], reply["cpu-conv1-pairs"]) = ConvnetFirstConv(min);
        (reply["cpu-res16-ran"], reply["cpu-res16-four"], reply["cpu-res16-pairs"], reply["cpu-res16-winograd4"]) = ResidualSecondConv(min);
        foreach (int rows in new[] { 256, 1 })
            (reply[$"cpu-dense-all{rows}"], reply[$"cpu-dense-skip{rows}"]) = SeedDense(side, quantized, rows, min);
        foreach (int batch in Batches)
        {
            var x = side.XTest.SliceRows(0, batch);
            var tensor = new DenseTensor<float>(x.ToArray(), [batch, 28, 28, 1]);
            (reply[$"float{batch}"], reply[$"cpu-float{batch}"]) = Measure(() => side.Model.Predict(x, batch), min);
            (reply[$"int8{batch}"], reply[$"cpu-int8{batch}"]) = Measure(() => quantized.Predict(x, batch), min);
            (reply[$"ort{batch}"], reply[$"cpu-ort{batch}"]) = Measure(() =>
            {
                using var results = session.Run([NamedOnnxValue.CreateFromTensor(input, tensor)]);
            }, min);
            (reply[$"convnet-float{batch}"], reply[$"cpu-convnet-float{batch}"]) = Measure(() => convnet.Predict(x, batch), min);
            (reply[$"convnet-int8{batch}"], reply[$"cpu-convnet-int8{batch}"]) = Measure(() => convnetQuantized.Predict(x, batch), min);
            (reply[$"residual-float{batch}"], reply[$"cpu-residual-float{batch}"]) = Measure(() => residual.Predict(x, batch), min);
            (reply[$"residual-int8{batch}"], reply[$"cpu-residual-int8{batch}"]) = Measure(() => residualQuantized.Predict(x, batch), min);
            if (batch == 1)
            {
                // The same on one thread: what cutting the image's convolution into parts for two threads buys.
                int threads = global::DeepSharp.Threads.Count;
                global::DeepSharp.Threads.Count = 1;
                try
                {
                    (reply["convnet-int8-one-thread1"], reply["cpu-convnet-int8-one-thread1"]) = Measure(() => convnetQuantized.Predict(x, batch), min);
                }
                finally
                {
                    global::DeepSharp.Threads.Count = threads;
                }
            }
        }
        return reply;
    }

    /// <summary>
    /// The convnet's 13×13×32 → 64 convolution with its 2×2 pool, u8 to u8, image by image on this
    /// thread: process CPU seconds per image of the direct kernel (windows read in place: VNNI quads, or
    /// int16 pairs through vpmaddwd without VNNI) and
    /// of the integer Winograd F(2×2, 3×3), interleaved over 256 images (NaN where a kernel does not run here).
    /// </summary>
    /// <summary>Images per call of the probe of <see cref="Kernels.Cpu.Int8.Int8Winograd4Group"/> (Predict takes <see cref="Kernels.Cpu.Int8.Int8Winograd4Group.Images"/>).</summary>
    private static readonly int[] GroupSizes = [1, 2, 4, 8];

    private static unsafe (double Direct, double Winograd, double Winograd4, double[] Groups) ConvnetSecondConv(double min)
    {
        var g = Kernels.Cpu.Conv2DGeometry.Create(1, 13, 13, 32, 64, 3, 3, 1, 1, false);
        var pool = Kernels.Cpu.Pool2DGeometry.Create(1, 11, 11, 64, 2, 2, 2, 2, false);
        const int images = 256;
        var rng = new Random(16);
        var q = new byte[images * g.InputLength];
        rng.NextBytes(q);
        var w = new sbyte[9 * 32 * 64];
        for (int i = 0; i < w.Length; i++) w[i] = (sbyte)rng.Next(-127, 128);
        var packed = Kernels.Cpu.Int8.Int8Weights.Pack(w, w.Length / 64, 64, Kernels.Cpu.Int8.Int8Paths.Best);
        var scales = Enumerable.Range(0, 64).Select(i => 1e-4f * (1 + i % 7)).ToArray();
        var output = new Kernels.Cpu.Int8.Int8Output(0.02f, 3, scales, new float[64], true);
        var y = new byte[images * pool.OutputLength];
        bool vnni = Kernels.Cpu.Int8.Int8ImplicitConv.Applies(g, packed), pairs = Kernels.Cpu.Int8.Int8PairConv.AppliesPooled(g, pool, packed);
        bool direct = vnni || pairs, winograd = Kernels.Cpu.Int8.Int8Winograd.Applies(g, packed);
        bool winograd4 = Kernels.Cpu.Int8.Int8Winograd4.AppliesPooled(g, pool, packed);
        bool group = Kernels.Cpu.Int8.Int8Winograd4Group.Applies(g, pool, packed);
        double directCpu = double.NaN, winogradCpu = double.NaN, winograd4Cpu = double.NaN;
        var groupCpu = Enumerable.Repeat(double.NaN, GroupSizes.Length).ToArray();
        fixed (byte* pq = q)
        fixed (byte* py = y)
        {
            byte* input = pq, pooled = py;
            for (int round = 0; round < 3; round++)
            {
                if (direct)
                    directCpu = Math.Min(round == 0 ? double.MaxValue : directCpu, Measure(() =>
                    {
                        for (int b = 0; b < images; b++)
                            if (vnni) Kernels.Cpu.Int8.Int8ImplicitConv.ImagePooled(g, pool, input + b * g.InputLength, packed, output, 0.05f, 0, pooled + b * pool.OutputLength);
                            else Kernels.Cpu.Int8.Int8PairConv.ImagePooled(g, pool, input + b * g.InputLength, packed, output, 0.05f, 0, pooled + b * pool.OutputLength, 0, pool.OutH);
                    }, min).Cpu / images);
                if (winograd)
                    winogradCpu = Math.Min(round == 0 ? double.MaxValue : winogradCpu, Measure(() =>
                    {
                        for (int b = 0; b < images; b++)
                            Kernels.Cpu.Int8.Int8Winograd.ImagePooled(g, pool, input + b * g.InputLength, packed, output, 0.05f, 0, pooled + b * pool.OutputLength, 0, pool.OutH);
                    }, min).Cpu / images);
                if (winograd4)
                    winograd4Cpu = Math.Min(round == 0 ? double.MaxValue : winograd4Cpu, Measure(() =>
                    {
                        for (int b = 0; b < images; b++)
                            Kernels.Cpu.Int8.Int8Winograd4.ImagePooled(g, pool, input + b * g.InputLength, packed, output, 0.05f, 0, pooled + b * pool.OutputLength, 0, pool.OutH);
                    }, min).Cpu / images);
                for (int i = 0; i < GroupSizes.Length && group; i++)
                {
                    int size = GroupSizes[i];
                    groupCpu[i] = Math.Min(round == 0 ? double.MaxValue : groupCpu[i], Measure(() =>
                    {
                        for (int b = 0; b < images; b += size)
                            Kernels.Cpu.Int8.Int8Winograd4Group.Pooled(g, pool, input + b * g.InputLength, size, packed, output, 0.05f, 0, pooled + b * pool.OutputLength);
                    }, min).Cpu / images);
                }
            }
        }
        return (directCpu, winogradCpu, winograd4Cpu, groupCpu);
    }

    /// <summary>
    /// The residual CNN's 28×28×16 → 16 convolution (Same padding, no pool: an Add follows), u8 to u8, image
    /// by image on this thread: process CPU seconds per image of the kernel Predict runs here
    /// (<see cref="Kernels.Cpu.Int8.Int8ConvAdd.ConvolveImage"/> on weights packed for <see cref="Kernels.Cpu.Int8.Int8Paths.Best"/>;
    /// where that is VNNI with 8 pixels per call, also with 4),
    /// and of the int16 pairs read in place (<see cref="Kernels.Cpu.Int8.Int8PairConv"/>) and the integer
    /// Winograd F(4×4, 3×3) without a pool on weights packed for 512-bit vpmaddwd (what runs without VNNI;
    /// NaN without AVX-512BW), interleaved over 256 images.
    /// </summary>
    private static unsafe (double Ran, double Four, double Pairs, double Winograd4) ResidualSecondConv(double min)
    {
        var g = Kernels.Cpu.Conv2DGeometry.Create(1, 28, 28, 16, 16, 3, 3, 1, 1, true);
        const int images = 256;
        var rng = new Random(17);
        var q = new byte[images * g.InputLength];
        rng.NextBytes(q);
        var w = new sbyte[9 * 16 * 16];
        for (int i = 0; i < w.Length; i++) w[i] = (sbyte)rng.Next(-127, 128);
        var best = Kernels.Cpu.Int8.Int8Weights.Pack(w, w.Length / 16, 16, Kernels.Cpu.Int8.Int8Paths.Best);
        var packed = Kernels.Cpu.Int8.Int8Paths.IsSupported(Kernels.Cpu.Int8.Int8Path.MultiplyAdd512)
            ? Kernels.Cpu.Int8.Int8Weights.Pack(w, w.Length / 16, 16, Kernels.Cpu.Int8.Int8Path.MultiplyAdd512) : best;
        var scales = Enumerable.Range(0, 16).Select(i => 1e-4f * (1 + i % 7)).ToArray();
        var output = new Kernels.Cpu.Int8.Int8Output(0.02f, 3, scales, new float[16], false);
        var y = new byte[images * g.OutputLength];
        bool pairs = Kernels.Cpu.Int8.Int8PairConv.Applies(g, packed), winograd4 = Kernels.Cpu.Int8.Int8Winograd4.Applies(g, packed);
        double ranCpu = double.NaN, fourCpu = double.NaN, pairsCpu = double.NaN, winograd4Cpu = double.NaN;
        bool eight = Kernels.Cpu.Int8.Int8ImplicitConv.Applies(g, best) && Kernels.Cpu.Int8.Int8WindowKernels.EightPixels;
        fixed (byte* pq = q)
        fixed (byte* py = y)
        {
            byte* input = pq, outputs = py;
            for (int round = 0; round < 3; round++)
            {
                ranCpu = Math.Min(round == 0 ? double.MaxValue : ranCpu, Measure(() =>
                {
                    for (int b = 0; b < images; b++)
                        Kernels.Cpu.Int8.Int8ConvAdd.ConvolveImage(g, input + b * g.InputLength, best, output, Kernels.Cpu.Int8.Int8Destination.ToBytes(outputs + b * g.OutputLength, 0.05f, 0));
                }, min).Cpu / images);
                if (eight)
                {
                    // The same with 4 pixels per call (what ran before on Intel, and runs on AMD).
                    Kernels.Cpu.Int8.Int8WindowKernels.EightPixels = false;
                    try
                    {
                        fourCpu = Math.Min(round == 0 ? double.MaxValue : fourCpu, Measure(() =>
                        {
                            for (int b = 0; b < images; b++)
                                Kernels.Cpu.Int8.Int8ConvAdd.ConvolveImage(g, input + b * g.InputLength, best, output, Kernels.Cpu.Int8.Int8Destination.ToBytes(outputs + b * g.OutputLength, 0.05f, 0));
                        }, min).Cpu / images);
                    }
                    finally
                    {
                        Kernels.Cpu.Int8.Int8WindowKernels.EightPixels = true;
                    }
                }
                if (pairs)
                    pairsCpu = Math.Min(round == 0 ? double.MaxValue : pairsCpu, Measure(() =>
                    {
                        for (int b = 0; b < images; b++)
                            Kernels.Cpu.Int8.Int8PairConv.Image(g, input + b * g.InputLength, packed, output, Kernels.Cpu.Int8.Int8Destination.ToBytes(outputs + b * g.OutputLength, 0.05f, 0), 0, 0, g.OutH);
                    }, min).Cpu / images);
                if (winograd4)
                    winograd4Cpu = Math.Min(round == 0 ? double.MaxValue : winograd4Cpu, Measure(() =>
                    {
                        for (int b = 0; b < images; b++)
                            Kernels.Cpu.Int8.Int8Winograd4.Image(g, input + b * g.InputLength, packed, output, Kernels.Cpu.Int8.Int8Destination.ToBytes(outputs + b * g.OutputLength, 0.05f, 0), 0);
                    }, min).Cpu / images);
            }
        }
        return (ranCpu, fourCpu, pairsCpu, winograd4Cpu);
    }

    /// <summary>The kernel <see cref="Kernels.Cpu.Int8.Int8ConvAdd.ConvolveImage"/> runs for the residual CNN's 16 → 16 convolution on this CPU's best path.</summary>
    private static string ResidualKernel()
    {
        var g = Kernels.Cpu.Conv2DGeometry.Create(1, 28, 28, 16, 16, 3, 3, 1, 1, true);
        var w = Kernels.Cpu.Int8.Int8Weights.Pack(new sbyte[9 * 16 * 16], 9 * 16, 16, Kernels.Cpu.Int8.Int8Paths.Best);
        return Kernels.Cpu.Int8.Int8Winograd.Applies(g, w) ? "integer Winograd F(2x2)"
            : Kernels.Cpu.Int8.Int8ImplicitConv.Applies(g, w) ? "VNNI windows in place"
            : Kernels.Cpu.Int8.Int8Winograd4.Applies(g, w) ? "integer Winograd F(4x4)"
            : Kernels.Cpu.Int8.Int8PairConv.Applies(g, w) ? "vpmaddwd pairs in place" : "im2col GEMM";
    }

    /// <summary>
    /// The convnet's 28×28×1 → 32 convolution with its 2×2 pool, u8 to u8, image by image on this
    /// thread: process CPU seconds per image of the kernel reading windows in place (VNNI quads, or the
    /// int16 frame's pairs without VNNI) and
    /// of the int16 tap pairs through vpmaddwd (<see cref="Kernels.Cpu.Int8.Int8SingleChannelConv"/>),
    /// interleaved over 256 images (NaN where a kernel does not run here).
    /// </summary>
    private static unsafe (double Vnni, double Pairs) ConvnetFirstConv(double min)
    {
        var g = Kernels.Cpu.Conv2DGeometry.Create(1, 28, 28, 1, 32, 3, 3, 1, 1, false);
        var pool = Kernels.Cpu.Pool2DGeometry.Create(1, 26, 26, 32, 2, 2, 2, 2, false);
        const int images = 256;
        var rng = new Random(15);
        var q = new byte[images * g.InputLength];
        rng.NextBytes(q);
        var w = new sbyte[9 * 32];
        for (int i = 0; i < w.Length; i++) w[i] = (sbyte)rng.Next(-127, 128);
        var packed = Kernels.Cpu.Int8.Int8Weights.Pack(w, 9, 32, Kernels.Cpu.Int8.Int8Paths.Best);
        var scales = Enumerable.Range(0, 32).Select(i => 1e-4f * (1 + i % 7)).ToArray();
        var output = new Kernels.Cpu.Int8.Int8Output(0.004f, 0, scales, new float[32], true);
        var y = new byte[images * pool.OutputLength];
        bool quads = Kernels.Cpu.Int8.Int8ImplicitConv.Applies(g, packed), frame16 = Kernels.Cpu.Int8.Int8PairConv.AppliesPooled(g, pool, packed);
        bool vnni = quads || frame16, pairs = Kernels.Cpu.Int8.Int8SingleChannelConv.Applies(g, pool);
        double vnniCpu = double.NaN, pairsCpu = double.NaN;
        fixed (byte* pq = q)
        fixed (byte* py = y)
        {
            byte* input = pq, pooled = py;
            for (int round = 0; round < 3; round++)
            {
                if (vnni)
                    vnniCpu = Math.Min(round == 0 ? double.MaxValue : vnniCpu, Measure(() =>
                    {
                        for (int b = 0; b < images; b++)
                            if (quads) Kernels.Cpu.Int8.Int8ImplicitConv.ImagePooledInPlace(g, pool, input + b * g.InputLength, packed, output, 0.05f, 0, pooled + b * pool.OutputLength);
                            else Kernels.Cpu.Int8.Int8PairConv.ImagePooled(g, pool, input + b * g.InputLength, packed, output, 0.05f, 0, pooled + b * pool.OutputLength, 0, pool.OutH);
                    }, min).Cpu / images);
                if (pairs)
                    pairsCpu = Math.Min(round == 0 ? double.MaxValue : pairsCpu, Measure(() =>
                    {
                        for (int b = 0; b < images; b++)
                            Kernels.Cpu.Int8.Int8SingleChannelConv.ImagePooled(g, pool, input + b * g.InputLength, packed, output, 0.05f, 0, pooled + b * pool.OutputLength, 0, pool.OutH);
                    }, min).Cpu / images);
            }
        }
        return (vnniCpu, pairsCpu);
    }

    /// <summary>
    /// The seed's Dense 5408 → 128 GEMM alone, one thread, on the seed's own MNIST activations (the
    /// first 256 test images through the float conv + ReLU + pool, quantized on the int8 Dense's input
    /// grid): process CPU seconds per image of the VNNI kernel multiplying every quad (NaN where
    /// <see cref="Kernels.Cpu.Int8.Int8GemmZeroQuads"/> does not run here) and of the kernel Predict
    /// runs on this CPU's best path (<see cref="Kernels.Cpu.Int8.Int8Gemm.MultiplyRows"/> in place: the
    /// zero quads skipped with VNNI, zero pairs with <c>vpmaddwd</c> on 512 bits), in blocks of 64 rows
    /// as Predict runs them (or row by row), interleaved.
    /// </summary>
    private static unsafe (double All, double Skip) SeedDense(DeepSharpSide side, Model quantized, int rows, double min)
    {
        var dense = quantized.Layers.OfType<QuantizedDense>().First();
        var features = new Sequential(new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]), new MaxPooling2D((2, 2)), new Flatten());
        features.Build(new Shape(28, 28, 1));
        features.Layers[0].SetWeights(side.Model.Layers[0].GetWeights());
        const int k = 5408, n = 128, images = 256;
        var x = features.Predict(side.XTest.SliceRows(0, images), images).ToArray();
        var a = new byte[(long)images * k + Kernels.Cpu.Int8.Int8Gemm.Slack];
        for (int i = 0; i < images * k; i++) a[i] = Kernels.Cpu.Int8.Int8Quantize.One(x[i], dense.InputScale, dense.InputZeroPoint);
        var rng = new Random(18);
        var w = new sbyte[k * n];
        for (int i = 0; i < w.Length; i++) w[i] = (sbyte)rng.Next(-128, 128);
        var packed = Kernels.Cpu.Int8.Int8Weights.Pack(w, k, n, Kernels.Cpu.Int8.Int8Paths.Best);
        var c = new int[images * n];
        int block = rows == 1 ? 1 : Kernels.Cpu.Int8.Int8Gemm.RowBlock;
        bool skips = Kernels.Cpu.Int8.Int8GemmZeroQuads.Applies(packed);
        double allCpu = double.NaN, skipCpu = double.NaN;
        fixed (byte* pa = a)
        fixed (int* pc = c)
        {
            byte* input = pa;
            int* sums = pc;
            for (int round = 0; round < 3; round++)
            {
                if (skips)
                    allCpu = Math.Min(round == 0 ? double.MaxValue : allCpu, Measure(() =>
                    {
                        for (int r = 0; r < images; r += block)
                            Kernels.Cpu.Int8.Int8Gemm.VnniInPlace(input + (long)r * k, k, block, packed, sums + r * n, n);
                    }, min).Cpu / images);
                skipCpu = Math.Min(round == 0 ? double.MaxValue : skipCpu, Measure(() =>
                {
                    for (int r = 0; r < images; r += block)
                        Kernels.Cpu.Int8.Int8Gemm.MultiplyRows(input + (long)r * k, k, block, packed, sums + r * n, n, readable: true);
                }, min).Cpu / images);
            }
        }
        return (allCpu, skipCpu);
    }

    /// <summary>The convnet of docs/benchmarks.md (conv 32, pool, conv 64, pool, Dropout, Dense 10), glorot-initialised from a fixed seed.</summary>
    private static Sequential Convnet()
    {
        RandomGenerator.SetGlobalSeed(16);
        var convnet = new Sequential(
            new Conv2D(32, (3, 3), activation: Activation.Relu, inputShape: [28, 28, 1]),
            new MaxPooling2D((2, 2)),
            new Conv2D(64, (3, 3), activation: Activation.Relu),
            new MaxPooling2D((2, 2)),
            new Flatten(),
            new Dropout(0.5f),
            new Dense(10, Activation.Softmax));
        convnet.Build(new Shape(28, 28, 1));
        return convnet;
    }

    /// <summary>bench/compression/residual-int8.cs's residual CNN (conv, conv, Add, ReLU, pool, conv, pool, Dense 10), glorot-initialised from a fixed seed.</summary>
    private static Functional Residual()
    {
        RandomGenerator.SetGlobalSeed(17);
        var x = Model.Input([28, 28, 1]);
        var a = new Conv2D(16, (3, 3), padding: Padding.Same, activation: Activation.Relu).Call(x);
        var b = new Conv2D(16, (3, 3), padding: Padding.Same).Call(a);
        var h = new MaxPooling2D((2, 2)).Call(new Relu().Call(new Add().Call(a, b)));
        h = new MaxPooling2D((2, 2)).Call(new Conv2D(32, (3, 3), activation: Activation.Relu).Call(h));
        return new Functional(x, new Dense(10).Call(new Flatten().Call(h)), "residual");
    }

    /// <summary>Wall seconds per call, and process CPU seconds per call over the same calls.</summary>
    private static (double Wall, double Cpu) Measure(Action call, double min)
    {
        for (int i = 0; i < 3; i++) call();
        Thread.Sleep(50);
        int calls = 0;
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        double wall = Timing.SecondsPerCall(() =>
        {
            call();
            calls++;
        }, min);
        return (wall, (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds / calls);
    }
}
