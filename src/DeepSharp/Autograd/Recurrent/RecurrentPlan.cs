using DeepSharp.Kernels.Cpu;
using DeepSharp.Kernels.Cpu.Simd;
using DeepSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Autograd;

// Shape legend: B batch, T time steps, F input features, U units, G gates (SimpleRNN 1, LSTM 4,
// GRU 3), GU = G·U. A step s counts in processing order: it reads time t = s, or t = T − 1 − s when
// going backwards. Per-step buffers are time-major — (T, B, ·), step s a contiguous (B, ·) block —
// so every step's matrix product reads and writes contiguous rows.

/// <summary>
/// What the recurrent ops share: argument checks, the time-major inputs (reversed when going
/// backwards, input dropout applied), the one input projection x·W + b for the whole sequence, the
/// step masks, the packing of outputs and final states, and the matching backward pieces.
/// </summary>
internal sealed class RecurrentPlan
{
    private Tensor? _scratch;
    private GemmPackedB? _packedU, _packedUTransposed;

    private RecurrentPlan(string op, Tensor x, Tensor kernel, Tensor recurrentKernel, int gates, int stateCount, RecurrentArgs args)
    {
        Op = op;
        Args = args;
        X = x;
        Kernel = kernel;
        RecurrentKernel = recurrentKernel;
        Batch = x.Shape[0];
        Time = x.Shape[1];
        Features = x.Shape[2];
        Units = recurrentKernel.Shape[0];
        GateWidth = gates * Units;
        StateCount = stateCount;
    }

    public string Op { get; }
    public RecurrentArgs Args { get; }
    public Tensor X { get; }
    public Tensor Kernel { get; }
    public Tensor RecurrentKernel { get; }
    public int Batch { get; }
    public int Time { get; }
    public int Features { get; }
    public int Units { get; }
    public int GateWidth { get; }
    public int StateCount { get; }

    /// <summary>Rows of one step's state block: B·U.</summary>
    public int StateBlock => Batch * Units;

    /// <summary>(T, B, F): the inputs in processing order, input dropout applied.</summary>
    public Tensor Inputs { get; private set; } = null!;

    /// <summary>(T, B) int32: 1 where step s runs for sample b; null when every step runs.</summary>
    public Tensor? RunFlags { get; private set; }

    /// <summary>(T, B) int32: 1 where step s outputs the (carried) state; 0 where it outputs zeros.</summary>
    public Tensor? LiveFlags { get; private set; }

    /// <summary>(T, B, U): the previous states after recurrent dropout, h̃ = h ⊙ mask; null without it.</summary>
    public Tensor? DroppedStates { get; private set; }

    /// <summary>The first step with an output: 0 with sequences, else the last.</summary>
    public int FirstOutputStep => Args.ReturnSequences ? 0 : Time - 1;

    /// <summary>Time steps in the packed output: T with sequences, else 1.</summary>
    public int OutputSteps => Args.ReturnSequences ? Time : 1;

    /// <summary>Checks the arguments and lays out the inputs.</summary>
    public static RecurrentPlan Create(string op, Tensor x, Tensor kernel, Tensor recurrentKernel, int gates, int stateCount, RecurrentArgs args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (x.Rank != 3 || x.DType != DType.Float32)
            throw new ShapeMismatchException($"{op} needs float inputs (batch, time, features); got {x.Shape} {x.DType}.");
        if (x.Shape[1] == 0) throw new ShapeMismatchException($"{op} needs at least one time step; got inputs {x.Shape}.");
        if (recurrentKernel.Rank != 2 || recurrentKernel.Shape[1] != gates * recurrentKernel.Shape[0])
            throw new ShapeMismatchException($"{op} needs a recurrent kernel (units, {gates}·units); got {recurrentKernel.Shape}.");
        int units = recurrentKernel.Shape[0];
        if (kernel.Rank != 2 || kernel.Shape[0] != x.Shape[2] || kernel.Shape[1] != gates * units)
            throw new ShapeMismatchException($"{op} needs a kernel (features {x.Shape[2]}, {gates}·units {gates * units}); got {kernel.Shape}.");
        var plan = new RecurrentPlan(op, x, kernel, recurrentKernel, gates, stateCount, args);
        plan.CheckOptionalInputs();
        plan.LayOutInputs();
        plan.ReadMask();
        if (args.RecurrentDropoutMask is not null) plan.DroppedStates = Tensor.Temp(new Shape(plan.Time, plan.Batch, units));
        return plan;
    }

    /// <summary>Throws unless <paramref name="bias"/> is null or has <paramref name="shape"/>.</summary>
    public void CheckBias(Tensor? bias, Shape shape)
    {
        if (bias is not null && bias.Shape != shape)
            throw new ShapeMismatchException($"{Op} with {Units} units needs a bias {shape}; got {bias.Shape}.");
    }

    /// <summary>Whether any input needs a gradient (and recording is on).</summary>
    public bool NeedsGrad(Tensor? bias)
    {
        if (NoGrad.IsActive) return false;
        if (X.RequiresGrad || Kernel.RequiresGrad || RecurrentKernel.RequiresGrad || bias?.RequiresGrad == true) return true;
        foreach (var s in Args.InitialStates ?? []) if (s.RequiresGrad) return true;
        return false;
    }

    /// <summary>The backward node's inputs: x, kernel, recurrent kernel, then the bias (if any), then the initial states.</summary>
    public Tensor[] NodeInputs(Tensor? bias)
    {
        var states = Args.InitialStates;
        var inputs = new Tensor[(bias is null ? 3 : 4) + (states?.Count ?? 0)];
        (inputs[0], inputs[1], inputs[2]) = (X, Kernel, RecurrentKernel);
        int next = 3;
        if (bias is not null) inputs[next++] = bias;
        for (int k = 0; k < (states?.Count ?? 0); k++) inputs[next++] = states![k];
        return inputs;
    }

    /// <summary>The node input index of initial state <paramref name="k"/>, or −1 when states start at zero.</summary>
    public int InitialStateInput(int k, Tensor? bias) => Args.InitialStates is null ? -1 : (bias is null ? 3 : 4) + k;

    /// <summary>dst (T·B, GU) = inputs · W + bias (bias: GU values, or empty for none): every step's input projection in one GEMM.</summary>
    public void Project(Span<float> dst, ReadOnlySpan<float> bias)
    {
        int rows = Time * Batch;
        Gemm.Multiply(false, false, rows, GateWidth, Features, Inputs.Span, Features, Kernel.Span, GateWidth, dst, GateWidth, accumulate: false);
        if (!bias.IsEmpty) Reductions.AddBias(dst, bias, rows, GateWidth);
    }

    /// <summary>Fills step 0 of <paramref name="states"/> (T + 1, B, U) with initial state <paramref name="k"/>, or zeros.</summary>
    public void InitialState(int k, Span<float> states)
    {
        var first = states[..StateBlock];
        if (Args.InitialStates is { } initial) initial[k].Span.CopyTo(first);
        else first.Clear();
    }

    /// <summary>The left operand of step <paramref name="s"/>'s h·U: the previous state, after recurrent dropout when there is some.</summary>
    public ReadOnlySpan<float> RecurrentInput(int s, ReadOnlySpan<float> previous)
    {
        if (DroppedStates is null) return previous;
        var dropped = DroppedStates.Span.Slice(s * StateBlock, StateBlock);
        var mask = Args.RecurrentDropoutMask!.Span;
        for (int b = 0; b < Batch; b++)
            TensorPrimitives.Multiply(previous.Slice(b * Units, Units), mask.Slice(b * Units, Units), dropped.Slice(b * Units, Units));
        return dropped;
    }

    /// <summary>
    /// dst (B, GU) (+)= h̃ · U for one step. Over a sequence of more than one step with more rows
    /// than the small-M GEMM takes, U is packed once (<see cref="GemmPackedB"/>) and reused by every
    /// step, with results bit-identical to packing it per call; free it with <see cref="ReleasePackedWeights"/>.
    /// </summary>
    public void RecurrentProduct(ReadOnlySpan<float> hTilde, Span<float> dst, bool accumulate)
    {
        if (!PrepackPays)
        {
            Gemm.Multiply(false, false, Batch, GateWidth, Units, hTilde, Units, RecurrentKernel.Span, GateWidth, dst, GateWidth, accumulate);
            return;
        }
        _packedU ??= GemmPackedB.Pack(false, Units, GateWidth, RecurrentKernel.Span, GateWidth);
        Gemm.Multiply(false, Batch, hTilde, Units, _packedU, dst, GateWidth, accumulate);
    }

    /// <summary>Frees the packed copies of U made by <see cref="RecurrentProduct"/> and <see cref="RecurrentBackward"/>.</summary>
    public void ReleasePackedWeights()
    {
        _packedU?.Dispose();
        _packedU = null;
        _packedUTransposed?.Dispose();
        _packedUTransposed = null;
    }

    /// <summary>Several steps, each with more rows than the small-M path (which reads B in place) takes.</summary>
    private bool PrepackPays => Time > 1 && Batch > GemmSmallM.MaxRows;

    /// <summary>
    /// Whether the steps run with the recurrent product and the cell fused per slice of units
    /// (<see cref="LstmSteps"/>): when U is packed once anyway and no step mask or recurrent dropout
    /// sits between the product and the cell. Same bits as the step-by-step path.
    /// </summary>
    public bool FusedSteps => PrepackPays && Args.Mask is null && Args.RecurrentDropoutMask is null && !ForceStepwise;

    /// <summary>Tests only: run the step-by-step path even where <see cref="FusedSteps"/> would apply.</summary>
    internal static bool ForceStepwise { get; set; }

    /// <summary>
    /// ∂L/∂(output of step <paramref name="s"/>) as rows: sample b's U values start at b·<paramref name="stride"/>;
    /// empty when step s has no output (only the last one has, without sequences). Every output is
    /// live (no mask).
    /// </summary>
    public ReadOnlySpan<float> OutputGradientRows(int s, Tensor dy, out int stride)
    {
        int first = FirstOutputStep;
        stride = dy.Shape[1] * Units;
        return s < first ? default : dy.Span[((s - first) * Units)..];
    }

    /// <summary>product (B, U) (+)= dRecurrent · Uᵀ, with Uᵀ packed once per sequence when that pays.</summary>
    private void TransposedProduct(ReadOnlySpan<float> dRecurrent, Span<float> product, bool accumulate)
    {
        if (!PrepackPays)
        {
            Gemm.Multiply(false, true, Batch, Units, GateWidth, dRecurrent, GateWidth, RecurrentKernel.Span, GateWidth, product, Units, accumulate);
            return;
        }
        _packedUTransposed ??= GemmPackedB.Pack(true, GateWidth, Units, RecurrentKernel.Span, GateWidth);
        Gemm.Multiply(false, Batch, dRecurrent, GateWidth, _packedUTransposed, product, Units, accumulate);
    }

    /// <summary>Whether sample <paramref name="b"/> runs step <paramref name="s"/> (false where the mask skips it).</summary>
    public bool Runs(int s, int b) => RunFlags is null || RunFlags.IntSpan[s * Batch + b] != 0;

    /// <summary>Whether step <paramref name="s"/> runs for every sample.</summary>
    public bool AllRun(int s)
    {
        if (RunFlags is null) return true;
        foreach (int r in RunFlags.IntSpan.Slice(s * Batch, Batch)) if (r == 0) return false;
        return true;
    }

    /// <summary>For samples that skip step <paramref name="s"/>: copies their row of <paramref name="from"/> into <paramref name="to"/> (rows <paramref name="width"/> wide).</summary>
    public void CopySkippedRows(int s, ReadOnlySpan<float> from, Span<float> to, int width)
    {
        if (AllRun(s)) return;
        for (int b = 0; b < Batch; b++)
            if (!Runs(s, b)) from.Slice(b * width, width).CopyTo(to.Slice(b * width, width));
    }

    /// <summary>For samples that skip step <paramref name="s"/>: zeroes their row of <paramref name="rows"/>.</summary>
    public void ClearSkippedRows(int s, Span<float> rows, int width)
    {
        if (AllRun(s)) return;
        for (int b = 0; b < Batch; b++)
            if (!Runs(s, b)) rows.Slice(b * width, width).Clear();
    }

    /// <summary>
    /// The op's output (B, steps, U): the outputs (every step or the last), then the final states
    /// when asked. An output is the state after its step (carried over skipped steps), or zeros
    /// before a sample's first step and, with zero_output_for_mask, at skipped steps.
    /// </summary>
    public Tensor Pack(Tensor h, Tensor? c)
    {
        int steps = OutputSteps + (Args.ReturnStates ? StateCount : 0);
        var y = Tensor.Temp(new Shape(Batch, steps, Units));
        var ys = y.Span;
        int first = Args.ReturnSequences ? 0 : Time - 1;
        RowRanges.For(Time - first, (long)(Time - first) * StateBlock, (s0, n) =>
        {
            var ys = y.Span;
            var hs = h.Span;
            for (int s = first + s0; s < first + s0 + n; s++)
            {
                int slot = s - first;
                for (int b = 0; b < Batch; b++)
                {
                    var dst = ys.Slice((b * steps + slot) * Units, Units);
                    if (IsLive(s, b)) hs.Slice((s + 1) * StateBlock + b * Units, Units).CopyTo(dst);
                    else dst.Clear();
                }
            }
        });
        if (Args.ReturnStates)
        {
            for (int k = 0; k < StateCount; k++)
            {
                var states = (k == 0 ? h : c!).Span.Slice(Time * StateBlock, StateBlock);
                for (int b = 0; b < Batch; b++)
                    states.Slice(b * Units, Units).CopyTo(ys.Slice((b * steps + OutputSteps + k) * Units, Units));
            }
        }
        return y;
    }

    /// <summary>dh[b] += ∂L/∂output of step <paramref name="s"/> where that output is sample b's state.</summary>
    public void AddOutputGradient(int s, Tensor dy, Span<float> dh)
    {
        int first = Args.ReturnSequences ? 0 : Time - 1;
        if (s < first) return;
        int steps = dy.Shape[1];
        var g = dy.Span;
        for (int b = 0; b < Batch; b++)
        {
            if (!IsLive(s, b)) continue;
            var row = dh.Slice(b * Units, Units);
            TensorPrimitives.Add(row, g.Slice((b * steps + s - first) * Units, Units), row);
        }
    }

    /// <summary>dst (B, U) = ∂L/∂(final state <paramref name="k"/>), zeros when the states were not returned.</summary>
    public void StateGradient(int k, Tensor dy, Span<float> dst)
    {
        if (!Args.ReturnStates)
        {
            dst.Clear();
            return;
        }
        int steps = dy.Shape[1];
        var g = dy.Span;
        for (int b = 0; b < Batch; b++)
            g.Slice((b * steps + OutputSteps + k) * Units, Units).CopyTo(dst.Slice(b * Units, Units));
    }

    /// <summary>dhPrev (B, U) (+)= (dRecurrent · Uᵀ) ⊙ recurrent mask for one step's dRecurrent (B, GU).</summary>
    public void RecurrentBackward(ReadOnlySpan<float> dRecurrent, Span<float> dhPrev, bool accumulate)
    {
        if (Args.RecurrentDropoutMask is not { } mask)
        {
            TransposedProduct(dRecurrent, dhPrev, accumulate);
            return;
        }
        _scratch ??= Tensor.Temp(new Shape(Batch, Units));
        var product = _scratch.Span;
        TransposedProduct(dRecurrent, product, accumulate: false);
        if (accumulate) TensorPrimitives.MultiplyAdd(product, mask.Span, dhPrev, dhPrev);
        else TensorPrimitives.Multiply(product, mask.Span, dhPrev);
    }

    /// <summary>dU += h̃ᵀ · dRecurrent over every step at once (h̃: the dropped states, or states 0..T−1 of <paramref name="h"/>).</summary>
    public void RecurrentKernelGradient(ReadOnlySpan<float> dRecurrent, Tensor h, Tensor? dU)
    {
        if (dU is null) return;
        var previous = DroppedStates is null ? h.Span[..(Time * StateBlock)] : DroppedStates.Span;
        Gemm.Multiply(true, false, Units, GateWidth, Time * Batch, previous, Units, dRecurrent, GateWidth, dU.Span, GateWidth, accumulate: true);
    }

    /// <summary>
    /// dW += inputsᵀ · dPre and dU += h̃ᵀ · dPre (h̃: the dropped states, or states 0..T−1 of
    /// <paramref name="h"/>), as one product [inputs | h̃]ᵀ · dPre over the rows laid side by side,
    /// (F + U, T·B)·(T·B, GU), when both are wanted: the (T·B, GU) gate gradients, the operand that
    /// streams from memory, are then packed and read once instead of twice. Each element is summed
    /// in the same order as by two separate products; the sum is formed apart and then added, which
    /// gives the same bits when the gradients start at zero.
    /// </summary>
    public void WeightGradients(ReadOnlySpan<float> dPre, Tensor h, Tensor? dW, Tensor? dU)
    {
        int rows = Time * Batch;
        if (dW is null || dU is null)
        {
            RecurrentKernelGradient(dPre, h, dU);
            if (dW is not null)
                Gemm.Multiply(true, false, Features, GateWidth, rows, Inputs.Span, Features, dPre, GateWidth, dW.Span, GateWidth, accumulate: true);
            return;
        }
        int width = Features + Units;
        var states = DroppedStates ?? h;
        var sum = Tensor.Temp(new Shape(width, GateWidth));
        if (RecurrentWeightGradient.Enabled)
            RecurrentWeightGradient.Multiply(Inputs.Span, Features, states.Span, Units, dPre, GateWidth, rows, sum.Span);
        else
            SideBySideProduct(dPre, states, sum);
        var s = sum.Span;
        ElementwiseParallel.Map(new AddOperator(), dW.Span, s[..(Features * GateWidth)], dW.Span);
        ElementwiseParallel.Map(new AddOperator(), dU.Span, s[(Features * GateWidth)..], dU.Span);
    }

    /// <summary>sum = [inputs | states]ᵀ·dPre through a side-by-side copy and Gemm.Multiply (what <see cref="RecurrentWeightGradient"/> replaces; the same bits).</summary>
    private void SideBySideProduct(ReadOnlySpan<float> dPre, Tensor states, Tensor sum)
    {
        int rows = Time * Batch, width = Features + Units;
        var sideBySide = Tensor.Temp(new Shape(rows, width));
        RowRanges.For(rows, (long)rows * width, (r0, n) =>
        {
            var both = sideBySide.Span;
            var inputs = Inputs.Span;
            var previous = states.Span;
            for (int r = r0; r < r0 + n; r++)
            {
                inputs.Slice(r * Features, Features).CopyTo(both.Slice(r * width, Features));
                previous.Slice(r * Units, Units).CopyTo(both.Slice(r * width + Features, Units));
            }
        });
        Gemm.Multiply(true, false, width, GateWidth, rows, sideBySide.Span, width, dPre, GateWidth, sum.Span, GateWidth, accumulate: false);
    }

    /// <summary>
    /// From ∂L/∂(inputs · W + b) (T·B, GU): dW += inputsᵀ · dPre, dBias += Σ rows, and
    /// dx += (dPre · Wᵀ) ⊙ input mask, put back in (batch, time) order.
    /// </summary>
    public void InputGradients(ReadOnlySpan<float> dPre, Tensor? dx, Tensor? dW, Span<float> dBias)
    {
        int rows = Time * Batch;
        if (dW is not null)
            Gemm.Multiply(true, false, Features, GateWidth, rows, Inputs.Span, Features, dPre, GateWidth, dW.Span, GateWidth, accumulate: true);
        if (!dBias.IsEmpty) Reductions.SumRows(dPre, dBias, rows, GateWidth);
        if (dx is null) return;
        var dInputs = Tensor.Temp(new Shape(Time, Batch, Features));
        Gemm.Multiply(false, true, rows, Features, GateWidth, dPre, GateWidth, Kernel.Span, GateWidth, dInputs.Span, Features, accumulate: false);
        AddInputGradient(dInputs, dx);
    }

    /// <summary>dx += dInputs ⊙ input mask: dInputs (T, B, F), in processing order, put back in (batch, time) order.</summary>
    public void AddInputGradient(Tensor dInputs, Tensor dx)
    {
        int rows = Time * Batch;
        RowRanges.For(Time, (long)rows * Features, (s0, n) =>
        {
            var src = dInputs.Span;
            var dst = dx.Span;
            var dropout = Args.InputDropoutMask is { } m ? m.Span : default;
            for (int s = s0; s < s0 + n; s++)
            {
                int t = Args.GoBackwards ? Time - 1 - s : s;
                for (int b = 0; b < Batch; b++)
                {
                    var from = src.Slice((s * Batch + b) * Features, Features);
                    var to = dst.Slice((b * Time + t) * Features, Features);
                    if (dropout.IsEmpty) TensorPrimitives.Add(to, from, to);
                    else TensorPrimitives.MultiplyAdd(from, dropout.Slice(b * Features, Features), to, to);
                }
            }
        });
    }

    private bool IsLive(int s, int b) => LiveFlags is null || LiveFlags.IntSpan[s * Batch + b] != 0;

    private void CheckOptionalInputs()
    {
        if (Args.Mask is { } mask && (mask.Rank != 2 || mask.Shape[0] != Batch || mask.Shape[1] != Time))
            throw new ShapeMismatchException($"{Op} needs a mask (batch {Batch}, time {Time}) for inputs {X.Shape}; got {mask.Shape}.");
        if (Args.InputDropoutMask is { } dm && (dm.Shape != new Shape(Batch, Features) || dm.DType != DType.Float32))
            throw new ShapeMismatchException($"{Op} needs an input dropout mask (batch {Batch}, features {Features}); got {dm.Shape} {dm.DType}.");
        if (Args.RecurrentDropoutMask is { } rm && (rm.Shape != new Shape(Batch, Units) || rm.DType != DType.Float32))
            throw new ShapeMismatchException($"{Op} needs a recurrent dropout mask (batch {Batch}, units {Units}); got {rm.Shape} {rm.DType}.");
        if (Args.InitialStates is not { } states) return;
        if (states.Count != StateCount)
            throw new ArgumentException($"{Op} takes {StateCount} initial state tensor(s); got {states.Count}.");
        foreach (var s in states)
            if (s.Shape != new Shape(Batch, Units) || s.DType != DType.Float32)
                throw new ShapeMismatchException($"{Op} needs initial states (batch {Batch}, units {Units}); got {s.Shape} {s.DType}.");
    }

    private void LayOutInputs()
    {
        Inputs = Tensor.Temp(new Shape(Time, Batch, Features));
        RowRanges.For(Time, (long)Time * Batch * Features, (s0, n) =>
        {
            var src = X.Span;
            var dst = Inputs.Span;
            var dropout = Args.InputDropoutMask is { } m ? m.Span : default;
            for (int s = s0; s < s0 + n; s++)
            {
                int t = Args.GoBackwards ? Time - 1 - s : s;
                for (int b = 0; b < Batch; b++)
                {
                    var from = src.Slice((b * Time + t) * Features, Features);
                    var to = dst.Slice((s * Batch + b) * Features, Features);
                    if (dropout.IsEmpty) from.CopyTo(to);
                    else TensorPrimitives.Multiply(from, dropout.Slice(b * Features, Features), to);
                }
            }
        });
    }

    private void ReadMask()
    {
        if (Args.Mask is not { } mask) return;
        RunFlags = Tensor.IntTemp(new Shape(Time, Batch));
        LiveFlags = Tensor.IntTemp(new Shape(Time, Batch));
        var runs = RunFlags.IntSpan;
        var live = LiveFlags.IntSpan;
        for (int b = 0; b < Batch; b++)
        {
            bool seen = false;
            for (int s = 0; s < Time; s++)
            {
                int t = Args.GoBackwards ? Time - 1 - s : s;
                bool run = mask.DType == DType.Int32 ? mask.IntSpan[b * Time + t] != 0 : mask.Span[b * Time + t] != 0f;
                seen |= run;
                runs[s * Batch + b] = run ? 1 : 0;
                live[s * Batch + b] = run || (seen && !Args.ZeroOutputForMask) ? 1 : 0;
            }
        }
    }
}
