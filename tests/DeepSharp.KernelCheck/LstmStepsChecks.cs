using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Reference;

namespace DeepSharp.KernelCheck;

/// <summary>
/// LSTM steps with the recurrent product and the cell fused per slice of units (the LSTM layer's
/// sequence loop, forward and backward): against the double-precision twins (NaiveGemm then
/// NaiveLstmCell), bit for bit against the unsplit Gemm.Multiply then LstmCell, and bit for bit
/// across thread counts, over batch rows and unit counts on and off the slice width.
/// </summary>
public static class LstmStepsChecks
{
    private static readonly (int Batch, int Units)[] Shapes =
        [(0, 32), (1, 1), (9, 1), (9, 7), (13, 32), (10, 64), (9, 96), (33, 40), (17, 128), (3, 33)];

    private const int Steps = 3;

    public static void MatchTwinsAndUnsplitBitForBit()
    {
        int seed = 700;
        foreach (var (batch, units) in Shapes)
            foreach (var (act, rec) in new[] { (CellActivation.Tanh, CellActivation.Sigmoid), (CellActivation.Relu, CellActivation.Tanh) })
            {
                var problem = new Sequence(batch, units, act, rec, seed += 10);
                string what = $"LSTM steps batch={batch} units={units} {act}/{rec}";
                var naive = problem.Run(Path.Naive, 1);
                var unsplit = problem.Run(Path.Unsplit, 1);
                Check.Close(naive.Forward, unsplit.Forward, 1e-4f, 1e-5f, what + " unsplit vs naive, forward");
                Check.Close(naive.Backward, unsplit.Backward, 1e-4f, 1e-4f, what + " unsplit vs naive, backward");
                foreach (int threads in new[] { 1, 2, 3 })
                    foreach (var path in new[] { Path.Fused, Path.Team })
                    {
                        var fused = problem.Run(path, threads);
                        Check.Equal<float>(unsplit.Forward, fused.Forward, $"{what} {path} threads={threads} forward vs unsplit");
                        Check.Equal<float>(unsplit.Backward, fused.Backward, $"{what} {path} threads={threads} backward vs unsplit");
                    }
            }
    }

    /// <summary>
    /// A whole sequence on one team (ForwardSequence, BackwardSequence) with only the last step's
    /// output given a gradient, and called from inside a pool worker (the pool then runs the team's
    /// members one after the other on that thread: one member steals every slice): the unsplit bits.
    /// </summary>
    public static void TeamRunsLastOutputOnlyAndNested()
    {
        foreach (var (batch, units) in new[] { (9, 64), (17, 128), (3, 33), (10, 96) })
        {
            var problem = new Sequence(batch, units, CellActivation.Tanh, CellActivation.Sigmoid, 900 + units, firstOutput: Steps - 1);
            string what = $"LSTM team batch={batch} units={units} last output only";
            var unsplit = problem.Run(Path.Unsplit, 1);
            foreach (int threads in new[] { 1, 2, 3 })
            {
                var team = problem.Run(Path.Team, threads);
                Check.Equal<float>(unsplit.Forward, team.Forward, $"{what} threads={threads} forward");
                Check.Equal<float>(unsplit.Backward, team.Backward, $"{what} threads={threads} backward");
                var nested = ThreadCounts.With(threads, () =>
                {
                    (float[] Forward, float[] Backward) result = default;
                    WorkerPool.Shared.For(2, new Nested(k => { if (k == 1) result = problem.RunHere(Path.Team, threads); }));
                    return result;
                });
                Check.Equal<float>(unsplit.Forward, nested.Forward, $"{what} threads={threads} nested in a worker, forward");
                Check.Equal<float>(unsplit.Backward, nested.Backward, $"{what} threads={threads} nested in a worker, backward");
            }
        }
    }

    /// <summary>
    /// The bias gradient summed inside the backward team (BackwardSequence's dBias) against
    /// Reductions.SumRows of the gate gradients it wrote, bit for bit, at 1, 2 and 3 threads, and
    /// nested in a pool worker: sequences long enough for several 256-row blocks, with blocks that
    /// start mid-step (batch 9, 17, 33), on step boundaries (batch 32), and a short last block.
    /// </summary>
    public static void TeamBiasGradientMatchesSumRows()
    {
        foreach (var (batch, time, units) in new[] { (9, 61, 64), (32, 16, 96), (17, 20, 33), (33, 9, 128), (1, 5, 32), (32, 8, 64) })
        {
            int block = batch * units, width = 4 * units, rows = time * batch;
            int seed = 1300 + batch + units;
            var u = Check.Random(units * width, seed);
            var gates = Check.Random(time * batch * width, seed + 1);
            for (int i = 0; i < gates.Length; i++) gates[i] = 0.5f + 0.45f * gates[i];     // activated gates in (0, 1)
            var c = Check.Random((time + 1) * block, seed + 2);
            var dy = Check.Random(time * batch * units, seed + 3);
            var start = Check.Random(4 * units, seed + 4);
            string what = $"LSTM team bias gradient batch={batch} time={time} units={units}";
            float[] Run(int threads, bool nested) => ThreadCounts.With(threads, () =>
            {
                var dGates = new float[time * batch * width];
                var dBias = (float[])start.Clone();
                void Body()
                {
                    using var steps = new LstmSteps(u, batch, units, CellActivation.Tanh, CellActivation.Sigmoid, threads, backward: true);
                    steps.BackwardSequence(time, gates, c, dy, time * units, 0, new float[block], new float[block], dGates, dBias);
                }
                if (nested) WorkerPool.Shared.For(2, new Nested(k => { if (k == 1) Body(); }));
                else Body();
                var expected = (float[])start.Clone();
                Reductions.SumRows(dGates, expected, rows, width);
                Check.Equal<float>(expected, dBias, $"{what} threads={threads} nested={nested} vs SumRows of its gate gradients");
                return dBias;
            });
            var one = Run(1, false);
            foreach (int threads in new[] { 2, 3 })
                foreach (bool nested in new[] { false, true })
                    Check.Equal<float>(one, Run(threads, nested), $"{what} threads={threads} nested={nested} vs one thread");
            var naive = (float[])start.Clone();
            var dGatesOne = new float[time * batch * width];
            using (var steps = new LstmSteps(u, batch, units, CellActivation.Tanh, CellActivation.Sigmoid, 1, backward: true))
                steps.BackwardSequence(time, gates, c, dy, time * units, 0, new float[block], new float[block], dGatesOne);
            NaiveReductions.SumRows(dGatesOne, naive, rows, width);
            Check.Close(naive, one, 1e-4f, 1e-4f, $"{what} vs the naive row sum");
        }
    }

    /// <summary>
    /// The input projection and the input gradient formed inside the sequence (ForwardSequence with the
    /// inputs and W, BackwardSequence with Wᵀ): bit for bit the one Gemm.Multiply over all steps before
    /// (x·W) or after (dGates·Wᵀ) the plain sequence, at 1, 2 and 3 threads and nested in a pool worker,
    /// with the row groups forming them inside their steps and not (LstmSteps.InputProductsInSteps, off on Intel);
    /// batches split into row groups (16, 17, 33, 40) and not (9), features on and off the tile widths and 0.
    /// </summary>
    public static void InputProjectionInsideTheSequenceMatchesGemm()
    {
        foreach (var (batch, time, units, features) in new[] { (16, 5, 64, 128), (17, 4, 33, 7), (33, 3, 96, 1), (40, 6, 32, 20), (9, 4, 64, 16), (24, 3, 32, 0) })
        {
            int block = batch * units, width = 4 * units;
            int seed = 1700 + batch + units + features;
            var u = Scaled(Check.Random(units * width, seed), 1f / MathF.Sqrt(units));
            var w = Scaled(Check.Random(features * width, seed + 1), 1f / MathF.Sqrt(Math.Max(features, 1)));
            var x = Check.Random(time * batch * features, seed + 2);
            var bias = Check.Random(width, seed + 3);
            var dy = Check.Random(time * batch * units, seed + 4);
            string what = $"LSTM input projection inside the steps batch={batch} time={time} units={units} features={features}";
            float[] Run(int threads, bool inside, bool nested) => ThreadCounts.With<float[]>(threads, () =>
            {
                var gates = new float[time * batch * width];
                var h = new float[(time + 1) * block];
                var c = new float[(time + 1) * block];
                var dGates = new float[time * batch * width];
                var dInputs = new float[time * batch * features];
                var dh = new float[block];
                var dc = new float[block];
                var dBias = new float[width];
                void Body()
                {
                    using (var steps = new LstmSteps(u, batch, units, CellActivation.Tanh, CellActivation.Sigmoid, threads, backward: false))
                    {
                        if (inside) steps.ForwardSequence(time, x, w, features, bias, gates, c, h, zeroStart: true);
                        else
                        {
                            Gemm.Multiply(false, false, time * batch, width, features, x, features, w, width, gates, width, accumulate: false);
                            steps.ForwardSequence(time, bias, gates, c, h, zeroStart: true);
                        }
                    }
                    using (var steps = new LstmSteps(u, batch, units, CellActivation.Tanh, CellActivation.Sigmoid, threads, backward: true))
                    {
                        if (inside) steps.BackwardSequence(time, gates, c, dy, time * units, 0, dh, dc, dGates, dBias, w, features, dInputs);
                        else
                        {
                            steps.BackwardSequence(time, gates, c, dy, time * units, 0, dh, dc, dGates, dBias);
                            Gemm.Multiply(false, true, time * batch, features, width, dGates, width, w, width, dInputs, features, accumulate: false);
                        }
                    }
                }
                if (nested) WorkerPool.Shared.For(2, new Nested(k => { if (k == 1) Body(); }));
                else Body();
                return [.. gates, .. c, .. h, .. dGates, .. dInputs, .. dh, .. dc, .. dBias];
            });
            var reference = Run(1, inside: false, nested: false);
            bool saved = LstmSteps.InputProductsInSteps;
            try
            {
                foreach (bool inSteps in new[] { true, false })
                {
                    LstmSteps.InputProductsInSteps = inSteps;
                    foreach (int threads in new[] { 1, 2, 3 })
                        foreach (bool nested in new[] { false, true })
                            Check.Equal<float>(reference, Run(threads, inside: true, nested), $"{what} threads={threads} nested={nested} inSteps={inSteps}");
                }
            }
            finally { LstmSteps.InputProductsInSteps = saved; }
        }
    }

    private sealed class Nested(Action<int> body) : IParallelBody
    {
        public void Execute(int index) => body(index);
    }

    /// <summary>A step is split into whole slices of 32 units, one task per thread at most; other unit counts run as one task.</summary>
    public static void SplitsIntoWholeSlices()
    {
        foreach (var (units, threads, tasks) in new[] { (64, 2, 2), (256, 2, 2), (256, 3, 3), (32, 4, 1), (40, 2, 1), (96, 8, 3), (64, 1, 1) })
        {
            using var steps = new LstmSteps(new float[units * 4 * units], batch: 9, units, CellActivation.Tanh, CellActivation.Sigmoid, threads, backward: false);
            if (steps.Tasks != tasks)
                throw new CheckFailedException($"LSTM steps: {units} units on {threads} threads ran as {steps.Tasks} tasks, expected {tasks}.");
        }
    }

    public static void ShortSpansAndWrongDirectionThrow()
    {
        using var forward = new LstmSteps(new float[2 * 8], batch: 9, units: 2, CellActivation.Tanh, CellActivation.Sigmoid, threads: 2, backward: false);
        bool shortSpan = false, wrongWay = false;
        try { forward.Forward(new float[18], new float[18], new float[71], new float[18], new float[18]); }
        catch (ArgumentException) { shortSpan = true; }
        try { forward.TransposedProduct(new float[72], new float[18]); }
        catch (InvalidOperationException) { wrongWay = true; }
        if (!shortSpan || !wrongWay) throw new CheckFailedException($"LSTM steps: short span threw {shortSpan}, backward call on a forward instance threw {wrongWay}.");
    }

    /// <summary>A step from an empty (zero) previous state gives the values of one from an explicit zero state.</summary>
    public static void ZeroStateSkipsTheProduct()
    {
        foreach (var (batch, units) in new[] { (9, 64), (3, 33), (17, 128) })
            foreach (int threads in new[] { 1, 2 })
            {
                int block = batch * units, width = 4 * units;
                var u = Check.Random(units * width, 31);
                var xw = Check.Random(batch * width, 32);
                var cPrev = Check.Random(block, 33);
                float[] Step(bool empty) => ThreadCounts.With<float[]>(threads, () =>
                {
                    var gates = (float[])xw.Clone();
                    var c = new float[block];
                    var h = new float[block];
                    using var steps = new LstmSteps(u, batch, units, CellActivation.Tanh, CellActivation.Sigmoid, threads, backward: false);
                    steps.Forward(empty ? default : new float[block], cPrev, gates, c, h);
                    return [.. gates, .. c, .. h];
                });
                var zero = Step(empty: false);
                var skipped = Step(empty: true);
                for (int i = 0; i < zero.Length; i++)
                    if (zero[i] != skipped[i]) // == : +0 and −0 (a skipped product adds no zero) are the same value
                        throw new CheckFailedException($"LSTM steps batch={batch} units={units} threads={threads}: zero-state step differs at {i}: {skipped[i]} vs {zero[i]}.");
            }
    }

    private enum Path { Naive, Unsplit, Fused, Team }

    private static float[] Scaled(float[] x, float scale)
    {
        for (int i = 0; i < x.Length; i++) x[i] *= scale;
        return x;
    }

    /// <summary>A random sequence: inputs' projections, U, initial states and output gradients.</summary>
    private sealed class Sequence(int batch, int units, CellActivation act, CellActivation rec, int seed, int firstOutput = 0)
    {
        private readonly float[] _bias = Check.Random(4 * units, seed + 7);
        private readonly float[] _u = Scaled(Check.Random(units * 4 * units, seed), 1f / MathF.Sqrt(Math.Max(units, 1)));
        private readonly float[] _xw = Check.Random(Steps * batch * 4 * units, seed + 1);
        private readonly float[] _h0 = Check.Random(batch * units, seed + 2);
        private readonly float[] _c0 = Check.Random(batch * units, seed + 3);
        private readonly float[] _dy = Check.Random(Steps * batch * units, seed + 4);
        private readonly float[] _dhLast = Check.Random(batch * units, seed + 5);
        private readonly float[] _dcLast = Check.Random(batch * units, seed + 6);

        /// <summary>Forward: every step's gates, c and h; backward: every step's dz, then dh(0) and dc(0).</summary>
        public (float[] Forward, float[] Backward) Run(Path path, int threads) =>
            ThreadCounts.With(threads, () => RunAll(path, threads));

        /// <summary>As <see cref="Run"/> at the thread count already set (from inside a pool worker).</summary>
        public (float[] Forward, float[] Backward) RunHere(Path path, int threads) => RunAll(path, threads);

        private (float[] Forward, float[] Backward) RunAll(Path path, int threads)
        {
            int block = batch * units, width = 4 * units;
            var gates = (float[])_xw.Clone();
            var h = new float[(Steps + 1) * block];
            var c = new float[(Steps + 1) * block];
            _h0.CopyTo(h, 0);
            _c0.CopyTo(c, 0);
            int dyStride = (Steps - firstOutput) * units;
            if (path != Path.Team) Reductions.AddBias(gates, _bias, Steps * batch, width);
            using (var steps = new LstmSteps(_u, batch, units, act, rec, threads, backward: false))
                for (int s = 0; s < Steps; s++)
                {
                    if (path == Path.Team)
                    {
                        steps.ForwardSequence(Steps, _bias, gates, c, h, zeroStart: false);
                        break;
                    }
                    var g = gates.AsSpan(s * batch * width, batch * width);
                    var hPrev = h.AsSpan(s * block, block);
                    var cPrev = c.AsSpan(s * block, block);
                    var cNew = c.AsSpan((s + 1) * block, block);
                    var hNew = h.AsSpan((s + 1) * block, block);
                    if (path == Path.Fused) steps.Forward(hPrev, cPrev, g, cNew, hNew);
                    else if (path == Path.Unsplit)
                    {
                        Gemm.Multiply(false, false, batch, width, units, hPrev, units, _u, width, g, width, accumulate: true);
                        LstmCell.Forward(g, cPrev, cNew, hNew, batch, units, act, rec);
                    }
                    else
                    {
                        NaiveGemm.Multiply(false, false, batch, width, units, hPrev.ToArray(), units, _u, width, g, width, accumulate: true);
                        NaiveLstmCell.Forward(g, cPrev, cNew, hNew, batch, units, act, rec);
                    }
                }

            var dGates = new float[Steps * batch * width];
            var dh = (float[])_dhLast.Clone();
            var dc = (float[])_dcLast.Clone();
            var dcPrev = new float[block];
            using (var steps = new LstmSteps(_u, batch, units, act, rec, threads, backward: true))
            {
                if (path == Path.Team) steps.BackwardSequence(Steps, gates, c, batch == 0 ? default : _dy, dyStride, firstOutput, dh, dc, dGates);
                for (int s = Steps - 1; s >= 0 && path != Path.Team; s--)
                {
                    var next = s == Steps - 1 ? default : dGates.AsSpan((s + 1) * batch * width, batch * width);
                    var dz = dGates.AsSpan(s * batch * width, batch * width);
                    var g = gates.AsSpan(s * batch * width, batch * width);
                    var cPrev = c.AsSpan(s * block, block);
                    var cNew = c.AsSpan((s + 1) * block, block);
                    // sample b's row at b·dyStride, as in (batch, time, units); no output before firstOutput
                    var dy = batch == 0 || s < firstOutput ? default : _dy.AsSpan((s - firstOutput) * units);
                    if (path == Path.Fused)
                    {
                        steps.Backward(next, dy, dyStride, g, cPrev, cNew, dh, dc, dz);
                        continue;
                    }
                    if (!next.IsEmpty)
                    {
                        if (path == Path.Unsplit) Gemm.Multiply(false, true, batch, units, width, next, width, _u, width, dh, units, accumulate: false);
                        else NaiveGemm.Multiply(false, true, batch, units, width, next.ToArray(), width, _u, width, dh, units, accumulate: false);
                    }
                    if (!dy.IsEmpty)
                        for (int b = 0; b < batch; b++)
                            for (int j = 0; j < units; j++) dh[b * units + j] += dy[b * dyStride + j];
                    if (path == Path.Unsplit) LstmCell.Backward(g, cPrev, cNew, dh, dc, dcPrev, dz, batch, units, act, rec);
                    else NaiveLstmCell.Backward(g, cPrev, cNew, dh, dc, dcPrev, dz, batch, units, act, rec);
                    (dc, dcPrev) = (dcPrev, dc);
                }
                if (path is Path.Fused or Path.Team) steps.TransposedProduct(dGates.AsSpan(0, batch * width), dh);
                else if (path == Path.Unsplit) Gemm.Multiply(false, true, batch, units, width, dGates, width, _u, width, dh, units, accumulate: false);
                else NaiveGemm.Multiply(false, true, batch, units, width, dGates.AsSpan(0, batch * width).ToArray(), width, _u, width, dh, units, accumulate: false);
            }
            return ([.. gates, .. c, .. h], [.. dGates, .. dh, .. dc]);
        }
    }
}
