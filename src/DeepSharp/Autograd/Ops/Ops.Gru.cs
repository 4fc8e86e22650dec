using DeepSharp.Kernels.Cpu;
using DeepSharp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace DeepSharp.Autograd;

public static partial class Ops
{
    /// <summary>
    /// A whole GRU layer over a sequence in Keras's default form (reset_after = True): x (B, T, F),
    /// kernel (F, 3U) and recurrent kernel (U, 3U) with gate blocks z, r, h, bias (2, 3U) — row 0
    /// for the inputs, row 1 for the recurrent product — or null. Returns (B, steps, U): the
    /// outputs (every step, or the last) followed by the final state when asked, as <see cref="Lstm"/>.
    /// </summary>
    internal static Tensor Gru(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, RecurrentArgs args)
    {
        var plan = RecurrentPlan.Create("GRU", x, kernel, recurrentKernel, gates: 3, stateCount: 1, args);
        int batch = plan.Batch, time = plan.Time, units = plan.Units, width = plan.GateWidth, block = plan.StateBlock;
        plan.CheckBias(bias, new Shape(2, width));
        var gates = Tensor.Temp(new Shape(time, batch, width));    // x·W + b_in, then z, r, ĥ
        var rh = Tensor.Temp(new Shape(time, batch, units));       // ρ = (h̃·U)_h + b_rec,h
        var h = Tensor.Temp(new Shape(time + 1, batch, units));
        var hu = Tensor.Temp(new Shape(batch, width));             // one step's h̃·U
        var inputBias = bias is null ? default : bias.Span[..width];
        var recurrentBias = bias is null ? default : bias.Span.Slice(width, width);
        plan.Project(gates.Span, inputBias);
        plan.InitialState(0, h.Span);
        var gs = gates.Span;
        var hs = h.Span;
        for (int s = 0; s < time; s++)
        {
            var hPrev = hs.Slice(s * block, block);
            plan.RecurrentProduct(plan.RecurrentInput(s, hPrev), hu.Span, accumulate: false);
            GruCell.Forward(gs.Slice(s * batch * width, batch * width), hu.Span, recurrentBias, hPrev,
                rh.Span.Slice(s * block, block), hs.Slice((s + 1) * block, block), batch, units, args.Activation, args.RecurrentActivation);
            plan.CopySkippedRows(s, hPrev, hs.Slice((s + 1) * block, block), units);
        }
        plan.ReleasePackedWeights();
        var y = plan.Pack(h, null);
        return plan.NeedsGrad(bias) ? new GruNode(plan, bias, gates, rh, h).Attach(y) : y;
    }

    private sealed class GruNode(RecurrentPlan plan, Tensor? bias, Tensor gates, Tensor rh, Tensor h) : OpNode(plan.NodeInputs(bias))
    {
        public override string Name => "GRU";

        public override void Backward(Tensor output, Tensor dy)
        {
            int batch = plan.Batch, time = plan.Time, units = plan.Units, width = plan.GateWidth, block = plan.StateBlock;
            var dh = Tensor.Temp(new Shape(batch, units));      // ∂L/∂h[s + 1]
            var dhPrev = Tensor.Temp(new Shape(batch, units));
            var dGates = Tensor.Temp(new Shape(time, batch, width));
            var dRecurrent = Tensor.Temp(new Shape(time, batch, width));
            plan.StateGradient(0, dy, dh.Span);
            var gs = gates.Span;
            var hs = h.Span;
            for (int s = time - 1; s >= 0; s--)
            {
                plan.AddOutputGradient(s, dy, dh.Span);
                var dStep = dGates.Span.Slice(s * batch * width, batch * width);
                var rStep = dRecurrent.Span.Slice(s * batch * width, batch * width);
                GruCell.Backward(gs.Slice(s * batch * width, batch * width), rh.Span.Slice(s * block, block), hs.Slice(s * block, block),
                    dh.Span, dhPrev.Span, dStep, rStep, batch, units, plan.Args.Activation, plan.Args.RecurrentActivation);
                plan.ClearSkippedRows(s, dStep, width);
                plan.ClearSkippedRows(s, rStep, width);
                plan.RecurrentBackward(rStep, dhPrev.Span, accumulate: true);
                plan.CopySkippedRows(s, dh.Span, dhPrev.Span, units);
                (dh, dhPrev) = (dhPrev, dh);
            }
            plan.ReleasePackedWeights();
            int h0 = plan.InitialStateInput(0, bias);
            if (h0 >= 0 && GradOf(h0) is { } dh0) TensorPrimitives.Add(dh0.Span, dh.Span, dh0.Span);
            plan.RecurrentKernelGradient(dRecurrent.Span, h, GradOf(2));
            Span<float> dInputBias = default;
            if (bias is not null && GradOf(3) is { } db)
            {
                Reductions.SumRows(dRecurrent.Span, db.Span.Slice(width, width), time * batch, width);
                dInputBias = db.Span[..width];
            }
            plan.InputGradients(dGates.Span, GradOf(0), GradOf(1), dInputBias);
        }
    }
}
