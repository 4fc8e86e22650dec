using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// A whole LSTM layer over a sequence (Keras's LSTM, weights in Keras's layout): x (B, T, F),
    /// kernel (F, 4U) and recurrent kernel (U, 4U) with gate blocks i, f, c, o, bias (4U) or null.
    /// Returns (B, steps, U): the outputs — every step with <see cref="RecurrentArgs.ReturnSequences"/>,
    /// else the last — followed by the final h and c when <see cref="RecurrentArgs.ReturnStates"/>.
    /// x·W is one GEMM for the whole sequence (inside the fused steps, per step and row group); each step adds one GEMM h·U over all four gates.
    /// Backward is backpropagation through time with the weight gradients summed by two GEMMs at the end.
    /// </summary>
    internal static Tensor Lstm(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, RecurrentArgs args)
    {
        var plan = RecurrentPlan.Create("LSTM", x, kernel, recurrentKernel, gates: 4, stateCount: 2, args);
        int batch = plan.Batch, time = plan.Time, units = plan.Units, width = plan.GateWidth, block = plan.StateBlock;
        plan.CheckBias(bias, new Shape(width));
        var gates = Tensor.Temp(new Shape(time, batch, width));    // pre-activations, then activated gates
        var h = Tensor.Temp(new Shape(time + 1, batch, units));    // h[s + 1]: the state after step s
        var c = Tensor.Temp(new Shape(time + 1, batch, units));
        var biasValues = bias is null ? default : bias.Span;
        // The fused steps project the inputs and add the bias inside the steps, the step-by-step path here.
        if (!plan.FusedSteps) plan.Project(gates.Span, biasValues);
        plan.InitialState(0, h.Span);
        plan.InitialState(1, c.Span);
        var gs = gates.Span;
        var hs = h.Span;
        var cs = c.Span;
        if (plan.FusedSteps)
        {
            using (var steps = new LstmSteps(recurrentKernel.Span, batch, units, args.Activation, args.RecurrentActivation, WorkerPool.Shared.ThreadCount, backward: false))
                steps.ForwardSequence(time, plan.Inputs.Span, kernel.Span, plan.Features, biasValues, gs, cs, hs,
                    zeroStart: args.InitialStates is null); // zero start: step 0 skips h·U
            var packed = plan.Pack(h, c);
            return plan.NeedsGrad(bias) ? new LstmNode(plan, bias, gates, h, c).Attach(packed) : packed;
        }
        for (int s = 0; s < time; s++)
        {
            var step = gs.Slice(s * batch * width, batch * width);
            var hPrev = hs.Slice(s * block, block);
            plan.RecurrentProduct(plan.RecurrentInput(s, hPrev), step, accumulate: true);
            LstmCell.Forward(step, cs.Slice(s * block, block), cs.Slice((s + 1) * block, block), hs.Slice((s + 1) * block, block),
                batch, units, args.Activation, args.RecurrentActivation);
            plan.CopySkippedRows(s, hPrev, hs.Slice((s + 1) * block, block), units);
            plan.CopySkippedRows(s, cs.Slice(s * block, block), cs.Slice((s + 1) * block, block), units);
        }
        plan.ReleasePackedWeights();
        var y = plan.Pack(h, c);
        return plan.NeedsGrad(bias) ? new LstmNode(plan, bias, gates, h, c).Attach(y) : y;
    }

    private sealed class LstmNode(RecurrentPlan plan, Tensor? bias, Tensor gates, Tensor h, Tensor c) : OpNode(plan.NodeInputs(bias))
    {
        public override string Name => "LSTM";

        public override void Backward(Tensor output, Tensor dy)
        {
            if (plan.FusedSteps) FusedBackward(dy);
            else StepwiseBackward(dy);
        }

        /// <summary>Backward with each step's dz·Uᵀ and cell fused per slice of units (<see cref="LstmSteps"/>); same bits as <see cref="StepwiseBackward"/>.</summary>
        private void FusedBackward(Tensor dy)
        {
            int batch = plan.Batch, time = plan.Time, units = plan.Units, width = plan.GateWidth, block = plan.StateBlock;
            var dh = Tensor.Temp(new Shape(batch, units));
            var dc = Tensor.Temp(new Shape(batch, units));
            var dGates = Tensor.Temp(new Shape(time, batch, width));
            plan.StateGradient(0, dy, dh.Span);
            plan.StateGradient(1, dy, dc.Span);
            var gs = gates.Span;
            var cs = c.Span;
            var dgs = dGates.Span;
            int h0 = plan.InitialStateInput(0, bias);
            // the bias gradient is summed by the backward steps, block by block (the same bits as SumRows after it)
            var db = bias is not null && GradOf(3) is { } g ? g.Span : default;
            // the input gradient dGates·Wᵀ is formed inside the steps too, (time, B, F), then put in (B, time, F) order
            var dx = GradOf(0);
            var dInputs = dx is null ? null : Tensor.Temp(new Shape(time, batch, plan.Features));
            using (var steps = new LstmSteps(plan.RecurrentKernel.Span, batch, units, plan.Args.Activation, plan.Args.RecurrentActivation,
                WorkerPool.Shared.ThreadCount, backward: true))
            {
                var dyRows = plan.OutputGradientRows(plan.FirstOutputStep, dy, out int stride);
                if (dInputs is null) steps.BackwardSequence(time, gs, cs, dyRows, stride, plan.FirstOutputStep, dh.Span, dc.Span, dgs, db);
                else steps.BackwardSequence(time, gs, cs, dyRows, stride, plan.FirstOutputStep, dh.Span, dc.Span, dgs, db, plan.Kernel.Span, plan.Features, dInputs.Span);
                if (h0 >= 0 && GradOf(h0) is { } dh0)
                {
                    steps.TransposedProduct(dgs[..(batch * width)], dh.Span);
                    TensorPrimitives.Add(dh0.Span, dh.Span, dh0.Span);
                }
            }
            if (h0 >= 0 && GradOf(h0 + 1) is { } dc0) TensorPrimitives.Add(dc0.Span, dc.Span, dc0.Span);
            plan.WeightGradients(dgs, h, GradOf(1), GradOf(2));
            if (dx is not null) plan.AddInputGradient(dInputs!, dx);
        }

        private void StepwiseBackward(Tensor dy)
        {
            int batch = plan.Batch, time = plan.Time, units = plan.Units, width = plan.GateWidth, block = plan.StateBlock;
            var dh = Tensor.Temp(new Shape(batch, units));      // ∂L/∂h[s + 1]
            var dhPrev = Tensor.Temp(new Shape(batch, units));
            var dc = Tensor.Temp(new Shape(batch, units));      // ∂L/∂c[s + 1]
            var dcPrev = Tensor.Temp(new Shape(batch, units));
            var dGates = Tensor.Temp(new Shape(time, batch, width));
            plan.StateGradient(0, dy, dh.Span);
            plan.StateGradient(1, dy, dc.Span);
            var gs = gates.Span;
            var cs = c.Span;
            for (int s = time - 1; s >= 0; s--)
            {
                plan.AddOutputGradient(s, dy, dh.Span);
                var dStep = dGates.Span.Slice(s * batch * width, batch * width);
                LstmCell.Backward(gs.Slice(s * batch * width, batch * width), cs.Slice(s * block, block), cs.Slice((s + 1) * block, block),
                    dh.Span, dc.Span, dcPrev.Span, dStep, batch, units, plan.Args.Activation, plan.Args.RecurrentActivation);
                plan.ClearSkippedRows(s, dStep, width);
                plan.CopySkippedRows(s, dc.Span, dcPrev.Span, units);
                plan.RecurrentBackward(dStep, dhPrev.Span, accumulate: false);
                plan.CopySkippedRows(s, dh.Span, dhPrev.Span, units);
                (dh, dhPrev) = (dhPrev, dh);
                (dc, dcPrev) = (dcPrev, dc);
            }
            plan.ReleasePackedWeights();
            int h0 = plan.InitialStateInput(0, bias);
            if (h0 >= 0 && GradOf(h0) is { } dh0) TensorPrimitives.Add(dh0.Span, dh.Span, dh0.Span);
            if (h0 >= 0 && GradOf(h0 + 1) is { } dc0) TensorPrimitives.Add(dc0.Span, dc.Span, dc0.Span);
            plan.RecurrentKernelGradient(dGates.Span, h, GradOf(2));
            var db = bias is not null && GradOf(3) is { } g ? g.Span : default;
            plan.InputGradients(dGates.Span, GradOf(0), GradOf(1), db);
        }
    }
}
